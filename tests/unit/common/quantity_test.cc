#include "harness/common/quantity.h"

#include <cmath>

#include <gtest/gtest.h>

namespace leakcheck {
namespace {

TEST(SplitQuantity, SplitsTheNumberFromItsTrimmedUnit) {
  auto q = SplitQuantity("  1.5 KB ");
  ASSERT_TRUE(q.has_value());
  EXPECT_DOUBLE_EQ(q->value, 1.5);
  EXPECT_EQ(q->unit, "KB");
  q = SplitQuantity("+250ms");
  ASSERT_TRUE(q.has_value());
  EXPECT_DOUBLE_EQ(q->value, 250);
  EXPECT_EQ(q->unit, "ms");
  q = SplitQuantity("-3");
  ASSERT_TRUE(q.has_value());
  EXPECT_DOUBLE_EQ(q->value, -3);
  EXPECT_EQ(q->unit, "");
}

TEST(SplitQuantity, RefusesWhatIsNotADecimalNumber) {
  for (const char* text : {"", "KB", "-", "5.", ".", "1.2.3s", "--1", "1e999"}) {
    auto q = SplitQuantity(text);
    // "1e999" splits as 1 and "e999": a unit no caller accepts, never an infinite value.
    if (q) {
      EXPECT_TRUE(std::isfinite(q->value)) << text;
      EXPECT_FALSE(q->unit.empty()) << text;
    }
  }
  EXPECT_FALSE(SplitQuantity("5.").has_value());
  EXPECT_FALSE(SplitQuantity("").has_value());
  EXPECT_FALSE(SplitQuantity("-").has_value());
}

TEST(TrimSpace, TrimsBothEnds) {
  EXPECT_EQ(TrimSpace(" \t a b \n"), "a b");
  EXPECT_EQ(TrimSpace("   "), "");
}

}  // namespace
}  // namespace leakcheck
