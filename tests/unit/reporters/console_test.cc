#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "reporters/console_report.h"
#include "tests/support/golden.h"
#include "tests/support/sample_results.h"

namespace leakcheck::reporters {
namespace {

using leakcheck::testing::CrashingRun;
using leakcheck::testing::LeakingRun;
using leakcheck::testing::PassingRun;
using ::testing::HasSubstr;
using ::testing::Not;

ConsoleOptions Options(bool color, Verbosity verbosity = Verbosity::kNormal) {
  ConsoleOptions o;
  o.color = color;
  o.verbosity = verbosity;
  return o;
}

TEST(Console, ColourFollowsFlagThenNoColorThenTermThenTty) {
  EXPECT_TRUE(ShouldColor(ColorMode::kAlways, false, "1", "dumb"));
  EXPECT_FALSE(ShouldColor(ColorMode::kNever, true, nullptr, "xterm"));
  EXPECT_TRUE(ShouldColor(ColorMode::kAuto, true, nullptr, "xterm-256color"));
  EXPECT_TRUE(ShouldColor(ColorMode::kAuto, true, "", "xterm"));  // empty NO_COLOR is unset
  EXPECT_FALSE(ShouldColor(ColorMode::kAuto, true, "1", "xterm"));
  EXPECT_FALSE(ShouldColor(ColorMode::kAuto, true, nullptr, "dumb"));
  EXPECT_FALSE(ShouldColor(ColorMode::kAuto, false, nullptr, "xterm"));
  EXPECT_EQ(ParseColorMode("always"), ColorMode::kAlways);
  EXPECT_THROW(ParseColorMode("sometimes"), Error);
}

TEST(Console, MatchesGoldenFilesWithColourOffAndOn) {
  EXPECT_GOLDEN("console-passing.txt", ConsoleReport(PassingRun(), {}));
  EXPECT_GOLDEN("console-leaking.txt", ConsoleReport(LeakingRun(), {}));
  EXPECT_GOLDEN("console-crashing.txt", ConsoleReport(CrashingRun(), {}));
  EXPECT_GOLDEN("console-leaking-color.txt", ConsoleReport(LeakingRun(), Options(true)));
  EXPECT_GOLDEN("console-leaking-quiet.txt",
                ConsoleReport(LeakingRun(), Options(false, Verbosity::kQuiet)));
  EXPECT_GOLDEN("console-passing-verbose.txt",
                ConsoleReport(PassingRun(), Options(false, Verbosity::kVerbose)));
}

TEST(Console, NoEscapeCodesWithoutColourAndSomeWithIt) {
  EXPECT_THAT(ConsoleReport(LeakingRun(), {}), Not(HasSubstr("\x1b[")));
  EXPECT_THAT(ConsoleReport(LeakingRun(), Options(true)), HasSubstr("\x1b[1;31mFAIL\x1b[0m"));
}

TEST(Console, FailureShowsEvidenceAndVerdictNamesIt) {
  std::string out = ConsoleReport(LeakingRun(), {});
  EXPECT_THAT(out, HasSubstr("retainer path: (GC roots) → (global) → Map \"userCache\" → (table)"));
  EXPECT_THAT(out, HasSubstr("allocated at: apps/api/server.js:42"));
  EXPECT_THAT(out, HasSubstr("✗ heap_per_iteration  scenarios/api.yaml:20"));
  EXPECT_THAT(
      out, HasSubstr("FAILED: 2 of 7 checks failed (create-and-read-user: heap_per_iteration, "));
}

TEST(Console, QuietLeavesOutPassingScenariosAndTables) {
  std::string out = ConsoleReport(PassingRun(), Options(false, Verbosity::kQuiet));
  EXPECT_EQ(out, "PASSED: 5 checks in 1 scenario, 1 allowed, 1 skipped · 42.5 s\n");
}

TEST(Console, CrashNamesTheStageAndShowsStderr) {
  std::string out = ConsoleReport(CrashingRun(), {});
  EXPECT_THAT(out, HasSubstr("! process: ready: app exited with code 1 before it was ready"));
  EXPECT_THAT(out, HasSubstr("      │ Error: Cannot find module 'expresss'\n"));
  EXPECT_THAT(out, HasSubstr("ERROR: 1 of 2 scenarios could not run (checkout)"));
}

TEST(Console, SparklineRisesWithTheHeapAndStaysFlatOnNoise) {
  run::RunResult r = LeakingRun();
  r.scenarios.resize(1);
  auto& points = r.scenarios[0].checkpoints;
  for (size_t i = 0; i < points.size(); ++i) points[i].heap_used = (8.0 + 2.0 * i) * 1024 * 1024;
  EXPECT_THAT(ConsoleReport(r, {}),
              HasSubstr("  heap ▁▃▅▆█ 8.00 MiB → 16.0 MiB over 5 checkpoints (post-GC, less V8 "
                        "code)\n"));
  for (size_t i = 0; i < points.size(); ++i) points[i].heap_used = 8.0 * 1024 * 1024 + 1024.0 * i;
  EXPECT_THAT(ConsoleReport(r, {}), HasSubstr("  heap ▁▁▁▁▁ 8.00 MiB"));
  EXPECT_THAT(ConsoleReport(r, Options(false, Verbosity::kQuiet)), Not(HasSubstr("heap ▁")));
}

TEST(Console, SharedEvidenceIsPrintedOnceAndReferredTo) {
  run::RunResult r = LeakingRun();
  auto& checks = r.scenarios[0].checks;
  checks[1].status = run::CheckStatus::kFailed;  // retained_growth, with the same evidence
  checks[1].evidence = checks[0].evidence;
  std::string out = ConsoleReport(r, {});
  EXPECT_EQ(out.find("growing: User"), out.rfind("growing: User")) << out;
  EXPECT_THAT(out, HasSubstr("  [1] growing: User +5,000 objects (5,000, 1/iteration, +1.14 MiB)\n"
                             "  [2] allocated at: apps/api/server.js:42\n"));
  size_t first = out.find("growing and allocated: [1] [2]");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(out.find("growing and allocated: [1] [2]", first + 1), std::string::npos);
  // The retainer path is the check's own: still printed under each.
  EXPECT_NE(out.find("retainer path:"), out.rfind("retainer path:"));
}

TEST(Console, VerboseShowsTheCheckpointTable) {
  std::string out = ConsoleReport(LeakingRun(), Options(false, Verbosity::kVerbose));
  EXPECT_THAT(out, HasSubstr("  checkpoints (post-GC):\n    iteration  heap used"));
  EXPECT_THAT(ConsoleReport(LeakingRun(), {}), Not(HasSubstr("checkpoints (post-GC)")));
}

}  // namespace
}  // namespace leakcheck::reporters
