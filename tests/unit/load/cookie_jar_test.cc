// RFC 6265 rules of the virtual users' cookie jar, with a fixed clock.
#include "harness/load/cookie_jar.h"

#include <gtest/gtest.h>

namespace leakcheck::load {
namespace {

using Clock = CookieJar::Clock;
const Clock::time_point kNow = Clock::from_time_t(1'800'000'000);  // 2027-01-15

std::string Header(CookieJar& jar, std::string_view path, Clock::time_point now = kNow) {
  std::string out;
  jar.AppendCookieHeader(path, out, now);
  return out;
}

TEST(CookieJar, SendsWhatTheAppSetAndReplacesByNameAndPath) {
  CookieJar jar;
  jar.Store("sid=abc; Path=/; HttpOnly; SameSite=Lax", "127.0.0.1", "/login", kNow);
  jar.Store("theme=dark; Path=/", "127.0.0.1", "/login", kNow);
  EXPECT_EQ(Header(jar, "/me?x=1"), "sid=abc; theme=dark");
  jar.Store("sid=def; Path=/", "127.0.0.1", "/login", kNow);
  EXPECT_EQ(Header(jar, "/me"), "sid=def; theme=dark") << "replaced, keeping its creation order";
  EXPECT_EQ(jar.size(), 2u);
}

TEST(CookieJar, PathScopesAndLongerPathsComeFirst) {
  CookieJar jar;
  jar.Store("a=1; Path=/", "h", "/", kNow);
  jar.Store("b=2; Path=/account", "h", "/", kNow);
  EXPECT_EQ(Header(jar, "/account/profile"), "b=2; a=1");
  EXPECT_EQ(Header(jar, "/account"), "b=2; a=1");
  EXPECT_EQ(Header(jar, "/accounts"), "a=1") << "a path prefix must end at a `/`";
  EXPECT_EQ(Header(jar, "/prefs"), "a=1");
}

TEST(CookieJar, DefaultPathIsTheRequestsDirectory) {
  EXPECT_EQ(DefaultCookiePath("/api/login?next=/x"), "/api");
  EXPECT_EQ(DefaultCookiePath("/login"), "/");
  EXPECT_EQ(DefaultCookiePath(""), "/");
  CookieJar jar;
  jar.Store("c=1", "h", "/api/login", kNow);
  EXPECT_EQ(Header(jar, "/api/me"), "c=1");
  EXPECT_EQ(Header(jar, "/other"), "");
}

TEST(CookieJar, MaxAgeAndExpiresExpireAndDelete) {
  CookieJar jar;
  jar.Store("short=1; Max-Age=60", "h", "/", kNow);
  jar.Store("dated=1; Expires=Fri, 15 Jan 2027 09:00:00 GMT", "h", "/", kNow);  // after kNow
  jar.Store("past=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "h", "/", kNow);
  jar.Store("both=1; Max-Age=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT", "h", "/", kNow);
  EXPECT_EQ(Header(jar, "/"), "short=1; dated=1; both=1");
  EXPECT_EQ(Header(jar, "/", kNow + std::chrono::seconds(2)), "short=1; dated=1")
      << "Max-Age wins over Expires";
  jar.Store("short=gone; Max-Age=0", "h", "/", kNow);
  EXPECT_EQ(Header(jar, "/"), "dated=1") << "Max-Age=0 deletes";
  EXPECT_EQ(Header(jar, "/", Clock::from_time_t(1'900'000'000)), "");
}

TEST(CookieJar, ForeignDomainsAreIgnoredAndTheHostsAccepted) {
  CookieJar jar;
  jar.Store("x=1; Domain=example.com", "127.0.0.1", "/", kNow);
  jar.Store("y=1; Domain=.app.test", "api.app.test", "/", kNow);
  jar.Store("z=1; Domain=pp.test", "api.app.test", "/", kNow);
  EXPECT_EQ(Header(jar, "/"), "y=1");
}

TEST(CookieJar, MalformedValuesAreIgnored) {
  CookieJar jar;
  jar.Store("novalue", "h", "/", kNow);
  jar.Store("=empty-name", "h", "/", kNow);
  jar.Store("ok = spaced ; Max-Age=abc", "h", "/", kNow);
  EXPECT_EQ(Header(jar, "/"), "ok=spaced") << "a bad Max-Age is ignored, not the cookie";
}

}  // namespace
}  // namespace leakcheck::load
