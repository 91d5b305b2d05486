// The scenario vocabulary of issue 14 (cookies, captures, qs/form/formData, typed values,
// redirects) driven against tests/fixtures/servers/vocabulary_server.js, an app that answers
// 4xx unless the request was right. Counts are exact; nothing depends on timing.
#include <map>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/config/loader.h"
#include "harness/load/driver.h"
#include "tests/e2e/config_load_support.h"

namespace leakcheck::e2e {
namespace {

using load::ErrorKind;

class Vocabulary : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server_.port(), 0) << "vocabulary_server.js did not start"; }

  // Runs `iterations` of a one-scenario flow (YAML under `flow:`) with `concurrency` users.
  load::Stats Run(const std::string& flow, int iterations = 6, int concurrency = 2) {
    std::string yaml =
        "app: { command: node x.js }\ndefaults: { timeout: 5s }\nscenarios:\n  - name: t\n"
        "    flow:\n" +
        flow;
    std::vector<config::Diagnostic> diagnostics;
    file_ = config::ParseScenarioText(yaml, "test.yaml", &diagnostics);
    for (const auto& d : diagnostics) ADD_FAILURE() << d.ToString();
    load::DriverOptions options;
    options.concurrency = concurrency;
    load::Driver driver(file_, file_.scenarios.at(0), options);
    driver.SetVariable("app.port", std::to_string(server_.port()));
    return driver.RunIterations(iterations);
  }

  // "ok GET /me" -> n from the server's own counters; the last 4xx body of each route.
  std::map<std::string, int64_t> Counts() { return server_.Counts(); }
  std::string Reasons() { return server_.Get("/__reasons"); }

  CountingServer server_{"vocabulary_server.js"};
  config::ScenarioFile file_;
};

// Logs in with a form, keeps the session cookie, captures the CSRF header and a nonce by regexp.
constexpr const char* kLogin = R"Y(      - post:
          url: /login
          form: { user: "Jane Doe & Co/?#%", password: s3cret }
          capture:
            - { header: X-CSRF-Token, as: csrf }
            - { regexp: 'name="nonce" content="([^"]+)"', as: nonce }
            - { regexp: 'content="(?P<all>n-[0-9a-f]+)"', group: all, as: nonce2 }
)Y";

TEST_F(Vocabulary, CookieJarKeepsTheSessionAndHonoursPathAndExpiry) {
  load::Stats s = Run(std::string(kLogin) + R"Y(      - get: { url: /me }
      - get: { url: /account/profile }
      - get: { url: /prefs, cookie: { theme: dark } }
)Y");
  EXPECT_EQ(s.failed_requests, 0) << Reasons();
  EXPECT_EQ(Counts()["ok GET /me"], 6) << Reasons();
  EXPECT_EQ(Counts()["ok GET /account"], 6) << "the Path=/account cookie is sent there";
  EXPECT_EQ(Counts()["ok GET /prefs"], 6) << "cookie: is sent, the /account cookie is not";
}

TEST_F(Vocabulary, WithoutTheJarsCookieTheAppAnswers401) {
  load::Stats s = Run("      - get: { url: /me, expect: { status: 401 } }\n", 3, 1);
  EXPECT_EQ(s.failed_requests, 0);
  EXPECT_EQ(Counts()["bad GET /me"], 3);
}

TEST_F(Vocabulary, CapturesFromHeaderRegexpAndJsonFeedTheNextRequest) {
  load::Stats s = Run(std::string(kLogin) + R"Y(      - get:
          url: /me
          capture: [ { json: $.id, as: id }, { json: $.name, as: name } ]
      - post:
          url: /orders
          headers: { x-csrf-token: "{{ csrf }}" }
          json: { qty: "{{ $randomNumber(1, 5) }}", owner: "{{ id }}", nonce: "{{ nonce }}", note: "{{ name }}" }
          expect: { status: 201 }
      - post:
          url: /orders
          headers: { x-csrf-token: "{{ csrf }}" }
          json: { qty: "{{ $randomInt(1, 5) }}", owner: "{{ id }}", nonce: "{{ nonce2 }}", note: "{{ name }}" }
          expect: { status: 201 }
)Y");
  EXPECT_EQ(s.failed_requests, 0) << Reasons();
  EXPECT_EQ(Counts()["ok POST /orders"], 12) << Reasons();
}

TEST_F(Vocabulary, AMissingHeaderOrRegexpIsACaptureFailure) {
  load::Stats s = Run(R"Y(      - get: { url: /healthz, capture: { header: x-none, as: a } }
      - get: { url: /healthz, capture: { regexp: 'nomatch(\d+)', as: b } }
)Y",
                      2, 1);
  EXPECT_EQ(s.errors_of(ErrorKind::kCapture), 2) << "the first fails, the iteration stops";
  EXPECT_EQ(Counts()["ok GET /healthz"], 2);
}

TEST_F(Vocabulary, QsAndUrlValuesArePercentEncoded) {
  load::Stats s = Run(std::string(kLogin) + R"Y(      - get:
          url: /me
          capture: { json: $.name, as: name }
      - get: { url: /search, qs: { q: "{{ name }}", page: 2 } }
      - get: { url: "/search?page=2", qs: { q: "{{ name }}" } }
      - get: { url: "/items/{{ name }}" }
)Y");
  EXPECT_EQ(s.failed_requests, 0) << Reasons();
  EXPECT_EQ(Counts()["ok GET /search"], 12) << Reasons();
  EXPECT_EQ(Counts()["ok GET /items"], 6) << Reasons();
}

TEST_F(Vocabulary, TripleBracesPlaceAValueRaw) {
  load::Stats s = Run(std::string(kLogin) + R"Y(      - get:
          url: /me
          capture: { json: $.name, as: name }
      - get: { url: "/items/{{{ name }}}", expect: { status: 400 } }
)Y",
                      2, 1);
  EXPECT_EQ(s.failed_requests, 0) << "the raw spaces, `/` and `?` make a bad request";
  EXPECT_EQ(Counts()["ok GET /items"], 0);
}

TEST_F(Vocabulary, FormDataIsMultipart) {
  load::Stats s = Run(R"Y(      - post:
          url: /upload
          formData: { title: "Jane Doe & Co/?#%", 'say hi': "line1\nline2" }
          expect: { status: 201 }
)Y");
  EXPECT_EQ(s.failed_requests, 0) << Reasons();
  EXPECT_EQ(Counts()["ok POST /upload"], 6);
}

TEST_F(Vocabulary, AWholeTemplateValueKeepsItsTypeAndTheAppRejectsAString) {
  load::Stats s =
      Run(std::string(kLogin) + R"Y(      - get: { url: /me, capture: { json: $.id, as: id } }
      - post:
          url: /orders
          headers: { x-csrf-token: "{{ csrf }}" }
          json: { qty: "n{{ $randomNumber(1, 5) }}", owner: "{{ id }}", nonce: "{{ nonce }}" }
          expect: { status: 400 }
)Y",
          2, 1);
  EXPECT_EQ(s.failed_requests, 0) << Reasons();
  EXPECT_THAT(Reasons(), ::testing::HasSubstr("qty must be an integer 1-5, was \\\"n"));
}

TEST_F(Vocabulary, RedirectsAreFollowedByDefault) {
  load::Stats s = Run(R"Y(      - get: { url: /old, expect: { status: 200 } }
      - post: { url: /submit, body: payload, expect: { status: 200 } }
      - post: { url: /keep, body: payload, expect: { status: 200 } }
)Y");
  EXPECT_EQ(s.failed_requests, 0) << Reasons();
  EXPECT_EQ(s.requests, 18);
  EXPECT_EQ(s.redirects, 18);
  EXPECT_EQ(Counts()["ok GET /new"], 6) << "the 302 target was hit";
  EXPECT_EQ(Counts()["ok GET /done"], 6) << "303 continues as GET";
  EXPECT_EQ(Counts()["ok POST /kept"], 6) << "307 keeps the method and body";
}

TEST_F(Vocabulary, FollowRedirectFalseSeesThe302) {
  load::Stats s =
      Run("      - get: { url: /old, followRedirect: false, expect: { status: 302 } }\n", 4, 1);
  EXPECT_EQ(s.failed_requests, 0);
  EXPECT_EQ(s.redirects, 0);
  EXPECT_EQ(Counts()["ok GET /new"], 0);
}

TEST_F(Vocabulary, EndlessOrForeignRedirectsAreRedirectErrors) {
  load::Stats s = Run("      - get: { url: /loop }\n      - get: { url: /away }\n", 1, 1);
  EXPECT_EQ(s.errors_of(ErrorKind::kRedirect), 1);
  EXPECT_EQ(Counts()["ok GET /loop"], config::kMaxRedirects + 1);
  s = Run("      - get: { url: /away }\n", 1, 1);
  EXPECT_EQ(s.errors_of(ErrorKind::kRedirect), 1) << "example.invalid is not the app's host";
}

}  // namespace
}  // namespace leakcheck::e2e
