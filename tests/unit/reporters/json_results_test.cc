#include <cmath>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "harness/common/error.h"
#include "reporters/json_results.h"
#include "tests/support/golden.h"
#include "tests/support/run_command.h"
#include "tests/support/sample_results.h"

namespace leakcheck::reporters {
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
    run::RunResult back = ResultsFromJson(boost::json::parse(text));
    EXPECT_EQ(ResultsJsonText(back), text);
    EXPECT_EQ(back.ExitCode(), run.ExitCode());
  }
}

TEST(ResultsJson, CarriesVersionOutcomeAndBaseline) {
  run::RunResult r = LeakingRun();
  r.scenarios[0].checks[0].baseline_measured = 512;
  auto v = ResultsJson(r).as_object();
  EXPECT_EQ(v.at("schema_version").as_int64(), run::kResultsSchemaVersion);
  EXPECT_EQ(v.at("outcome").as_string(), "failed");
  EXPECT_EQ(v.at("exit_code").as_int64(), 1);
  const auto& check = v.at("scenarios").at(0).at("checks").at(0);
  EXPECT_EQ(check.at("baseline_measured").as_double(), 512);
  EXPECT_TRUE(v.at("scenarios").at(0).at("checks").at(1).at("baseline_measured").is_null());
}

TEST(ResultsJson, NonFiniteNumbersBecomeNullAndReadBackAsNan) {
  run::RunResult r = PassingRun();
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
}  // namespace leakcheck::reporters
