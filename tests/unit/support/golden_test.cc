// The golden-file helper itself: the update mode must rewrite the file and still fail, so a run
// with LEAKCHECK_UPDATE_GOLDEN=1 can never pass.
#include "tests/support/golden.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

// Sets (or unsets) LEAKCHECK_UPDATE_GOLDEN for one test and restores what was there.
class UpdateMode {
 public:
  explicit UpdateMode(const char* value) {
    if (const char* old = std::getenv("LEAKCHECK_UPDATE_GOLDEN")) old_ = old;
    if (value)
      ::setenv("LEAKCHECK_UPDATE_GOLDEN", value, 1);
    else
      ::unsetenv("LEAKCHECK_UPDATE_GOLDEN");
  }
  ~UpdateMode() {
    if (old_)
      ::setenv("LEAKCHECK_UPDATE_GOLDEN", old_->c_str(), 1);
    else
      ::unsetenv("LEAKCHECK_UPDATE_GOLDEN");
  }
  UpdateMode(const UpdateMode&) = delete;
  UpdateMode& operator=(const UpdateMode&) = delete;

 private:
  std::optional<std::string> old_;
};

TEST(Golden, ComparesWithoutTheUpdateMode) {
  UpdateMode mode(nullptr);
  TempDir dir;
  const std::string path = dir.File("g.txt");
  EXPECT_FALSE(MatchesGoldenFile(path, "x"));  // missing
  std::ofstream(path) << "expected";
  EXPECT_TRUE(MatchesGoldenFile(path, "expected"));
  ::testing::AssertionResult r = MatchesGoldenFile(path, "other");
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("differs from " + path), std::string::npos);
  EXPECT_EQ(ReadWholeFile(path), "expected");  // never written without the update mode
}

TEST(Golden, TheUpdateModeRewritesTheFileAndStillFails) {
  UpdateMode mode("1");
  TempDir dir;
  const std::string path = dir.File("g.txt");
  std::ofstream(path) << "old";
  ::testing::AssertionResult r = MatchesGoldenFile(path, "new");
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("rewrote " + path), std::string::npos);
  EXPECT_EQ(ReadWholeFile(path), "new");
  // Up to date now, and still a failure: the update mode can never pass.
  EXPECT_FALSE(MatchesGoldenFile(path, "new"));
  EXPECT_EQ(ReadWholeFile(path), "new");
  // A missing file is written (and fails).
  EXPECT_FALSE(MatchesGoldenFile(dir.File("new.txt"), "fresh"));
  EXPECT_EQ(ReadWholeFile(dir.File("new.txt")), "fresh");
}

TEST(Golden, OnlyTheValueOneTurnsTheUpdateModeOn) {
  UpdateMode mode("0");
  TempDir dir;
  const std::string path = dir.File("g.txt");
  std::ofstream(path) << "old";
  EXPECT_FALSE(MatchesGoldenFile(path, "new"));
  EXPECT_EQ(ReadWholeFile(path), "old");
}

}  // namespace
}  // namespace leakcheck::testing
