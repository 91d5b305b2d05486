#include "harness/load/cookie_jar.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace leakcheck::load {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view PathOnly(std::string_view request_path) {
  size_t end = request_path.find_first_of("?#");
  return end == std::string_view::npos ? request_path : request_path.substr(0, end);
}

// An HTTP date (RFC 7231's IMF-fixdate, or the dashed Netscape form cookies still use).
std::optional<CookieJar::Clock::time_point> ParseHttpDate(std::string_view text) {
  std::string value(Trim(text));
  for (const char* format : {"%a, %d %b %Y %H:%M:%S", "%a, %d-%b-%Y %H:%M:%S",
                             "%a, %d-%b-%y %H:%M:%S", "%a %b %d %H:%M:%S %Y"}) {
    struct tm tm {};
    const char* end = strptime(value.c_str(), format, &tm);
    if (!end) continue;
    if (tm.tm_year < 70) tm.tm_year += 100;  // two-digit years 00-69 are 2000-2069 (5.1.1)
    return CookieJar::Clock::from_time_t(timegm(&tm));
  }
  return std::nullopt;
}

}  // namespace

std::string DefaultCookiePath(std::string_view request_path) {
  std::string_view path = PathOnly(request_path);
  if (path.empty() || path[0] != '/') return "/";
  size_t last = path.rfind('/');
  if (last == 0) return "/";
  return std::string(path.substr(0, last));
}

bool CookiePathMatches(std::string_view cookie_path, std::string_view request_path) {
  std::string_view path = PathOnly(request_path);
  if (path.empty()) path = "/";
  if (path == cookie_path) return true;
  if (path.substr(0, cookie_path.size()) != cookie_path) return false;
  return cookie_path.back() == '/' || path[cookie_path.size()] == '/';
}

void CookieJar::Store(std::string_view set_cookie, std::string_view host,
                      std::string_view request_path, Clock::time_point now) {
  // Section 5.2: name=value up to the first ';', then attributes.
  size_t semi = set_cookie.find(';');
  std::string_view pair = set_cookie.substr(0, semi);
  size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return;
  std::string_view name = Trim(pair.substr(0, eq));
  std::string_view value = Trim(pair.substr(eq + 1));
  if (name.empty()) return;
  Cookie cookie{std::string(name), std::string(value), "", std::nullopt, 0};
  std::optional<Clock::time_point> max_age_expiry;
  std::optional<Clock::time_point> expires;
  std::string_view attributes =
      semi == std::string_view::npos ? std::string_view() : set_cookie.substr(semi + 1);
  while (!attributes.empty()) {
    size_t next = attributes.find(';');
    std::string_view attribute = attributes.substr(0, next);
    attributes = next == std::string_view::npos ? std::string_view() : attributes.substr(next + 1);
    size_t aeq = attribute.find('=');
    std::string key = Lower(Trim(attribute.substr(0, aeq)));
    std::string_view avalue =
        aeq == std::string_view::npos ? std::string_view() : Trim(attribute.substr(aeq + 1));
    if (key == "max-age") {
      int64_t seconds = 0;
      auto [end, ec] = std::from_chars(avalue.data(), avalue.data() + avalue.size(), seconds);
      if (ec != std::errc() || end != avalue.data() + avalue.size()) continue;
      max_age_expiry =
          seconds <= 0 ? Clock::time_point::min() : now + std::chrono::seconds(seconds);
    } else if (key == "expires") {
      if (auto at = ParseHttpDate(avalue)) expires = *at;
    } else if (key == "domain") {
      std::string domain = Lower(avalue);
      if (!domain.empty() && domain[0] == '.') domain.erase(0, 1);
      if (domain.empty()) continue;
      std::string lower_host = Lower(host);
      bool matches =
          lower_host == domain ||
          (lower_host.size() > domain.size() &&
           lower_host.compare(lower_host.size() - domain.size(), domain.size(), domain) == 0 &&
           lower_host[lower_host.size() - domain.size() - 1] == '.');
      if (!matches) return;  // section 5.3 step 6: ignore the cookie entirely
    } else if (key == "path") {
      if (!avalue.empty() && avalue[0] == '/') cookie.path = std::string(avalue);
    }
  }
  if (cookie.path.empty()) cookie.path = DefaultCookiePath(request_path);
  cookie.expires = max_age_expiry ? max_age_expiry : expires;
  auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& c) {
    return c.name == cookie.name && c.path == cookie.path;
  });
  const bool expired = cookie.expires && *cookie.expires <= now;
  if (same != cookies_.end()) {
    if (expired) {
      cookies_.erase(same);
      return;
    }
    cookie.created = same->created;  // section 5.3 step 11.3: keep the creation time
    *same = std::move(cookie);
    return;
  }
  if (expired) return;
  cookie.created = next_created_++;
  cookies_.push_back(std::move(cookie));
}

int CookieJar::AppendCookieHeader(std::string_view request_path, std::string& out,
                                  Clock::time_point now) {
  std::erase_if(cookies_, [&](const Cookie& c) { return c.expires && *c.expires <= now; });
  std::vector<const Cookie*> matching;
  for (const Cookie& c : cookies_) {
    if (CookiePathMatches(c.path, request_path)) matching.push_back(&c);
  }
  std::stable_sort(matching.begin(), matching.end(), [](const Cookie* a, const Cookie* b) {
    if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
    return a->created < b->created;
  });
  for (size_t i = 0; i < matching.size(); ++i) {
    if (i) out += "; ";
    out += matching[i]->name;
    out += '=';
    out += matching[i]->value;
  }
  return static_cast<int>(matching.size());
}

}  // namespace leakcheck::load
