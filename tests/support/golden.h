#pragma once

// Golden-file comparison: EXPECT_GOLDEN(name, actual) compares with tests/fixtures/golden/<name>.
// LEAKCHECK_UPDATE_GOLDEN=1 rewrites every file that differs and still FAILS the test, naming the
// file, so an update run can never pass (nor pass CI by accident): review `git diff`, then run the
// tests again without the variable.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace leakcheck::testing {

/// tests/fixtures/golden/<name>.
inline std::string GoldenPath(const std::string& name) {
  return std::string(LEAKCHECK_FIXTURES_DIR) + "/golden/" + name;
}

/// The golden file's bytes; nullopt when it cannot be opened.
inline std::optional<std::string> ReadGolden(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Compares `actual` with the file at `path`; in the update mode rewrites it and fails.
inline ::testing::AssertionResult MatchesGoldenFile(const std::string& path,
                                                    const std::string& actual) {
  const char* update_env = std::getenv("LEAKCHECK_UPDATE_GOLDEN");
  const bool update = update_env != nullptr && std::string(update_env) == "1";
  std::optional<std::string> expected = ReadGolden(path);
  if (update) {
    if (expected == actual) {
      return ::testing::AssertionFailure()
             << path << " is up to date; LEAKCHECK_UPDATE_GOLDEN=1 fails every golden test, "
             << "run again without it";
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << actual;
    if (!out.flush()) return ::testing::AssertionFailure() << "cannot write " << path;
    return ::testing::AssertionFailure()
           << "rewrote " << path << " (LEAKCHECK_UPDATE_GOLDEN=1): review the diff, then run "
           << "again without the variable";
  }
  if (!expected)
    return ::testing::AssertionFailure()
           << path << " is missing (run with LEAKCHECK_UPDATE_GOLDEN=1)";
  if (*expected == actual) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "differs from " << path << " (LEAKCHECK_UPDATE_GOLDEN=1 to update)\n"
         << "---- actual ----\n"
         << actual;
}

/// Compares `actual` with tests/fixtures/golden/<name> (see MatchesGoldenFile).
inline ::testing::AssertionResult MatchesGolden(const std::string& name,
                                                const std::string& actual) {
  return MatchesGoldenFile(GoldenPath(name), actual);
}

#define EXPECT_GOLDEN(name, actual) EXPECT_TRUE(::leakcheck::testing::MatchesGolden(name, actual))

}  // namespace leakcheck::testing
