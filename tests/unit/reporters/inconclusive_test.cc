// An inconclusive check and an extended run are visible in every report (docs/verdicts.md
// "Inconclusive", "Extension"): console, JUnit, Markdown, annotations, report.html.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reporters/console_report.h"
#include "reporters/github.h"
#include "reporters/html_report.h"
#include "reporters/junit_report.h"
#include "reporters/markdown_summary.h"
#include "tests/support/sample_results.h"

namespace leakcheck::reporters {
namespace {

using ::testing::HasSubstr;

run::RunResult InconclusiveRun() {
  run::RunResult r = leakcheck::testing::PassingRun();
  run::CheckResult& heap = r.scenarios[0].checks[0];
  heap.status = run::CheckStatus::kInconclusive;
  heap.inconclusive_reason = "the windows disagree: R² 0.10, still after 2 extensions of the run";
  r.scenarios[0].extensions = {"heap_per_iteration: near its limit: 110 B/iteration against 128 B",
                               "heap_per_iteration: the windows disagree"};
  return r;
}

TEST(Inconclusive, ConsoleShowsTheStatusTheReasonAndTheExtensions) {
  const std::string out = ConsoleReport(InconclusiveRun(), {});
  EXPECT_THAT(out, HasSubstr("INCONCLUSIVE  heap_per_iteration"));
  EXPECT_THAT(out, HasSubstr("inconclusive: heap_per_iteration: the windows disagree"));
  EXPECT_THAT(out, HasSubstr("extended the run (1 of at most 2): heap_per_iteration: near"));
  EXPECT_THAT(out, HasSubstr("PASSED: 5 checks in 1 scenario, 1 allowed, 1 skipped, 1 "
                             "inconclusive (counted as pass)"));
}

TEST(Inconclusive, JunitMarksItSkippedWithTheReasonAndRecordsExtensions) {
  const std::string xml = JunitXml(InconclusiveRun());
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"inconclusive: the windows disagree"));
  EXPECT_THAT(xml, HasSubstr("name=\"leakcheck.extension.1\""));
  EXPECT_THAT(xml, HasSubstr("name=\"leakcheck.inconclusive\""));
}

TEST(Inconclusive, MarkdownHtmlAndAnnotationsShowIt) {
  const run::RunResult r = InconclusiveRun();
  const std::string md = MarkdownSummary(r);
  EXPECT_THAT(md, HasSubstr("❔ inconclusive"));
  EXPECT_THAT(md, HasSubstr("1 inconclusive (counted as pass)"));
  EXPECT_THAT(md, HasSubstr("- extended the run (2 of at most 2)"));
  const std::string html = HtmlReport(r);
  EXPECT_THAT(html, HasSubstr("status-inconclusive"));
  EXPECT_THAT(html, HasSubstr("Extended the run (1 of at most 2)"));
  EXPECT_THAT(Annotations(r), HasSubstr("::warning"));
  EXPECT_THAT(Annotations(r), HasSubstr("heap_per_iteration inconclusive"));
}

}  // namespace
}  // namespace leakcheck::reporters
