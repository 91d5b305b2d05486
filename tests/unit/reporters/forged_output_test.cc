// Nothing the app controls can forge output: names from its heap and lines of its stderr that
// hold workflow commands, terminal escapes and markup go through every reporter, and each
// destination must show them as text. (Issue 15; ../shared/cases/snapshots/newline-in-edge-name.)
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tinyxml2.h>

#include "harness/analysis/diff.h"
#include "harness/analysis/summary.h"
#include "harness/snapshot/reader.h"
#include "reporters/console_report.h"
#include "reporters/github.h"
#include "reporters/html_report.h"
#include "reporters/junit_report.h"
#include "reporters/markdown_summary.h"
#include "reporters/snapshot_report.h"
#include "tests/support/sample_results.h"

namespace leakcheck::reporters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What a hostile heap or app can put in a name or a log line.
const std::string kForged =
    "x\n::error file=app.js,line=1::INJECTED\r\n  ::warning::INDENTED\n\x1b[31mRED\x1b[0m "
    "\xC2\x9B"
    "2J ##[error]V1 <script>alert(1)</script> <img src=//evil.example/x> "
    "[click](http://evil.example) | %0A ```\n\xE2\x80\xAE"
    "desrever";

run::RunResult ForgedRun() {
  run::RunResult r = testing::LeakingRun();
  run::ScenarioResult& s = r.scenarios[0];
  s.app_stderr_tail = kForged + "\n" + kForged + "\n";
  run::CheckResult& c = s.checks[0];
  c.summary = "summary " + kForged;
  c.evidence = {
      {run::Evidence::Kind::kGrowingClass, kForged, kForged, 1.0, 5000, 1200000},
      {run::Evidence::Kind::kRetainerPath, "(GC roots) → Map \"" + kForged + "\"", "", 0, 0, 0},
      {run::Evidence::Kind::kSourceLocation, kForged + ":12 in f", "", 0, 0, 0},
      {run::Evidence::Kind::kCollection, "Map \"" + kForged + "\"", "grew 1 → 2 entries", 1, 2, 0},
  };
  s.infrastructure_error = "crashed: " + kForged;
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// A line GitHub's runner would take as a workflow command: `::` after leading whitespace, or a
// `##[` anywhere (the old syntax).
bool LooksLikeCommand(const std::string& line) {
  size_t lead = line.find_first_not_of(" \t");
  return (lead != std::string::npos && line.compare(lead, 2, "::") == 0) ||
         line.find("##[") != std::string::npos;
}

bool HasTerminalControl(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F)
      return true;                                          // C1 control
    if (s.compare(i, 3, "\xE2\x80\xAE") == 0) return true;  // RLO
  }
  return false;
}

void ExpectSafeForTerminal(const std::string& out) {
  EXPECT_FALSE(HasTerminalControl(out));
  for (const auto& line : Lines(out)) EXPECT_FALSE(LooksLikeCommand(line)) << line;
}

TEST(ForgedOutput, ConsoleShowsEscapesAsTextAndNoCommand) {
  for (Verbosity v : {Verbosity::kQuiet, Verbosity::kNormal, Verbosity::kVerbose}) {
    for (bool color : {false, true}) {
      std::string out = ConsoleReport(ForgedRun(), {color, v});
      if (!color) ExpectSafeForTerminal(out);
      for (const auto& line : Lines(out)) EXPECT_FALSE(LooksLikeCommand(line)) << line;
      EXPECT_THAT(out, HasSubstr("\\x1b[31mRED"));
      EXPECT_THAT(out, HasSubstr("\\n::error file=app.js"));
    }
  }
  // The stderr tail keeps its lines, each behind the gutter.
  std::string out = ConsoleReport(ForgedRun(), {});
  EXPECT_THAT(out, HasSubstr("      │ \\::error file=app.js,line=1::INJECTED\n"));
  EXPECT_THAT(out, HasSubstr("      │   \\::warning::INDENTED\n"));
}

TEST(ForgedOutput, AnnotationsAreOneCommandPerFailure) {
  std::string out = Annotations(ForgedRun());
  std::vector<std::string> lines = Lines(out);
  // The crashed scenario, its failed heap check, the failed listeners check: three commands.
  ASSERT_EQ(lines.size(), 3u) << out;
  for (const auto& line : lines) {
    EXPECT_TRUE(line.starts_with("::error file=scenarios/api.yaml,line=")) << line;
    EXPECT_EQ(line.find('\r'), std::string::npos);
    EXPECT_FALSE(HasTerminalControl(line)) << line;
  }
  EXPECT_THAT(out, HasSubstr("x%0A::error file=app.js"));
  std::string group = GroupStart(kForged);
  EXPECT_EQ(Lines(group).size(), 1u);
}

TEST(ForgedOutput, MarkdownKeepsForgedTextInsideCodeOrEscaped) {
  std::string md = MarkdownSummary(ForgedRun());
  EXPECT_FALSE(HasTerminalControl(md) && md.find('\x1b') != std::string::npos);
  // Outside fenced blocks nothing opens a tag or a link.
  std::string outside;
  bool in_fence = false;
  std::string fence;
  for (const auto& line : Lines(md)) {
    if (!in_fence && line.starts_with("```")) {
      fence = line.substr(0, line.find_first_not_of('`'));
      in_fence = true;
      continue;
    }
    if (in_fence && line == fence) {
      in_fence = false;
      continue;
    }
    if (!in_fence) outside += line + "\n";
  }
  EXPECT_FALSE(in_fence) << "a forged ``` closed a fence early";
  EXPECT_THAT(outside, Not(HasSubstr("<script")));
  EXPECT_THAT(outside, Not(HasSubstr("<img")));
  for (size_t at = outside.find("](http"); at != std::string::npos; at = outside.find("](", at + 1))
    EXPECT_TRUE(at > 0 && outside[at - 1] == '\\') << "an unescaped link: " << outside.substr(at);
  EXPECT_EQ(md.find('\x1b'), std::string::npos);
}

TEST(ForgedOutput, JunitIsWellFormedAndCarriesTheTextAsText) {
  std::string xml = JunitXml(ForgedRun());
  tinyxml2::XMLDocument doc;
  ASSERT_EQ(doc.Parse(xml.c_str(), xml.size()), tinyxml2::XML_SUCCESS) << doc.ErrorStr();
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
  EXPECT_THAT(xml, Not(HasSubstr("<script")));
  EXPECT_THAT(xml, HasSubstr("&lt;script&gt;"));
}

TEST(ForgedOutput, HtmlHasNoMarkupFromTheAppAndNoLinkOut) {
  HtmlOptions links = HtmlOptionsFrom("https://github.com", "acme/api", "0123456789abcdef", "/w");
  for (const HtmlOptions& o : {HtmlOptions{}, links}) {
    std::string html = HtmlReport(ForgedRun(), o);
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, Not(HasSubstr("<img")));
    EXPECT_THAT(html, Not(HasSubstr("evil.example\"")));
    EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
    EXPECT_EQ(html.find('\x1b'), std::string::npos);
    // Every link goes to the repository (or an anchor in the page).
    size_t at = 0;
    while ((at = html.find("href=\"", at)) != std::string::npos) {
      at += 6;
      std::string target = html.substr(at, html.find('"', at) - at);
      EXPECT_TRUE(target.starts_with("#") ||
                  target.starts_with("https://github.com/acme/api/blob/0123456789abcdef/"))
          << target;
    }
  }
}

TEST(ForgedOutput, AnalyzeAndDiffOfTheNewlineSnapshotPrintNoCommand) {
  const std::string path =
      std::string(LEAKCHECK_FIXTURES_DIR) + "/security/newline-in-edge-name.heapsnapshot";
  snapshot::HeapGraph g = snapshot::ReadSnapshotFile(path);
  std::string summary = SummaryText(analysis::Summarize(g, path, {}));
  EXPECT_THAT(summary, HasSubstr("::error file=app.js"));  // the name is shown…
  ExpectSafeForTerminal(summary);                          // …as text
  snapshot::HeapGraph g2 = snapshot::ReadSnapshotFile(path);
  ExpectSafeForTerminal(DiffText(analysis::DiffSnapshots(g, g2), 20));
}

}  // namespace
}  // namespace leakcheck::reporters
