#include "harness/run/allow.h"

#include <gtest/gtest.h>

namespace leakcheck::run {
namespace {

TEST(PathClasses, EveryStepsClassInOrderWithoutTheElision) {
  EXPECT_EQ(PathClasses("(GC roots) → system / Context \"x\" → … → u \"cache\" → Array \"#t\" → "
                        "Object[272]"),
            (std::vector<std::string>{"(GC roots)", "system / Context", "u", "Array", "Object"}));
  EXPECT_TRUE(PathClasses("").empty());
}

TEST(ClassMatches, ExactOrGlob) {
  EXPECT_TRUE(ClassMatches("LRUCache", "LRUCache"));
  EXPECT_FALSE(ClassMatches("LRU", "LRUCache")) << "no substrings";
  EXPECT_FALSE(ClassMatches("Object", "ObjectWrap"));
  EXPECT_TRUE(ClassMatches("LRU*", "LRUCache"));
  EXPECT_TRUE(ClassMatches("*Cache", "LRUCache"));
  EXPECT_TRUE(ClassMatches("L?UCache", "LRUCache"));
  EXPECT_TRUE(ClassMatches("*", "anything"));
  EXPECT_FALSE(ClassMatches("*Cache", "CacheEntry"));
}

Evidence E(Evidence::Kind kind, std::string title, std::string detail = "") {
  Evidence e;
  e.kind = kind;
  e.title = std::move(title);
  e.detail = std::move(detail);
  return e;
}

CheckResult SurvivorsOfACache() {
  CheckResult c;
  c.detector = "survivors";
  c.status = CheckStatus::kFailed;
  c.summary = "1,200 of 1,300 objects … belong to growing classes";
  c.evidence = {E(Evidence::Kind::kGrowingClass, "Session"),
                E(Evidence::Kind::kGrowingClass, "(string)"),
                E(Evidence::Kind::kRetainerPath,
                  "(GC roots) → system / Context \"sessions\" → u \"cache\" → Map \"#m\" → "
                  "Session[3]"),
                E(Evidence::Kind::kNote, "bounded populations", "Timeout held at X → Y")};
  return c;
}

config::Allow Entry(std::optional<std::string> cls, std::optional<std::string> path) {
  config::Allow a;
  a.class_name = std::move(cls);
  a.path = std::move(path);
  a.reason = "known";
  return a;
}

TEST(MatchAllow, ClassMatchesTheGrowingOrAHoldingClass) {
  CheckResult c = SurvivorsOfACache();
  EXPECT_TRUE(MatchAllow({Entry("Session", {})}, c)) << "the growing class";
  EXPECT_TRUE(MatchAllow({Entry("u", {})}, c)) << "a holder on the retainer path";
  EXPECT_TRUE(MatchAllow({Entry("Ses*", {})}, c));
  EXPECT_FALSE(MatchAllow({Entry("(string)", {})}, c)) << "only the top growing class counts";
  EXPECT_FALSE(MatchAllow({Entry("Sess", {})}, c)) << "no substrings";
  EXPECT_FALSE(MatchAllow({Entry("Timeout", {})}, c)) << "notes are not the culprit";
}

TEST(MatchAllow, PathMatchesRetainerPathsOfEveryDetector) {
  CheckResult c = SurvivorsOfACache();
  EXPECT_TRUE(MatchAllow({Entry({}, "u \"cache\"")}, c));
  EXPECT_TRUE(MatchAllow({Entry({}, "cache")}, c));
  EXPECT_FALSE(MatchAllow({Entry({}, "bounded")}, c)) << "a note's text is not a path";

  CheckResult col;
  col.detector = "collections";
  col.status = CheckStatus::kFailed;
  col.evidence = {E(Evidence::Kind::kCollection, "Map \"postPageCache\"",
                    "grew 10 → 30 entries; held at (GC roots) → system / Context "
                    "\"postPageCache\"")};
  EXPECT_TRUE(MatchAllow({Entry({}, "postPageCache")}, col));
  EXPECT_TRUE(MatchAllow({Entry("Map", {})}, col));
  EXPECT_FALSE(MatchAllow({Entry("Set", {})}, col));
}

// A minified class the snapshot reader named after its export (snapshot/class_alias.cc):
// either name matches, and the whole label too; still no substrings.
TEST(MatchAllow, AMinifiedClassMatchesByEitherName) {
  CheckResult c;
  c.detector = "survivors";
  c.status = CheckStatus::kFailed;
  c.evidence = {E(Evidence::Kind::kGrowingClass, "Object"),
                E(Evidence::Kind::kRetainerPath,
                  "(GC roots) → system / Context \"cache\" → LRUCache (u) \"cache\" → Array "
                  "\"#t\" → Object[272]")};
  EXPECT_EQ(PathClasses(c.evidence[1].title)[2], "LRUCache (u)");
  EXPECT_TRUE(MatchAllow({Entry("LRUCache", {})}, c)) << "the README's example";
  EXPECT_TRUE(MatchAllow({Entry("u", {})}, c)) << "the snapshot's own name";
  EXPECT_TRUE(MatchAllow({Entry("LRUCache (u)", {})}, c));
  EXPECT_TRUE(MatchAllow({Entry("LRU*", {})}, c));
  EXPECT_FALSE(MatchAllow({Entry("Cache", {})}, c)) << "no substrings";
  EXPECT_FALSE(MatchAllow({Entry("(u)", {})}, c));
  CheckResult roots = c;
  roots.evidence.pop_back();
  roots.evidence[0].title = "(GC roots)";
  EXPECT_FALSE(MatchAllow({Entry("GC roots", {})}, roots)) << "a (type) label is not split";
}

TEST(MatchAllow, FirstMatchingEntryWins) {
  auto a = MatchAllow({Entry("Nope", {}), Entry({}, "cache"), Entry("Session", {})},
                      SurvivorsOfACache());
  ASSERT_TRUE(a);
  EXPECT_EQ(a->path, "cache");
}

}  // namespace
}  // namespace leakcheck::run
