// The `secrets:` key (docs/scenarios.md, "Secrets") and what RegisterSecrets hands the redactor.
#include "harness/config/secrets.h"

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/config/loader.h"

namespace leakcheck::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kBase = R"(app:
  command: node s.js
  env: { API_TOKEN_FILE_VALUE: "from-app-env-1234", PLAIN: plain-setting }
defaults:
  headers:
    authorization: "Bearer {{ $env.LEAKCHECK_UNIT_BEARER }}"
scenarios:
  - name: s
    flow:
      - post: { url: /login, capture: [ { json: $.token, as: token }, { json: $.id, as: id } ] }
      - get: { url: "/a/{{ id }}", headers: { cookie: "sid={{ token }}" } }
      - post: { url: /b, capture: { json: $.csrf, as: csrf } }
)";

std::vector<std::string> Errors(const std::string& yaml) {
  std::vector<Diagnostic> diagnostics;
  ParseScenarioText(yaml, "t.yaml", &diagnostics);
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(d.ToString());
  return out;
}

ScenarioFile MustParse(const std::string& yaml) {
  std::vector<Diagnostic> diagnostics;
  ScenarioFile file = ParseScenarioText(yaml, "t.yaml", &diagnostics);
  for (const Diagnostic& d : diagnostics) ADD_FAILURE() << d.ToString();
  return file;
}

TEST(Secrets, NamesAreKeptWithTheirLocations) {
  ScenarioFile file = MustParse(
      "secrets: [PLAIN, csrf, LEAKCHECK_UNIT_BEARER, INHERITED_BY_THE_APP]\n" + std::string(kBase));
  ASSERT_EQ(file.secrets.size(), 4u);
  EXPECT_EQ(file.secrets[1].value, "csrf");
  EXPECT_EQ(file.secrets[1].location.line, 1);
  EXPECT_EQ(file.secrets[1].location.column, 18);
}

TEST(Secrets, CapturesNamedAsSecretsOrUsedInCredentialHeadersAreMarked) {
  ScenarioFile file = MustParse("secrets: [csrf]\n" + std::string(kBase));
  const auto& flow = file.scenarios[0].flow;
  EXPECT_TRUE(flow[0].request.captures[0].secret) << "token: used in a Cookie header";
  EXPECT_FALSE(flow[0].request.captures[1].secret) << "id: an ordinary capture";
  EXPECT_TRUE(flow[2].request.captures[0].secret) << "csrf: listed in secrets";
}

TEST(Secrets, BadEntriesAreErrorsAtTheirPlace) {
  EXPECT_THAT(Errors("secrets: API_TOKEN\n" + std::string(kBase)),
              ElementsAre(HasSubstr("t.yaml:1:10: `secrets` must be a list of names")));
  EXPECT_THAT(
      Errors("secrets: [\"{{ $env.X }}\"]\n" + std::string(kBase)),
      ElementsAre(HasSubstr("t.yaml:1:11: `secrets` entry `{{ $env.X }}` must be a plain name")));
  EXPECT_THAT(Errors("secrets: [{ a: 1 }]\n" + std::string(kBase)),
              ElementsAre(HasSubstr("t.yaml:1:11: `secrets` entries must be names")));
  EXPECT_THAT(
      Errors("secrets:\n  - csrf\n  - csrf\n" + std::string(kBase)),
      ElementsAre(HasSubstr("t.yaml:3:5: duplicate secret `csrf` (first listed on line 2)")));
  EXPECT_THAT(
      Errors("secrets: [crsf]\n" + std::string(kBase)),
      ElementsAre(
          "t.yaml:1:11: secret `crsf` is neither an environment variable of the file (`app.env`, "
          "`{{ $env.NAME }}`) nor a captured name (did you mean `csrf`?)"));
  EXPECT_THAT(
      Errors("secret: [csrf]\n" + std::string(kBase)),
      ElementsAre(HasSubstr("unknown key `secret` in `the file` (did you mean `secrets`?)")));
}

TEST(Secrets, RegistersConfiguredEnvironmentDefaultAndHeaderValues) {
  ::setenv("LEAKCHECK_UNIT_BEARER", "bearer-value-from-env", 1);
  ::setenv("LEAKCHECK_UNIT_LISTED", "listed-value", 1);
  ::setenv("LEAKCHECK_UNIT_DB_PASSWORD", "short",
           1);  // looks secret, but below the default minimum
  ::setenv("LEAKCHECK_UNIT_ORDINARY", "ordinary-value", 1);
  ScenarioFile file =
      MustParse("secrets: [LEAKCHECK_UNIT_LISTED, PLAIN]\n" + std::string(kBase) +
                "      - get: { url: /c, headers: { Authorization: Basic dXNlcjpwYXNz } }\n");
  redact::Redactor r;
  RegisterSecrets(file, r);
  EXPECT_EQ(r.Apply("bearer-value-from-env"), "[redacted]")
      << "{{ $env }} in an Authorization header";
  EXPECT_EQ(r.Apply("listed-value"), "[redacted]") << "listed in secrets, from the environment";
  EXPECT_EQ(r.Apply("plain-setting"), "[redacted]") << "listed in secrets, from app.env";
  EXPECT_EQ(r.Apply("from-app-env-1234"), "[redacted]") << "app.env name looks secret (TOKEN)";
  EXPECT_EQ(r.Apply("dXNlcjpwYXNz"), "[redacted]")
      << "literal Authorization header, credentials part";
  EXPECT_EQ(r.Apply("short"), "short") << "default-pattern values under 8 bytes are not matched";
  EXPECT_EQ(r.Apply("ordinary-value"), "ordinary-value");
  for (const char* n : {"LEAKCHECK_UNIT_BEARER", "LEAKCHECK_UNIT_LISTED",
                        "LEAKCHECK_UNIT_DB_PASSWORD", "LEAKCHECK_UNIT_ORDINARY"})
    ::unsetenv(n);
}

}  // namespace
}  // namespace leakcheck::config
