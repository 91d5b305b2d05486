#include "harness/cdp/json_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace leakcheck::cdp {
namespace {

TEST(QuoteJson, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(QuoteJson("a\"b\\c\nd\x01"), R"("a\"b\\c\nd\u0001")");
}

TEST(UnescapeJson, DecodesEveryEscape) {
  std::string out;
  ASSERT_TRUE(UnescapeJson(R"(a\"b\\c\/d\n\t\r\b\f)", out));
  EXPECT_EQ(out, "a\"b\\c/d\n\t\r\b\f");
}

TEST(UnescapeJson, DecodesUnicodeAndSurrogatePairs) {
  std::string out;
  ASSERT_TRUE(UnescapeJson(R"(\u00e9\u20ac\ud83d\ude00)", out));
  EXPECT_EQ(out, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(UnescapeJson, RejectsBadEscapes) {
  std::string out;
  EXPECT_FALSE(UnescapeJson(R"(\x)", out));
  EXPECT_FALSE(UnescapeJson(R"(\u12)", out));
  EXPECT_FALSE(UnescapeJson("\\", out));
}

TEST(UnescapingWriter, RoundTripsQuotedTextThroughAFile) {
  auto path =
      std::filesystem::temp_directory_path() / ("leakcheck-unescape-" + std::to_string(::getpid()));
  std::string original;
  for (int i = 0; i < 20000; ++i) original += "{\"n\":" + std::to_string(i) + ",\"s\":\"\\x\"}\n";
  std::string quoted = QuoteJson(original);
  {
    UnescapingWriter writer(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 4096);
    // Feed it in pieces cut at escape boundaries, like successive chunks.
    std::string_view body(quoted);
    body = body.substr(1, body.size() - 2);
    size_t half = body.find("\\n", body.size() / 2);
    ASSERT_TRUE(writer.AppendEscaped(body.substr(0, half)));
    ASSERT_TRUE(writer.AppendEscaped(body.substr(half)));
    EXPECT_EQ(writer.bytes(), original.size());
    ASSERT_TRUE(writer.Close());
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream read;
  read << in.rdbuf();
  EXPECT_EQ(read.str(), original);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace leakcheck::cdp
