// The one command-line splitter (common/shell_words.h), used for `app.command`, `app.node_args`
// (config/) and NODE_OPTIONS (process/). These cases are where the two former splitters differed.
#include "harness/common/shell_words.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace leakcheck {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Words(std::string_view command) {
  std::string error;
  auto words = SplitShellWords(command, &error);
  EXPECT_TRUE(words.has_value()) << command << ": " << error;
  return words.value_or(std::vector<std::string>{});
}

std::string ErrorOf(std::string_view command) {
  std::string error;
  auto words = SplitShellWords(command, &error);
  EXPECT_FALSE(words.has_value()) << command;
  return error;
}

TEST(SplitShellWords, ATrailingBackslashIsAnErrorNotAWord) {
  // config/loader.cc's splitter gave [node, server.js, \]; process/'s threw. Now both throw.
  EXPECT_EQ(ErrorOf("node server.js \\"), "trailing backslash");
  EXPECT_EQ(ErrorOf("\\"), "trailing backslash");
  EXPECT_EQ(ErrorOf("node a\\"), "trailing backslash");
}

TEST(SplitShellWords, BackslashNewlineContinuesTheLine) {
  EXPECT_THAT(Words("node \\\nserver.js"), ElementsAre("node", "server.js"));
  EXPECT_THAT(Words("node ser\\\nver.js"), ElementsAre("node", "server.js"));
  EXPECT_THAT(Words("node \"a\\\nb\""), ElementsAre("node", "ab"));
}

TEST(SplitShellWords, OnlySpaceTabNewlineAndReturnSeparate) {
  EXPECT_THAT(Words(" node\tserver.js\r\n--x \n"), ElementsAre("node", "server.js", "--x"));
  // Vertical tab and form feed are not blanks in the shell grammar: they stay in the word.
  EXPECT_THAT(Words("a\vb c\fd"), ElementsAre("a\vb", "c\fd"));
}

TEST(SplitShellWords, QuotesFollowPosix) {
  EXPECT_THAT(Words(R"(node 'my app.js' "a \"b\" \$HOME \\ \x" x'y'z)"),
              ElementsAre("node", "my app.js", R"(a "b" $HOME \ \x)", "xyz"));
  EXPECT_THAT(Words(R"('a\b' my\ app '' "")"), ElementsAre(R"(a\b)", "my app", "", ""));
  EXPECT_EQ(ErrorOf("node 'oops"), "unterminated '");
  EXPECT_EQ(ErrorOf("node \"oops"), "unterminated \"");
  EXPECT_EQ(ErrorOf("node \"oops\\\""), "unterminated \"");
}

TEST(SplitShellWords, NothingIsExpandedAndBlankGivesNoWords) {
  EXPECT_THAT(Words("node $HOME ~ * `x`"), ElementsAre("node", "$HOME", "~", "*", "`x`"));
  EXPECT_THAT(Words(""), IsEmpty());
  EXPECT_THAT(Words(" \t\n"), IsEmpty());
}

}  // namespace
}  // namespace leakcheck
