#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// A virtual user's cookies (RFC 6265), for the one host the driver talks to.
namespace leakcheck::load {

/// The cookies one virtual user holds, like a browser's jar restricted to the app's host:
/// Set-Cookie answers are stored by name, domain and path (RFC 6265 section 5.3), expire by
/// `Max-Age` (preferred) or `Expires`, and are sent back on requests whose path matches
/// (section 5.4; longer paths first). `Domain` must match the host or the cookie is ignored;
/// `Secure` cookies are sent too (the app is on loopback, which browsers treat as secure).
/// Not thread-safe; one per virtual user.
class CookieJar {
 public:
  using Clock = std::chrono::system_clock;

  /// Stores one Set-Cookie header value received from `host` (no port) for a request to
  /// `request_path` (path and query; the query is ignored). A malformed value, or a `Domain`
  /// that does not match `host`, is ignored (section 5.2/5.3). An expired one deletes the cookie.
  void Store(std::string_view set_cookie, std::string_view host, std::string_view request_path,
             Clock::time_point now = Clock::now());
  /// Appends `name=value` pairs (joined by "; ") of the cookies to send with a request to
  /// `request_path`; returns how many. Expired cookies are dropped first.
  int AppendCookieHeader(std::string_view request_path, std::string& out,
                         Clock::time_point now = Clock::now());
  /// The cookies held (expired ones included until the next AppendCookieHeader).
  size_t size() const { return cookies_.size(); }
  void Clear() { cookies_.clear(); }

 private:
  struct Cookie {
    std::string name;
    std::string value;
    std::string path;
    std::optional<Clock::time_point> expires;  ///< none: a session cookie
    uint64_t created = 0;                      ///< order of creation (section 5.4, step 2)
  };
  std::vector<Cookie> cookies_;
  uint64_t next_created_ = 0;
};

/// RFC 6265 section 5.1.4: does the cookie path `cookie_path` match `request_path` (no query)?
bool CookiePathMatches(std::string_view cookie_path, std::string_view request_path);
/// RFC 6265 section 5.1.4: the default path of a cookie set by a request to `request_path`.
std::string DefaultCookiePath(std::string_view request_path);

}  // namespace leakcheck::load
