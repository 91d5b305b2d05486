// The one JSON escaper and unescaper: what they write parses, and parses back to the input.
#include "harness/common/json_text.h"

#include <random>

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace leakcheck {
namespace {

// Parses a JSON string literal with Boost.JSON (the reference reader).
std::string ParseString(const std::string& literal) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(literal, ec);
  EXPECT_FALSE(ec) << literal;
  return ec ? "" : std::string(v.as_string());
}

TEST(QuoteJson, IsBoostJsonsSerializer) {
  EXPECT_EQ(QuoteJson("a\"b\\c\nd\x01\t/\x7f"), R"("a\"b\\c\nd\u0001\t/)"
                                                "\x7f\"");
  EXPECT_EQ(QuoteJson("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(QuoteJson(""), "\"\"");
}

TEST(QuoteJson, EveryByteStringOfValidUtf8RoundTripsThroughAParser) {
  std::mt19937 rng(11);
  for (int round = 0; round < 500; ++round) {
    std::string s;
    for (int i = static_cast<int>(rng() % 20); i > 0; --i) {
      // Whole characters (multi-byte ones kept together), NUL and controls included.
      static const std::vector<std::string> kChars = {"a",
                                                      "b",
                                                      "\"",
                                                      "\\",
                                                      "/",
                                                      "\b",
                                                      "\f",
                                                      "\n",
                                                      "\r",
                                                      "\t",
                                                      " ",
                                                      "\x01",
                                                      "\x1f",
                                                      "\x7f",
                                                      "\xC3\xA9",
                                                      "\xE2\x82\xAC",
                                                      "\xF0\x9F\x98\x80",
                                                      std::string(1, '\0')};
      s += kChars[rng() % kChars.size()];
    }
    std::string quoted = QuoteJson(s);
    EXPECT_EQ(ParseString(quoted), s);
    std::string inside;
    AppendJsonEscaped(s, inside);
    EXPECT_EQ("\"" + inside + "\"", quoted);
    std::string back;
    ASSERT_TRUE(UnescapeJson(inside, back));
    EXPECT_EQ(back, s);
  }
}

TEST(UnescapeJson, LoneSurrogatesBecomeTheReplacementCharacter) {
  const std::string kFffd = "\xEF\xBF\xBD";
  std::string out;
  ASSERT_TRUE(UnescapeJson(R"(a\ud800b)", out));  // high, then not `\u`
  EXPECT_EQ(out, "a" + kFffd + "b");
  out.clear();
  ASSERT_TRUE(UnescapeJson(R"(\udc00)", out));  // low alone
  EXPECT_EQ(out, kFffd);
  out.clear();
  ASSERT_TRUE(UnescapeJson(R"(\ud800\u0041)", out));  // high, then a non-surrogate
  EXPECT_EQ(out, kFffd + "A");
  out.clear();
  ASSERT_TRUE(UnescapeJson(R"(\ud800\ud800\udc00)", out));  // lone high, then a pair
  EXPECT_EQ(out, kFffd + "\xF0\x90\x80\x80");
  out.clear();
  ASSERT_TRUE(UnescapeJson(R"(\ud800)", out));  // high at the end
  EXPECT_EQ(out, kFffd);
}

TEST(UnescapeJson, RejectsMalformedEscapes) {
  for (const char* bad : {R"(\x)", R"(\u12)", "\\", R"(\u12g4)", R"(\U0041)"}) {
    std::string out;
    EXPECT_FALSE(UnescapeJson(bad, out)) << bad;
  }
}

}  // namespace
}  // namespace leakcheck
