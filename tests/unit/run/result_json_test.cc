#include <cmath>
#include <fstream>
#include <type_traits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/describe/members.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>

#include "harness/common/error.h"
#include "harness/run/result_json.h"
#include "tests/support/golden.h"
#include "tests/support/run_command.h"
#include "tests/support/sample_results.h"

namespace leakcheck::run {
namespace {

using leakcheck::testing::CrashingRun;
using leakcheck::testing::LeakingRun;
using leakcheck::testing::PassingRun;
using leakcheck::testing::TempDir;
using ::testing::HasSubstr;

TEST(ResultsJson, MatchesGoldenFiles) {
  // These goldens double as the fixtures tests/e2e and tests/consumers read (fixtures/results/).
  EXPECT_GOLDEN("../results/passing.json", ResultsJsonText(PassingRun()));
  EXPECT_GOLDEN("../results/leaking.json", ResultsJsonText(LeakingRun()));
  EXPECT_GOLDEN("../results/crashing.json", ResultsJsonText(CrashingRun()));
}

TEST(ResultsJson, RoundTripsEveryRun) {
  for (const auto& run : {PassingRun(), LeakingRun(), CrashingRun()}) {
    std::string text = ResultsJsonText(run);
    RunResult back = ResultsFromJson(boost::json::parse(text));
    EXPECT_EQ(ResultsJsonText(back), text);
    EXPECT_EQ(back.ExitCode(), run.ExitCode());
  }
}

TEST(ResultsJson, CarriesVersionOutcomeAndBaseline) {
  RunResult r = LeakingRun();
  r.scenarios[0].checks[0].baseline_measured = 512;
  auto v = ResultsJson(r).as_object();
  EXPECT_EQ(v.at("schema_version").as_int64(), kResultsSchemaVersion);
  EXPECT_EQ(v.at("outcome").as_string(), "failed");
  EXPECT_EQ(v.at("exit_code").as_int64(), 1);
  const auto& check = v.at("scenarios").at(0).at("checks").at(0);
  EXPECT_EQ(check.at("baseline_measured").as_double(), 512);
  EXPECT_TRUE(v.at("scenarios").at(0).at("checks").at(1).at("baseline_measured").is_null());
}

TEST(ResultsJson, NonFiniteNumbersBecomeNullAndReadBackAsNan) {
  RunResult r = PassingRun();
  r.scenarios[0].checks[0].measured = std::nan("");
  std::string text = ResultsJsonText(r);
  EXPECT_THAT(text, HasSubstr("\"measured\": null"));
  EXPECT_TRUE(
      std::isnan(ResultsFromJson(boost::json::parse(text)).scenarios[0].checks[0].measured));
}

TEST(ResultsJson, RejectsOtherVersionsAndWrongTypesNamingTheField) {
  auto expect_error = [](const std::string& text, const std::string& what) {
    try {
      ResultsFromJson(boost::json::parse(text));
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(what));
      EXPECT_EQ(e.status(), kExitUsage);
    }
  };
  expect_error(R"({"scenarios": []})", "schema_version: missing");
  expect_error(R"({"schema_version": 99})", "schema_version: 99 is not supported");
  expect_error(R"({"schema_version": 1, "scenarios": [{"name": 5}]})",
               "scenarios[0].name: expected a string");
  expect_error(R"({"schema_version": 1, "scenarios": [{"checks": [{"status": "weird"}]}]})",
               "scenarios[0].checks[0].status: unknown status");
  expect_error(R"({"schema_version": 1, "scenarios": [{"warmup": {"latency_ms": {"p90": "x"}}}]})",
               "scenarios[0].warmup.latency_ms.p90: expected a number");
  expect_error(
      R"({"schema_version": 1, "scenarios": [{"checkpoints": [{"resources": {"T": "1"}}]}]})",
      "scenarios[0].checkpoints[0].resources.T: expected an integer");
  expect_error(R"({"schema_version": 1, "interrupted": 1})", "interrupted: expected true or false");
  expect_error(R"({"schema_version": 1, "scenarios": {}})", "scenarios: expected an array");
}

// Every described field, compared generically: a field the writer writes but the reader drops
// (or the reverse) fails here, whatever its type.
template <typename T>
void ExpectSame(const T& a, const T& b, const std::string& path) {
  if constexpr (boost::describe::has_describe_members<T>::value) {
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
        [&](auto m) { ExpectSame(a.*m.pointer, b.*m.pointer, path + "." + m.name); });
  } else if constexpr (std::is_same_v<T, std::optional<SourceLocation>>) {
    ASSERT_EQ(a.has_value(), b.has_value()) << path;
    if (a) ExpectSame(*a, *b, path);
  } else if constexpr (std::is_same_v<T, std::vector<CheckResult>> ||
                       std::is_same_v<T, std::vector<Evidence>> ||
                       std::is_same_v<T, std::vector<CheckpointSample>> ||
                       std::is_same_v<T, std::vector<ScenarioResult>> ||
                       std::is_same_v<T, std::vector<ProcessResult>> ||
                       std::is_same_v<T, std::vector<RouteOutcome>> ||
                       std::is_same_v<T, std::vector<BodySample>>) {
    ASSERT_EQ(a.size(), b.size()) << path;
    for (size_t i = 0; i < a.size(); ++i)
      ExpectSame(a[i], b[i], path + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_TRUE(a == b) << path;
  }
}

// A run whose every field differs from its default.
RunResult EveryFieldSet() {
  RunResult r = LeakingRun();
  r.interrupted = true;
  r.baseline_file = "base.json";
  ScenarioResult& s = r.scenarios.at(0);
  s.infrastructure_error = "app died";
  s.infrastructure_stage = "load";
  s.app_stderr_tail = "boom\n";
  s.app_pid = 4242;
  s.snapshots = {"a.heapsnapshot", "b.heapsnapshot"};
  s.warmup.errors_by_kind = {{"timeout", 2}, {"closed", 1}};
  s.warmup.latency_p50_ms = 1.5;
  s.warmup.latency_p90_ms = 2.5;
  s.warmup.latency_p99_ms = 3.5;
  s.warmup.latency_max_ms = 4.5;
  s.warmup.routes = {{"GET /x/{{ id }}",
                      4,
                      2,
                      {{"404", 2}, {"200", 2}},
                      {{"status", 2}},
                      {{404, "{\"error\":\"no x\"}", true}},
                      {{"connect", "Connection refused"}}}};
  s.times.shutdown = 0.25;
  s.checkpoints.at(0).resources = {{"Timeout", 3}};
  s.checkpoints.at(0).code = 123;
  CheckResult& c = s.checks.at(0);
  c.baseline_measured = 77;
  c.allowed_reason = "bounded";
  c.status = CheckStatus::kAllowed;
  c.evidence.push_back({Evidence::Kind::kHandle, "Timeout", "3 timers", 0.5, 3, 96});
  c.evidence.push_back({Evidence::Kind::kCollection, "Map cache", "entries added at app.js:23", 0.5,
                        3, 96, SourceLocation{"/app/app.js", 23, 5}});
  ProcessResult worker;
  worker.pid = 4243;
  worker.role = "worker";
  worker.script = "server.js";
  worker.label = "worker 4243 (server.js)";
  worker.checks = s.checks;
  worker.checkpoints = s.checkpoints;
  worker.snapshots = {"final.worker-4243.heapsnapshot"};
  ProcessResult launcher;
  launcher.pid = 4242;
  launcher.role = "launcher";
  launcher.measured = false;
  launcher.problem = "launcher, not measured";
  s.processes = {worker, launcher};
  return r;
}

TEST(ResultsJson, ReadsBackEveryDescribedField) {
  RunResult r = EveryFieldSet();
  RunResult back = ResultsFromJson(boost::json::parse(ResultsJsonText(r)));
  ExpectSame(r, back, "run");
  EXPECT_EQ(back.scenarios.at(0).warmup.latency_p99_ms, 3.5);  // the `latency_ms` group
}

TEST(ResultsJson, EveryDescribedStructConvertsThroughValueFromAndValueTo) {
  RunResult r = EveryFieldSet();
  ExpectSame(boost::json::value_to<RunResult>(boost::json::value_from(r)), r, "run");
  const CheckResult& c = r.scenarios.at(0).checks.at(0);
  ExpectSame(boost::json::value_to<CheckResult>(boost::json::value_from(c)), c, "check");
  boost::json::value load = boost::json::value_from(r.scenarios.at(0).warmup);
  EXPECT_EQ(load.at("latency_ms").at("p90").as_double(), 2.5);
  try {
    (void)boost::json::value_to<Evidence>(boost::json::parse(R"({"count": "many"})"));
    ADD_FAILURE() << "accepted a string count";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("count: expected an integer"));
  }
}

TEST(ResultsJson, WritesTheDerivedFieldsFirstThenTheDescribedOnesInOrder) {
  auto v = ResultsJson(EveryFieldSet()).as_object();
  std::vector<std::string> keys;
  for (const auto& [k, value] : v) keys.emplace_back(k);
  std::vector<std::string> expected = {"schema_version", "outcome", "exit_code"};
  boost::mp11::mp_for_each<
      boost::describe::describe_members<RunResult, boost::describe::mod_public>>(
      [&](auto m) { expected.emplace_back(m.name); });
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(v.at("outcome").as_string(), "interrupted");
  EXPECT_EQ(v.at("exit_code").as_int64(), 130);
}

TEST(ResultsJson, MissingMeasuredAndLimitReadAsUnknownAndUnknownKindsAsNotes) {
  RunResult r = ResultsFromJson(boost::json::parse(
      R"({"schema_version": 1, "scenarios": [{"checks": [{"status": "failed", "evidence": )"
      R"([{"kind": "something_new", "count": 2.0}]}], "warmup": {"latency_ms": {"p50": null}}}]})"));
  const CheckResult& c = r.scenarios.at(0).checks.at(0);
  EXPECT_TRUE(std::isnan(c.measured));
  EXPECT_TRUE(std::isnan(c.limit));
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_EQ(c.evidence.at(0).kind, Evidence::Kind::kNote);
  EXPECT_EQ(c.evidence.at(0).count, 2);
  EXPECT_TRUE(std::isnan(r.scenarios.at(0).warmup.latency_p50_ms));
  EXPECT_EQ(r.scenarios.at(0).warmup.latency_p90_ms, 0);
}

TEST(ResultsJson, FileRoundTripAndUnreadableFiles) {
  TempDir dir;
  WriteResultsFile(LeakingRun(), dir.File("results.json"));
  EXPECT_EQ(ResultsJsonText(ReadResultsFile(dir.File("results.json"))),
            ResultsJsonText(LeakingRun()));
  std::ofstream(dir.File("bad.json")) << "{not json";
  EXPECT_THROW(ReadResultsFile(dir.File("bad.json")), Error);
  EXPECT_THROW(ReadResultsFile(dir.File("missing.json")), Error);
}

}  // namespace
}  // namespace leakcheck::run
