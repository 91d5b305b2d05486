#include "harness/config/units.h"

#include <gtest/gtest.h>

#include "harness/config/suggest.h"

namespace leakcheck::config {
namespace {

TEST(ParseSize, AcceptsBinaryUnitsCaseInsensitively) {
  EXPECT_EQ(ParseSize("64B"), 64);
  EXPECT_EQ(ParseSize("512"), 512);
  EXPECT_EQ(ParseSize("2KB"), 2048);
  EXPECT_EQ(ParseSize("2KiB"), 2048);
  EXPECT_EQ(ParseSize("1.5 MB"), 1.5 * 1048576);
  EXPECT_EQ(ParseSize("1MiB"), 1048576);
  EXPECT_EQ(ParseSize("1GB"), 1073741824.0);
  EXPECT_EQ(ParseSize("1GiB"), 1073741824.0);
  EXPECT_EQ(ParseSize("3kb"), 3072);
  EXPECT_EQ(ParseSize("0B"), 0);
}

TEST(ParseSize, NegativeParsesSoCallersCanRejectIt) { EXPECT_EQ(ParseSize("-1KB"), -1024); }

TEST(ParseSize, RejectsGarbage) {
  EXPECT_FALSE(ParseSize(""));
  EXPECT_FALSE(ParseSize("MB"));
  EXPECT_FALSE(ParseSize("12 bananas"));
  EXPECT_FALSE(ParseSize("1.MB"));
  EXPECT_FALSE(ParseSize("1TB"));
}

TEST(ParsePercent, NeedsThePercentSign) {
  EXPECT_EQ(ParsePercent("0%"), 0);
  EXPECT_DOUBLE_EQ(*ParsePercent("2.5%"), 0.025);
  EXPECT_EQ(ParsePercent("100%"), 1);
  EXPECT_FALSE(ParsePercent("5"));
  EXPECT_FALSE(ParsePercent("x%"));
}

TEST(ParseRate, PerSecondMinuteOrMillisecond) {
  EXPECT_EQ(ParseRate("500/s"), 500);
  EXPECT_EQ(ParseRate("30/m"), 0.5);
  EXPECT_EQ(ParseRate("2/ms"), 2000);
  EXPECT_FALSE(ParseRate("500"));
  EXPECT_FALSE(ParseRate("500/h"));
}

TEST(Suggest, FindsCloseKeysOnly) {
  constexpr std::string_view kKeys[] = {"iterations", "duration", "concurrency"};
  EXPECT_EQ(Suggest("iteration", kKeys), "iterations");
  EXPECT_EQ(Suggest("concurency", kKeys), "concurrency");
  EXPECT_EQ(Suggest("banana", kKeys), "");
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
}

}  // namespace
}  // namespace leakcheck::config
