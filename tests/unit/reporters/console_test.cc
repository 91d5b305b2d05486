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
  EXPECT_THAT(out, HasSubstr("      Error: Cannot find module 'expresss'"));
  EXPECT_THAT(out, HasSubstr("ERROR: 1 of 2 scenarios could not run (checkout)"));
}

}  // namespace
}  // namespace leakcheck::reporters
