#include "reporters/escape.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reporters/text_table.h"

namespace leakcheck::reporters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Escape, TerminalTextMakesControlsVisibleAndKeepsText) {
  EXPECT_EQ(TerminalText("plain → ✓ 😀"), "plain → ✓ 😀");
  EXPECT_EQ(TerminalText("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(TerminalText("\x1b[31mRED\x1b[0m"), "\\x1b[31mRED\\x1b[0m");
  EXPECT_EQ(TerminalText(std::string("nul\0", 4)), "nul\\x00");
  EXPECT_EQ(TerminalText("\x7f"), "\\x7f");
  EXPECT_EQ(TerminalText("\xC2\x9B"
                         "2J"),
            "\\u{9b}2J");  // C1 CSI
  EXPECT_EQ(TerminalText("\xE2\x80\xAE"
                         "evil"),
            "\\u{202e}evil");  // right-to-left override
  EXPECT_EQ(TerminalText("bad \xFF"), "bad \xEF\xBF\xBD");
}

TEST(Escape, TerminalTextDefusesWorkflowCommands) {
  EXPECT_EQ(TerminalText("::error::x"), "\\::error::x");
  EXPECT_EQ(TerminalText("  ::warning::x"), "  \\::warning::x");
  EXPECT_EQ(TerminalText("a::b"), "a::b");  // not at a line start: harmless
  EXPECT_EQ(TerminalText("x ##[error]y ##[group]"), "x #\\#[error]y #\\#[group]");
  // A newline cannot bring a command to a line start: it is shown as \n.
  std::string forged = TerminalText("x\n::error file=app.js,line=1::INJECTED");
  EXPECT_EQ(forged.find('\n'), std::string::npos);
}

TEST(Escape, TerminalBlockPrefixesEveryLine) {
  EXPECT_EQ(TerminalBlock("one\r\n::error::two\n\x1b[2J", "  │ "),
            "  │ one\n  │ \\::error::two\n  │ \\x1b[2J\n");
  EXPECT_EQ(TerminalBlock("", "│ "), "");
}

TEST(Escape, WorkflowCommandDataAndProperties) {
  EXPECT_EQ(EscapeData("50% of\r\nit: a,b"), "50%25 of%0D%0Ait: a,b");
  EXPECT_EQ(EscapeProperty("50% of\r\nit: a,b"), "50%25 of%0D%0Ait%3A a%2Cb");
  EXPECT_EQ(EscapeData("\x1b[31m"), "[31m");  // controls dropped, never passed to the log
}

TEST(Escape, MarkdownTextCannotOpenMarkup) {
  EXPECT_EQ(MarkdownText("a|b <script> & [x](http://e) *y* _z_ `c` ![i] #h ~s~ \\"),
            "a\\|b &lt;script&gt; &amp; \\[x\\](http://e) \\*y\\* \\_z\\_ \\`c\\` \\!\\[i\\] "
            "\\#h \\~s\\~ \\\\");
  EXPECT_EQ(MarkdownText("two\nlines\r"), "two lines ");
  EXPECT_EQ(MarkdownCode("a|b`c\nd"), "`a\\|b'c d`");
}

TEST(Escape, MarkdownFenceIsLongerThanAnyBacktickRun) {
  std::string block = MarkdownFenced("x ```` y");
  EXPECT_TRUE(block.starts_with("`````text\n"));
  EXPECT_TRUE(block.ends_with("\n`````\n"));
  EXPECT_EQ(MarkdownFenced("a\n"), "```text\na\n```\n");
}

TEST(Escape, MermaidLabelKeepsOnlySafeCharacters) {
  EXPECT_EQ(MermaidLabel("user-lifecycle (v2)"), "user-lifecycle (v2)");
  EXPECT_EQ(MermaidLabel("a\"b#c;d%%e\nf<g>"), "a_b_c_d__e_f_g_");
  EXPECT_EQ(MermaidLabel("日本"), "__");
  EXPECT_EQ(MermaidLabel("abcdef", 3), "abc");
}

TEST(Escape, HtmlTextEscapesMarkupAndQuotes) {
  EXPECT_EQ(HtmlText("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  EXPECT_EQ(HtmlText("\x1b[31m\n"), "[31m\n");
}

TEST(Escape, UrlPathEncodesSegmentsAndDropsDotDot) {
  EXPECT_EQ(UrlPath("scenarios/leaky app/server.js"), "scenarios/leaky%20app/server.js");
  EXPECT_EQ(UrlPath("a/../b/./c#x?y"), "a/b/c%23x%3Fy");
  EXPECT_EQ(UrlPath("\"><script>"), "%22%3E%3Cscript%3E");
}

TEST(Escape, DisplayColumnsCountsWideAndZeroWidth) {
  EXPECT_EQ(DisplayColumns("abc"), 3u);
  EXPECT_EQ(DisplayColumns("日本語"), 6u);
  EXPECT_EQ(DisplayColumns("😀"), 2u);
  EXPECT_EQ(DisplayColumns("e\xCC\x81"), 1u);  // e + combining acute
  EXPECT_EQ(DisplayColumns("→✓"), 2u);
}

TEST(Escape, MultibyteNamesKeepTablesAligned) {
  TextTable t({"class", "bytes"}, {TextTable::Align::kLeft, TextTable::Align::kRight});
  for (const char* name : {"Map", "日本語の名前", "😀 cache", "cafe\xCC\x81", "Ünïcödé"})
    t.AddRow({name, "1.00 KiB"});
  std::string out = t.Render();
  size_t start = 0, width = 0, lines = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    size_t w = DisplayColumns(out.substr(start, end - start));
    if (lines++ == 0) width = w;
    EXPECT_EQ(w, width) << out.substr(start, end - start);
    start = end + 1;
  }
  EXPECT_EQ(lines, 7u);
  EXPECT_THAT(out, Not(HasSubstr("\t")));
}

}  // namespace
}  // namespace leakcheck::reporters
