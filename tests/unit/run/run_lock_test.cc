#include "harness/run/run_lock.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "tests/support/run_command.h"

namespace leakcheck::run {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(RunFolderLock, CreatesTheFolderAndRecordsTheHolder) {
  testing::TempDir tmp;
  const std::string out = tmp.File("a/b");
  RunFolderLock lock(out);
  EXPECT_TRUE(std::filesystem::is_directory(out));
  EXPECT_EQ(ReadFile(out + "/.leakcheck.lock"), std::to_string(::getpid()) + "\n");
}

// flock(2) locks belong to an open file description, so a second lock in the same process
// conflicts exactly like one in another process.
TEST(RunFolderLock, ASecondHolderFailsAsAUsageErrorNamingTheFolderAndPid) {
  testing::TempDir tmp;
  const std::string out = tmp.File("out");
  std::optional<RunFolderLock> first(std::in_place, out);
  try {
    RunFolderLock second(out);
    FAIL() << "the second lock was granted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_EQ(e.stage(), "run");
    EXPECT_THAT(e.detail(),
                HasSubstr("the run folder " + out + " is in use by another leakcheck run (pid " +
                          std::to_string(::getpid()) + ")"));
    EXPECT_THAT(e.detail(), HasSubstr("--out"));
  }
  first.reset();  // released: the folder is free again
  EXPECT_NO_THROW(RunFolderLock again(out));
}

}  // namespace
}  // namespace leakcheck::run
