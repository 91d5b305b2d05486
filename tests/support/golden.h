#pragma once

// Golden-file comparison: EXPECT_GOLDEN(name, actual) compares with tests/fixtures/golden/<name>.
// LEAKCHECK_UPDATE_GOLDEN=1 rewrites the files instead (then review the diff before committing).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace leakcheck::testing {

inline std::string GoldenPath(const std::string& name) {
  return std::string(LEAKCHECK_FIXTURES_DIR) + "/golden/" + name;
}

inline ::testing::AssertionResult MatchesGolden(const std::string& name,
                                                const std::string& actual) {
  const std::string path = GoldenPath(name);
  const char* update = std::getenv("LEAKCHECK_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return ::testing::AssertionSuccess();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return ::testing::AssertionFailure()
           << path << " is missing (run with LEAKCHECK_UPDATE_GOLDEN=1)";
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str() == actual) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "differs from " << path << " (LEAKCHECK_UPDATE_GOLDEN=1 to update)\n"
         << "---- actual ----\n"
         << actual;
}

#define EXPECT_GOLDEN(name, actual) EXPECT_TRUE(::leakcheck::testing::MatchesGolden(name, actual))

}  // namespace leakcheck::testing
