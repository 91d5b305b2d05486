#include "harness/common/line_pattern.h"

#include <string>

#include <gtest/gtest.h>

namespace leakcheck {
namespace {

LinePattern Must(const std::string& pattern) {
  std::string error;
  auto p = LinePattern::Compile(pattern, &error);
  EXPECT_TRUE(p) << pattern << ": " << error;
  return std::move(*p);
}

TEST(LinePattern, SearchesAnywhereAndReturnsGroupOne) {
  LinePattern p = Must(R"(listening on (\d+))");
  std::string port = "stale";
  EXPECT_TRUE(p.Search("server: listening on 8123 (pid 7)", &port));
  EXPECT_EQ(port, "8123");
  EXPECT_FALSE(p.Search("listening on port eighty", &port));
}

TEST(LinePattern, NoGroupOrAGroupThatDidNotTakePartClearsIt) {
  std::string group = "stale";
  EXPECT_TRUE(Must("ready").Search("app ready", &group));
  EXPECT_EQ(group, "");
  group = "stale";
  EXPECT_TRUE(Must(R"(ready|port (\d+))").Search("ready", &group));
  EXPECT_EQ(group, "");
}

TEST(LinePattern, HugeLinesAndPathologicalPatternsFinish) {
  // std::regex overflowed the stack on the first and backtracked exponentially on the second.
  const std::string line(1 << 20, 'x');
  EXPECT_FALSE(Must(R"(.*listening on (\d+))").Search(line));
  EXPECT_FALSE(Must(R"((?:x+x+)+y)").Search(line));
  EXPECT_TRUE(Must(R"(x{1000}$)").Search(line));
}

TEST(LinePattern, RejectsWhatItCannotMatchSafelyWithAReason) {
  const std::string too_long(1001, 'a');
  for (const std::string& bad : {std::string(R"((a)\1)"), std::string("(?=x)"), std::string("("),
                                 std::string("a{1001}"), too_long}) {
    std::string error;
    EXPECT_FALSE(LinePattern::Compile(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace leakcheck
