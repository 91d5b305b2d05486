// `leakcheck analyze` and `diff` on the handed files of issue 17 (tests/fixtures/snapshots/):
// what a user sees, exit codes included.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kBin = LEAKCHECK_BIN;
std::string Fixture(const std::string& name) {
  return std::string(LEAKCHECK_FIXTURES_DIR) + "/snapshots/" + name;
}

TEST(SnapshotCases, DiffRefusesBunSnapshotsWithExit2) {
  auto r = RunCommand({kBin, "diff", Fixture("bun-ids-1.heapsnapshot"),
                       Fixture("bun-ids-2.heapsnapshot"), Fixture("bun-ids-3.heapsnapshot")});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.err, HasSubstr("are not snapshots of one process"));
  EXPECT_EQ(r.out, "") << "no confident numbers";
}

TEST(SnapshotCases, DiffOfOneProcessStillWorks) {
  auto r = RunCommand(
      {kBin, "diff", Fixture("bun-ids-1.heapsnapshot"), Fixture("bun-ids-1.heapsnapshot")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(SnapshotCases, DiffHelpNamesItsThreeFiles) {
  auto r = RunCommand({kBin, "diff", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("before after [later]"));
  EXPECT_THAT(r.out, Not(HasSubstr("(2x)")));
  EXPECT_THAT(r.out, Not(HasSubstr("x 2")));
}

TEST(SnapshotCases, AnalyzeEscapesControlCharactersInHeapNames) {
  auto r = RunCommand({kBin, "analyze", Fixture("newline-in-edge-name.heapsnapshot")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("\n::error"))) << "a workflow command in a CI log";
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b"))) << "a terminal escape";
  EXPECT_THAT(r.out, HasSubstr("\\n::error file=app.js"));
}

TEST(SnapshotCases, AnalyzeNamesDetachedTextAsDevToolsDoes) {
  auto r = RunCommand({kBin, "analyze", Fixture("detached-propagation.heapsnapshot")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Detached Text"));
}

TEST(SnapshotCases, AnalyzeNamesTheNode22ClosureFile) {
  auto r = RunCommand({kBin, "analyze", Fixture("closure-script-name-node22plus.heapsnapshot")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("created at /app/leak.js:21:109"));
  EXPECT_THAT(r.out, Not(HasSubstr("script 7:")));
}

TEST(SnapshotCases, TruncatedAndNulFilesAreExit2WithTheRightMessage) {
  auto t = RunCommand({kBin, "analyze", Fixture("truncated-in-edge.heapsnapshot")});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_THAT(t.err, HasSubstr("truncated: the file ends at byte 672"));
  auto n = RunCommand({kBin, "analyze", Fixture("trailing-nul-then-garbage.heapsnapshot")});
  EXPECT_EQ(n.exit_code, 2) << "a NUL byte is not the end of the file";
  EXPECT_THAT(n.err, HasSubstr("NUL byte"));
}

TEST(SnapshotCases, AnalyzeReads64BitIdsAndUnknownTypes) {
  auto big = RunCommand({kBin, "analyze", Fixture("id-above-2pow32.heapsnapshot")});
  EXPECT_EQ(big.exit_code, 0) << big.err;
  EXPECT_THAT(big.out, HasSubstr("@4775375728"));
  auto type = RunCommand({kBin, "analyze", Fixture("type-index-past-meta.heapsnapshot")});
  EXPECT_EQ(type.exit_code, 0) << type.err;
  EXPECT_THAT(type.out, HasSubstr("(unknown)"));
}

}  // namespace
}  // namespace leakcheck::testing
