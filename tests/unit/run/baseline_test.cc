#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/run/baseline.h"
#include "tests/support/sample_results.h"

namespace leakcheck::run {
namespace {

using leakcheck::testing::CrashingRun;
using leakcheck::testing::PassingRun;
using ::testing::HasSubstr;

BaselineOptions Margin(double percent, std::string file = "") {
  BaselineOptions o;
  o.margin_percent = percent;
  o.baseline_file = std::move(file);
  return o;
}

const run::CheckResult& Last(const run::RunResult& r, size_t scenario = 0) {
  return r.scenarios[scenario].checks.back();
}

TEST(Baseline, RiseIsRelativeToTheBaselineOrTheNoiseFloor) {
  EXPECT_DOUBLE_EQ(RisePercent(110, 100, 1000, 0.1), 10);
  EXPECT_DOUBLE_EQ(RisePercent(90, 100, 1000, 0.1), -10);
  EXPECT_DOUBLE_EQ(RisePercent(3, 0, 64, 0.1),
                   3 / 6.4 * 100);                   // ~0 on main: relative to 10% of the limit
  EXPECT_DOUBLE_EQ(RisePercent(1, 0, 0, 0.1), 100);  // no limit either: per unit
}

TEST(Baseline, UnchangedRunPassesAndAnnotatesEveryComparedCheck) {
  run::RunResult current = PassingRun();
  ApplyBaseline(current, PassingRun(), Margin(10, "main.json"));
  EXPECT_EQ(current.baseline_file, "main.json");
  const auto& b = Last(current);
  EXPECT_EQ(b.detector, "baseline");
  EXPECT_EQ(b.status, run::CheckStatus::kPassed);
  EXPECT_EQ(b.measured, 0);
  EXPECT_EQ(b.limit, 10);
  EXPECT_THAT(b.summary,
              HasSubstr("(3 compared)"));  // passed checks only: not allowed, not skipped
  EXPECT_EQ(current.scenarios[0].checks[0].baseline_measured, 0.8);
  EXPECT_FALSE(current.scenarios[0].checks[2].baseline_measured)
      << "allowed checks are not compared";
  EXPECT_EQ(current.ExitCode(), 0);
}

TEST(Baseline, RiseBeyondMarginFailsEvenUnderTheAbsoluteLimit) {
  run::RunResult main_run = PassingRun();
  run::RunResult current = PassingRun();
  main_run.scenarios[0].checks[1].measured = 400 * 1024;
  current.scenarios[0].checks[1].measured =
      800 * 1024;  // retained_growth doubled, still under 2 MiB
  ApplyBaseline(current, main_run, Margin(25));
  const auto& b = Last(current);
  EXPECT_EQ(b.status, run::CheckStatus::kFailed);
  EXPECT_DOUBLE_EQ(b.measured, 100);
  ASSERT_EQ(b.evidence.size(), 1u);
  EXPECT_EQ(b.evidence[0].title, "retained_growth");
  EXPECT_THAT(b.evidence[0].detail, HasSubstr("rose 100%: 400.0 KiB → 800.0 KiB"));
  EXPECT_FALSE(current.scenarios[0].passed);
  EXPECT_EQ(current.ExitCode(), 1);
}

TEST(Baseline, ApplyingTwiceReplacesTheBaselineCheck) {
  run::RunResult current = PassingRun();
  ApplyBaseline(current, PassingRun(), {});
  ApplyBaseline(current, PassingRun(), {});
  EXPECT_EQ(current.scenarios[0].checks.size(), PassingRun().scenarios[0].checks.size() + 1);
}

TEST(Baseline, MissingOrCrashedScenariosAreSkippedWithAReason) {
  run::RunResult current = CrashingRun();
  run::RunResult main_run = CrashingRun();
  main_run.scenarios.pop_back();  // main has no "health"
  ApplyBaseline(current, main_run, {});
  EXPECT_EQ(Last(current, 0).status, run::CheckStatus::kSkipped);
  EXPECT_THAT(Last(current, 0).summary, HasSubstr("did not run to the end"));
  EXPECT_EQ(Last(current, 1).status, run::CheckStatus::kSkipped);
  EXPECT_THAT(Last(current, 1).summary, HasSubstr("no scenario of this name"));
}

}  // namespace
}  // namespace leakcheck::run
