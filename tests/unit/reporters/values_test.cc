#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "reporters/values.h"

namespace leakcheck::reporters {
namespace {

TEST(Values, FormatsMeasuredValuesByUnit) {
  EXPECT_EQ(FormatMeasured(1228.8, "B/iteration"), "1.20 KiB/iteration");
  EXPECT_EQ(FormatMeasured(64, "B"), "64 B");
  EXPECT_EQ(FormatMeasured(0.8, "B/iteration"), "0.8 B/iteration");
  EXPECT_EQ(FormatMeasured(2.5, "%"), "2.5%");
  EXPECT_EQ(FormatMeasured(5000, "listeners"), "5,000 listeners");
  EXPECT_EQ(FormatMeasured(0.05, "entries/iteration"), "0.05 entries/iteration");
  EXPECT_EQ(FormatMeasured(0.5, ""), "0.5");
}

TEST(Values, CleanTextKeepsValidUtf8AndWhitespace) {
  EXPECT_EQ(CleanText("a\tb\nc\rd → ✓ 😀"), "a\tb\nc\rd → ✓ 😀");
  EXPECT_EQ(CleanText(std::string("x\0y", 3)), "xy");
  EXPECT_EQ(CleanText("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(CleanText("\xEF\xBF\xBE"), "");                      // U+FFFE
  EXPECT_EQ(CleanText("cut \xE2\x86"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace leakcheck::reporters

namespace leakcheck::reporters {
namespace {

TEST(Values, WriteTextFileNamesTheStageAndFileWhenItCannot) {
  try {
    WriteTextFile("/nonexistent-dir/x.xml", "x", "junit");
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitFailure);
    EXPECT_EQ(std::string(e.what()), "junit: /nonexistent-dir/x.xml: cannot write");
  }
}

}  // namespace
}  // namespace leakcheck::reporters
