#include <gtest/gtest.h>

#include "harness/common/format.h"

namespace leakcheck {
namespace {

TEST(Slug, IsLowerCaseAsciiWithSingleDashes) {
  EXPECT_EQ(Slug("Create & Read user"), "create-read-user");
  EXPECT_EQ(Slug("My API / v2"), "my-api-v2");
  EXPECT_EQ(Slug("create-and-read-user"), "create-and-read-user");
  EXPECT_EQ(Slug("--a__b--"), "a-b");
  EXPECT_EQ(Slug("  Trailing!  "), "trailing");
  EXPECT_EQ(Slug("007 Bond"), "007-bond");
}

TEST(Slug, TreatsEveryNonAsciiByteAsASeparator) {
  // The same bytes give the same folder whatever the locale: é (C3 A9) and Latin-1 é (E9) alike.
  EXPECT_EQ(Slug("ünïcode"), "n-code");
  EXPECT_EQ(Slug("caf\xC3\xA9 au lait"), "caf-au-lait");
  EXPECT_EQ(Slug("caf\xE9-bar"), "caf-bar");
  EXPECT_EQ(Slug(std::string("a\0b", 3)), "a-b");
}

TEST(Slug, FallsBackToScenarioWhenNothingIsLeft) {
  EXPECT_EQ(Slug(""), "scenario");
  EXPECT_EQ(Slug("***"), "scenario");
  EXPECT_EQ(Slug("日本"), "scenario");
}

}  // namespace
}  // namespace leakcheck
