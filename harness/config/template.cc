#include "harness/config/template.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "harness/config/suggest.h"

namespace leakcheck::config {
namespace {

using Kind = TemplatePart::Kind;

constexpr std::string_view kFunctions[] = {"$uuid",         "$iteration", "$vu",
                                           "$loopCount",    "$randomInt", "$randomNumber",
                                           "$randomString", "$env"};
constexpr int64_t kMaxRandomString = 1 << 20;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

bool IsName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  s = Trim(s);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Parses "(a, b)" style argument lists into integers.
std::optional<std::vector<int64_t>> ParseArgs(std::string_view text, std::string* error,
                                              std::string_view function) {
  text = Trim(text);
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
    *error = fmt::format("`{}` needs arguments in parentheses", function);
    return std::nullopt;
  }
  text = text.substr(1, text.size() - 2);
  std::vector<int64_t> args;
  while (!Trim(text).empty()) {
    size_t comma = text.find(',');
    auto value = ParseInt(text.substr(0, comma));
    if (!value) {
      *error = fmt::format("`{}` takes integer arguments", function);
      return std::nullopt;
    }
    args.push_back(*value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return args;
}

std::optional<TemplatePart> CompileFunction(std::string_view expr, std::string* error) {
  size_t name_end = 1;
  while (name_end < expr.size() && std::isalnum(static_cast<unsigned char>(expr[name_end]))) {
    ++name_end;
  }
  std::string_view name = expr.substr(0, name_end);
  std::string_view rest = expr.substr(name_end);
  TemplatePart part;
  if (name == "$uuid" || name == "$iteration" || name == "$vu" || name == "$loopCount") {
    if (!Trim(rest).empty()) {
      *error = fmt::format("unexpected `{}` after `{}`", Trim(rest), name);
      return std::nullopt;
    }
    part.kind = name == "$uuid"        ? Kind::kUuid
                : name == "$iteration" ? Kind::kIteration
                : name == "$vu"        ? Kind::kVu
                                       : Kind::kLoopCount;
    return part;
  }
  if (name == "$env") {
    if (rest.size() < 2 || rest[0] != '.' || !IsName(rest.substr(1))) {
      *error = "`$env` needs a variable name: `{{ $env.NAME }}`";
      return std::nullopt;
    }
    part.kind = Kind::kEnv;
    part.text = std::string(rest.substr(1));
    return part;
  }
  if (name == "$randomInt" || name == "$randomNumber") {
    auto args = ParseArgs(rest, error, name);
    if (!args) return std::nullopt;
    if (args->size() != 2 || (*args)[0] > (*args)[1]) {
      *error = fmt::format("`{}(a, b)` needs two integers with a <= b", name);
      return std::nullopt;
    }
    part.kind = Kind::kRandomInt;
    part.a = (*args)[0];
    part.b = (*args)[1];
    return part;
  }
  if (name == "$randomString") {
    auto args = ParseArgs(rest, error, name);
    if (!args) return std::nullopt;
    if (args->size() != 1 || (*args)[0] < 1 || (*args)[0] > kMaxRandomString) {
      *error =
          fmt::format("`$randomString(n)` needs one length between 1 and {}", kMaxRandomString);
      return std::nullopt;
    }
    part.kind = Kind::kRandomString;
    part.a = (*args)[0];
    return part;
  }
  std::string suggestion = Suggest(name, kFunctions);
  *error = fmt::format("unknown template function `{}`{}", name,
                       suggestion.empty() ? "" : fmt::format(" (did you mean `{}`?)", suggestion));
  return std::nullopt;
}

std::optional<TemplatePart> CompileExpression(std::string_view expr, std::string* error) {
  expr = Trim(expr);
  if (expr.empty()) {
    *error = "empty `{{ }}` in template";
    return std::nullopt;
  }
  if (expr[0] == '$') return CompileFunction(expr, error);
  if (!IsName(expr)) {
    *error = fmt::format("`{}` is not a variable name", expr);
    return std::nullopt;
  }
  TemplatePart part;
  part.kind = Kind::kVariable;
  part.text = std::string(expr);
  return part;
}

void AppendRandomString(int64_t n, std::mt19937_64& rng, std::string& out) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int64_t i = 0; i < n; ++i) out.push_back(kAlphabet[rng() % kAlphabet.size()]);
}

}  // namespace

void Variables::Set(std::string_view name, std::string value, bool json) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == name) {
      entries_[i].second = std::move(value);
      json_[i] = json;
      return;
    }
  }
  entries_.emplace_back(std::string(name), std::move(value));
  json_.push_back(json);
}

const std::string* Variables::Find(std::string_view name, bool* json) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == name) {
      if (json) *json = json_[i];
      return &entries_[i].second;
    }
  }
  return nullptr;
}

std::optional<Template> Template::Compile(std::string_view source, std::string* error) {
  Template result;
  result.source_ = std::string(source);
  std::string_view rest = source;
  while (!rest.empty()) {
    size_t open = rest.find("{{");
    if (open == std::string_view::npos) {
      result.AppendLiteral(rest);
      break;
    }
    result.AppendLiteral(rest.substr(0, open));
    // `{{{ expr }}}`: the raw form (never percent-encoded in a URL).
    const bool raw = rest.substr(open, 3) == "{{{";
    const std::string_view closer = raw ? "}}}" : "}}";
    const size_t inner = open + (raw ? 3 : 2);
    size_t close = rest.find(closer, inner);
    if (close == std::string_view::npos) {
      *error =
          fmt::format("unclosed `{}` in template (close it with `{}`)", raw ? "{{{" : "{{", closer);
      return std::nullopt;
    }
    auto part = CompileExpression(rest.substr(inner, close - inner), error);
    if (!part) return std::nullopt;
    part->raw = raw;
    result.parts_.push_back(std::move(*part));
    rest.remove_prefix(close + closer.size());
  }
  return result;
}

Template Template::Literal(std::string_view text) {
  Template result;
  result.source_ = std::string(text);
  result.AppendLiteral(text);
  return result;
}

void Template::AppendLiteral(std::string_view text) {
  if (text.empty()) return;
  if (!parts_.empty() && parts_.back().kind == Kind::kLiteral) {
    parts_.back().text.append(text);
    return;
  }
  TemplatePart part;
  part.text = std::string(text);
  parts_.push_back(std::move(part));
}

void Template::Append(const Template& other, bool json_escape) {
  for (const TemplatePart& part : other.parts_) {
    if (part.kind == Kind::kLiteral) {
      if (json_escape) {
        std::string escaped;
        AppendJsonEscaped(part.text, escaped);
        AppendLiteral(escaped);
      } else {
        AppendLiteral(part.text);
      }
      continue;
    }
    parts_.push_back(part);
    parts_.back().json_escape = json_escape;
  }
  source_ += other.source_;
}

void Template::EncodeForUrl() {
  for (TemplatePart& part : parts_) {
    if (part.kind != Kind::kLiteral && !part.raw) part.url_escape = true;
  }
}

std::optional<Template> Template::AsJsonValue() const {
  if (parts_.size() != 1 || parts_[0].kind == Kind::kLiteral) return std::nullopt;
  Template result = *this;
  result.parts_[0].json_value = true;
  result.parts_[0].json_escape = false;
  return result;
}

bool Template::IsLiteral() const {
  for (const TemplatePart& part : parts_) {
    if (part.kind != Kind::kLiteral) return false;
  }
  return true;
}

std::vector<std::string> Template::VariableNames() const {
  std::vector<std::string> names;
  for (const TemplatePart& part : parts_) {
    if (part.kind == Kind::kVariable) names.push_back(part.text);
  }
  return names;
}

void Template::RenderTo(const RenderContext& context, std::string& out) const {
  std::string scratch;
  for (const TemplatePart& part : parts_) {
    // Values that may need escaping render into `scratch` first.
    const bool escaped = part.json_escape || part.json_value || part.url_escape;
    std::string& target = escaped ? scratch : out;
    scratch.clear();
    bool json_typed = false;  // the value is JSON text of a number, boolean, null, ...
    switch (part.kind) {
      case Kind::kLiteral:
        out.append(part.text);
        continue;
      case Kind::kUuid:
        target.append(context.uuid);
        break;
      case Kind::kIteration:
        fmt::format_to(std::back_inserter(target), "{}", context.iteration);
        json_typed = true;
        break;
      case Kind::kVu:
        fmt::format_to(std::back_inserter(target), "{}", context.vu);
        json_typed = true;
        break;
      case Kind::kLoopCount:
        fmt::format_to(std::back_inserter(target), "{}", context.loop_count);
        json_typed = true;
        break;
      case Kind::kRandomInt: {
        std::uniform_int_distribution<int64_t> dist(part.a, part.b);
        fmt::format_to(std::back_inserter(target), "{}", dist(*context.rng));
        json_typed = true;
        break;
      }
      case Kind::kRandomString:
        AppendRandomString(part.a, *context.rng, target);
        break;
      case Kind::kEnv:
        if (const char* value = std::getenv(part.text.c_str())) target.append(value);
        break;
      case Kind::kVariable: {
        const std::string* value =
            context.variables ? context.variables->Find(part.text, &json_typed) : nullptr;
        if (!value && context.globals) value = context.globals->Find(part.text, &json_typed);
        if (value) target.append(*value);
        if (!value) json_typed = false;
        break;
      }
    }
    if (part.json_value) {
      if (json_typed && !scratch.empty()) {
        out.append(scratch);
      } else {
        out.push_back('"');
        AppendJsonEscaped(scratch, out);
        out.push_back('"');
      }
    } else if (part.url_escape) {
      if (part.json_escape) {
        std::string encoded;
        AppendPercentEncoded(scratch, encoded);
        AppendJsonEscaped(encoded, out);
      } else {
        AppendPercentEncoded(scratch, out);
      }
    } else if (part.json_escape) {
      AppendJsonEscaped(scratch, out);
    }
  }
}

std::string Template::Render(const RenderContext& context) const {
  std::string out;
  RenderTo(context, out);
  return out;
}

void AppendPercentEncoded(std::string_view value, std::string& out) {
  out += boost::urls::encode(value, boost::urls::unreserved_chars);
}

std::string MakeUuid(std::mt19937_64& rng) {
  std::array<uint8_t, 16> bytes;
  uint64_t hi = rng();
  uint64_t lo = rng();
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(hi >> (i * 8));
    bytes[8 + i] = static_cast<uint8_t>(lo >> (i * 8));
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

}  // namespace leakcheck::config
