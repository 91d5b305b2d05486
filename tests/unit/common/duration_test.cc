#include "harness/common/duration.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace leakcheck {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, RequiresAUnit) {
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseDuration("2s"), milliseconds(2000));
  EXPECT_EQ(ParseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(ParseDuration("1m"), milliseconds(60000));
  EXPECT_EQ(ParseDuration("0ms"), milliseconds(0));
  EXPECT_EQ(ParseDuration(" 3 s "), milliseconds(3000));
  EXPECT_EQ(ParseDuration("-1s"), milliseconds(-1000));  // the caller gives the range error
  // The rule for everything (YAML and options): a bare number is ambiguous, so it is rejected.
  EXPECT_FALSE(ParseDuration("20"));
  EXPECT_FALSE(ParseDuration("5h"));
  EXPECT_FALSE(ParseDuration("s"));
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("1.s"));
  EXPECT_FALSE(ParseDuration("1e999s"));
  EXPECT_FALSE(ParseDuration("99999999999999999999m"));
}

TEST(FormatDuration, PicksTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0ms");
  EXPECT_EQ(FormatDuration(milliseconds(20)), "20ms");
  EXPECT_EQ(FormatDuration(milliseconds(999)), "999ms");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(milliseconds(5000)), "5s");
  EXPECT_EQ(FormatDuration(milliseconds(90000)), "90s");
  EXPECT_EQ(FormatDuration(milliseconds(120000)), "2m");
  EXPECT_EQ(FormatDuration(milliseconds(1234567)), "1234.567s");
}

TEST(FormatDuration, ParsesBackToTheSameValue) {
  for (int64_t ms :
       {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{999}, int64_t{1000}, int64_t{1001},
        int64_t{59999}, int64_t{60000}, int64_t{61001}, int64_t{3600000}, int64_t{123456789}}) {
    EXPECT_EQ(ParseDuration(FormatDuration(milliseconds(ms))), milliseconds(ms)) << ms;
  }
}

}  // namespace
}  // namespace leakcheck
