#include "harness/common/redact.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include "harness/common/json_text.h"

namespace leakcheck::redact {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

bool EqualsCaseless(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

uint32_t PrefixKey(const char* p) {
  uint32_t key;
  std::memcpy(&key, p, sizeof key);
  return key;
}
static_assert(kMinSecretLength == sizeof(uint32_t),
              "the prefix index reads kMinSecretLength bytes");

// `s` as it appears inside a JSON string that leakcheck writes (the one escaper).
std::string JsonEscaped(std::string_view s) {
  std::string out;
  AppendJsonEscaped(s, out);
  return out;
}

size_t LineEnd(std::string_view text, size_t from) {
  size_t e = text.find_first_of("\r\n", from);
  return e == std::string_view::npos ? text.size() : e;
}

// The header rule: spans of values after authorization/cookie names.
void FindHeaderSpans(std::string_view text, std::vector<Span>& spans) {
  struct Rule {
    std::string_view base, prefix;
  };
  static constexpr Rule kRules[] = {{"authorization", "proxy-"}, {"cookie", "set-"}};
  for (const Rule& rule : kRules) {
    const char first = rule.base[0];
    for (size_t p = 0; p + rule.base.size() <= text.size(); ++p) {
      if (Lower(text[p]) != first || !EqualsCaseless(text.substr(p, rule.base.size()), rule.base))
        continue;
      size_t start = p;
      if (p >= rule.prefix.size() &&
          EqualsCaseless(text.substr(p - rule.prefix.size(), rule.prefix.size()), rule.prefix))
        start = p - rule.prefix.size();
      if (start > 0 && IsNameChar(text[start - 1])) continue;
      size_t i = p + rule.base.size();
      if (i < text.size() && (text[i] == '"' || text[i] == '\'')) ++i;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i >= text.size() || text[i] != ':') continue;
      ++i;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i >= text.size() || text[i] == '\n' || text[i] == '\r') continue;
      const size_t line_end = LineEnd(text, i);
      Span s;
      char open = text[i];
      if (open == '"' || open == '\'' || open == '[') {
        const char close = open == '[' ? ']' : open;
        size_t j = i + 1;
        while (j < line_end && text[j] != close) j += (open == '"' && text[j] == '\\') ? 2 : 1;
        j = std::min(j, line_end);
        s = {i + 1, j, j == text.size()};
      } else {
        s = {i, line_end, line_end == text.size()};
      }
      // Already redacted (a report redacts text that was redacted as it was read): keep it so.
      const bool redacted =
          text.substr(i).starts_with(kMarker) || text.substr(s.begin).starts_with(kMarker);
      if (s.end > s.begin && !redacted) spans.push_back(s);
      p = i;
    }
  }
}

}  // namespace

bool Redactor::AddOne(std::string_view value) {
  if (value.size() < kMinSecretLength) return false;
  std::unique_lock lock(mu_);
  if (secrets_.size() >= kMaxSecrets) return false;
  auto [it, inserted] = secrets_.emplace(value);
  if (!inserted) return false;
  by_prefix_[PrefixKey(it->data())].push_back(&*it);
  if (value.size() > max_length_.load(std::memory_order_relaxed)) max_length_.store(value.size());
  count_.store(secrets_.size());
  return true;
}

bool Redactor::AddSecret(std::string_view value) {
  bool added = false;
  size_t from = 0;
  while (from <= value.size()) {
    size_t end = LineEnd(value, from);
    std::string_view line = value.substr(from, end - from);
    added |= AddOne(line);
    std::string escaped = JsonEscaped(line);
    if (escaped != line) added |= AddOne(escaped);
    if (end == value.size()) break;
    from = end + 1;
  }
  return added;
}

void Redactor::AddHeaderValue(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  AddSecret(value);
  // `Bearer xyz`, `Basic dXNlcjpwYXNz`: the credentials alone.
  if (size_t sp = value.find(' '); sp != std::string_view::npos && value.find('=') > sp)
    AddSecret(value.substr(sp + 1));
  // Cookies: `a=1; b=2` (Cookie) or `session=abc; Path=/; HttpOnly` (Set-Cookie).
  std::string_view rest = value;
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (size_t eq = pair.find('='); eq != std::string_view::npos) {
      std::string_view name = pair.substr(0, eq);
      // Attributes of a Set-Cookie are not secret.
      static constexpr std::string_view kAttributes[] = {"path", "domain", "expires", "max-age",
                                                         "samesite"};
      bool attribute = std::any_of(std::begin(kAttributes), std::end(kAttributes),
                                   [&](std::string_view a) { return EqualsCaseless(a, name); });
      if (!attribute) {
        AddSecret(pair);
        AddSecret(pair.substr(eq + 1));
      }
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
}

std::vector<Span> Redactor::FindSpans(std::string_view text) const {
  std::vector<Span> spans;
  if (count_.load(std::memory_order_acquire) > 0 && text.size() >= kMinSecretLength) {
    std::shared_lock lock(mu_);
    for (size_t i = 0; i + kMinSecretLength <= text.size(); ++i) {
      auto it = by_prefix_.find(PrefixKey(text.data() + i));
      if (it == by_prefix_.end()) continue;
      size_t best = 0;
      for (const std::string* s : it->second)
        if (s->size() > best && text.compare(i, s->size(), *s) == 0) best = s->size();
      if (best) spans.push_back({i, i + best, false});
    }
  }
  FindHeaderSpans(text, spans);
  if (spans.size() < 2) return spans;
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::vector<Span> merged{spans.front()};
  for (size_t i = 1; i < spans.size(); ++i) {
    Span& last = merged.back();
    if (spans[i].begin <= last.end) {
      if (spans[i].end >= last.end) {
        last.to_line_end = spans[i].to_line_end || (spans[i].end == last.end && last.to_line_end);
        last.end = spans[i].end;
      }
    } else {
      merged.push_back(spans[i]);
    }
  }
  return merged;
}

std::string Redactor::Apply(std::string_view text) const {
  std::vector<Span> spans = FindSpans(text);
  if (spans.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (const Span& s : spans) {
    out.append(text.substr(at, s.begin - at));
    out.append(kMarker);
    at = s.end;
  }
  out.append(text.substr(at));
  return out;
}

size_t Redactor::secret_count() const { return count_.load(); }

void Redactor::Clear() {
  std::unique_lock lock(mu_);
  by_prefix_.clear();
  secrets_.clear();
  max_length_.store(0);
  count_.store(0);
}

Redactor& Global() {
  static Redactor redactor;
  return redactor;
}

std::string Redact(std::string_view text) { return Global().Apply(text); }

std::string StreamRedactor::Release(size_t cut, const std::vector<Span>& spans) {
  std::string out;
  size_t at = 0;
  for (const Span& s : spans) {
    if (s.begin >= cut) break;
    out.append(pending_, at, s.begin - at);
    out.append(kMarker);
    at = s.end;
    if (s.to_line_end && s.end == pending_.size()) in_header_value_ = true;
  }
  if (at < cut) out.append(pending_, at, cut - at);
  pending_.erase(0, std::max(at, cut));
  return out;
}

std::string StreamRedactor::Feed(std::string_view chunk) {
  if (in_header_value_) {
    // The rest of a header value whose start was already released (as the marker).
    size_t e = chunk.find_first_of("\r\n");
    if (e == std::string_view::npos) return "";
    chunk.remove_prefix(e);
    in_header_value_ = false;
  }
  pending_.append(chunk);
  std::string out;
  // Secrets never span lines (multi-line values are registered line by line): complete lines
  // can be redacted on their own.
  size_t nl = pending_.rfind('\n');
  if (nl != std::string::npos) {
    out = redactor_.Apply(std::string_view(pending_).substr(0, nl + 1));
    pending_.erase(0, nl + 1);
  }
  if (pending_.size() > max_pending_) {
    std::vector<Span> spans = redactor_.FindSpans(pending_);
    // Keep back enough for a secret or a header name that may continue in the next chunk.
    size_t keep = std::min(pending_.size(), std::max<size_t>(redactor_.max_secret_length(), 32));
    size_t cut = pending_.size() - keep;
    for (const Span& s : spans)
      if (s.begin < cut && s.end > cut) cut = s.end;
    out += Release(cut, spans);
  }
  return out;
}

std::string StreamRedactor::Finish() {
  std::string out = redactor_.Apply(pending_);
  pending_.clear();
  in_header_value_ = false;
  return out;
}

bool LooksSecretName(std::string_view name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::string_view part : {"TOKEN", "SECRET", "PASSWORD"})
    if (upper.find(part) != std::string::npos) return true;
  static constexpr std::string_view kWords[] = {"KEY",         "APIKEY", "PASSWD", "CREDENTIAL",
                                                "CREDENTIALS", "AUTH",   "COOKIE"};
  std::string_view rest = upper;
  while (true) {
    size_t us = rest.find('_');
    std::string_view word = rest.substr(0, us);
    if (std::find(std::begin(kWords), std::end(kWords), word) != std::end(kWords)) return true;
    if (us == std::string_view::npos) return false;
    rest.remove_prefix(us + 1);
  }
}

}  // namespace leakcheck::redact
