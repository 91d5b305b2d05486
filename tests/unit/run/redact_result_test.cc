// RedactScenarioResult: every free-text field a reporter renders is passed through the redactor.
#include <gtest/gtest.h>

#include "harness/common/redact.h"
#include "harness/run/result.h"

namespace leakcheck::run {
namespace {

TEST(RedactScenarioResult, ReplacesSecretsInEveryTextFieldAndLeavesPathsAlone) {
  const std::string secret = "tok-unit-9b1f2e";
  redact::Global().AddSecret(secret);
  ScenarioResult s;
  s.name = "scenario";
  s.infrastructure_error = "app exited\n--- last lines ---\nfailed with " + secret;
  s.infrastructure_stage = "load " + secret;
  s.app_stderr_tail = "cookie: a=b\nthe " + secret;
  CheckResult c;
  c.summary = "Map keyed by " + secret;
  c.allowed_reason = "because " + secret;
  c.evidence.push_back(
      {Evidence::Kind::kCollection, "Map " + secret, "held at " + secret, 0, 0, 0});
  s.checks.push_back(c);
  s.snapshots = {"/tmp/run/final.heapsnapshot"};
  RouteOutcome route;
  route.route = "GET /me";
  route.samples.push_back({401, "{\"token\":\"" + secret + "\"}", false});
  s.load.routes.push_back(route);
  s.warmup.routes.push_back(route);
  RedactScenarioResult(s);
  EXPECT_EQ(s.load.routes[0].samples[0].body, "{\"token\":\"[redacted]\"}");
  EXPECT_EQ(s.warmup.routes[0].samples[0].body, "{\"token\":\"[redacted]\"}");
  EXPECT_EQ(*s.infrastructure_error, "app exited\n--- last lines ---\nfailed with [redacted]");
  EXPECT_EQ(s.infrastructure_stage, "load [redacted]");
  EXPECT_EQ(s.app_stderr_tail, "cookie: [redacted]\nthe [redacted]");
  EXPECT_EQ(s.checks[0].summary, "Map keyed by [redacted]");
  EXPECT_EQ(s.checks[0].allowed_reason, "because [redacted]");
  EXPECT_EQ(s.checks[0].evidence[0].title, "Map [redacted]");
  EXPECT_EQ(s.checks[0].evidence[0].detail, "held at [redacted]");
  EXPECT_EQ(s.snapshots[0], "/tmp/run/final.heapsnapshot");
  EXPECT_EQ(s.name, "scenario");
  redact::Global().Clear();
}

}  // namespace
}  // namespace leakcheck::run
