// Attach mode's keys (`app.url`, `app.inspect`, `app.allow_remote_inspector`) and addresses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/config/attach.h"
#include "harness/config/loader.h"
#include "tests/unit/config/parse_text.h"

namespace leakcheck::config {
namespace {

using testing::Errors;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WithApp(std::string_view app) {
  return "app: " + std::string(app) +
         "\nscenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n";
}

TEST(Attach, UrlAndInspectReplaceTheCommand) {
  std::vector<Diagnostic> diagnostics;
  ScenarioFile file =
      ParseScenarioText(WithApp("{ url: 'http://127.0.0.1:3000/', inspect: '127.0.0.1:9229' }"),
                        "t.yaml", &diagnostics);
  EXPECT_TRUE(diagnostics.empty());
  EXPECT_TRUE(file.app.attached());
  EXPECT_EQ(file.app.url.value, "http://127.0.0.1:3000") << "the trailing slash is dropped";
  EXPECT_EQ(file.app.inspect.value, "127.0.0.1:9229");
  EXPECT_TRUE(file.app.command.value.empty());
}

TEST(Attach, ARemoteInspectorNeedsTheExplicitOption) {
  EXPECT_THAT(Errors(WithApp("{ url: 'http://10.0.0.5:3000', inspect: '10.0.0.5:9229' }")),
              ElementsAre(HasSubstr("1:46: `app.inspect` `10.0.0.5:9229` is not a loopback "
                                    "address")));
  EXPECT_THAT(Errors(WithApp("{ url: 'http://10.0.0.5:3000', inspect: '10.0.0.5:9229', "
                             "allow_remote_inspector: true }")),
              ElementsAre());
  EXPECT_THAT(Errors(WithApp("{ url: 'http://a:1', inspect: '0.0.0.0:9229' }")),
              ElementsAre(HasSubstr("not a loopback address")));
}

TEST(Attach, KeysThatStartTheAppAreRefused) {
  EXPECT_THAT(Errors(WithApp("{ url: 'http://127.0.0.1:3000', inspect: 'localhost:9229', "
                             "command: node s.js }")),
              ElementsAre(HasSubstr("`app.command` does not apply with `app.url`")));
  EXPECT_THAT(Errors(WithApp("{ url: 'http://127.0.0.1:3000', inspect: 'localhost:9229', "
                             "port: 3000, env: { A: b } }")),
              ElementsAre(HasSubstr("1:65: `app.port` does not apply"),
                          HasSubstr("1:77: `app.env` does not apply")));
}

TEST(Attach, MissingOrMalformedAddressesAreLocated) {
  EXPECT_THAT(Errors(WithApp("{ url: 'http://127.0.0.1:3000' }")),
              ElementsAre(HasSubstr("1:8: `app.url` needs `app.inspect`")));
  EXPECT_THAT(Errors(WithApp("{ url: 'ftp://x', inspect: '127.0.0.1:9229' }")),
              ElementsAre(HasSubstr("must be an absolute http:// or https:// URL")));
  EXPECT_THAT(Errors(WithApp("{ url: 'http://127.0.0.1:1', inspect: '127.0.0.1' }")),
              ElementsAre(HasSubstr("must be host:port")));
  EXPECT_THAT(Errors(WithApp("{ command: node s.js, inspect: '127.0.0.1:9229' }")),
              ElementsAre(HasSubstr("`app.inspect` needs `app.url`")));
  EXPECT_THAT(Errors(WithApp("{ env: { A: b } }")),
              ElementsAre(HasSubstr("or `url:` and `inspect:` to attach")));
}

TEST(Attach, HostPortAndLoopback) {
  auto v6 = ParseHostPort("[::1]:9229");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9229);
  EXPECT_FALSE(ParseHostPort("::1:9229")) << "IPv6 needs brackets";
  EXPECT_FALSE(ParseHostPort("host:0"));
  EXPECT_FALSE(ParseHostPort("host:65536"));
  EXPECT_FALSE(ParseHostPort(":9229"));
  for (const char* yes : {"localhost", "127.0.0.1", "127.1.2.3", "::1"})
    EXPECT_TRUE(IsLoopbackHost(yes)) << yes;
  for (const char* no : {"0.0.0.0", "127.0.0.1.evil.com", "127.0.0", "128.0.0.1",
                         "::", "127.0.0.256", "localhost.example", "10.0.0.1"})
    EXPECT_FALSE(IsLoopbackHost(no)) << no;
}

}  // namespace
}  // namespace leakcheck::config
