#include <cmath>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reporters/html_chart.h"
#include "reporters/html_report.h"
#include "reporters/markdown_summary.h"
#include "reporters/values.h"
#include "tests/support/sample_results.h"

namespace leakcheck::reporters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(HtmlChart, NiceTicksCoverTheRangeInEvenRoundSteps) {
  for (auto [lo, hi] :
       {std::pair{0.0, 3000.0}, {8.3e6, 1.57e7}, {-2.5, 7.25}, {0.001, 0.0042}, {1.0, 1e9}}) {
    std::vector<double> t = NiceTicks(lo, hi, 5);
    ASSERT_GE(t.size(), 2u);
    EXPECT_LE(t.size(), 8u);
    EXPECT_LE(t.front(), lo);
    EXPECT_GE(t.back(), hi - 1e-9 * (hi - lo));
    double step = t[1] - t[0];
    double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
    EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-6 || std::fabs(mantissa - 2) < 1e-6 ||
                std::fabs(mantissa - 5) < 1e-6)
        << step;
    for (size_t i = 1; i < t.size(); ++i) EXPECT_NEAR(t[i] - t[i - 1], step, step * 1e-6);
  }
  EXPECT_EQ(NiceTicks(4, 4).size(), 1u);
}

// The y pixel of each point of the first polyline.
std::vector<double> PolylineY(const std::string& svg) {
  size_t at = svg.find("points=\"", svg.find("<polyline"));
  std::string pts = svg.substr(at + 8, svg.find('"', at + 8) - at - 8);
  std::vector<double> ys;
  for (size_t comma = pts.find(','); comma != std::string::npos; comma = pts.find(',', comma + 1))
    ys.push_back(std::stod(pts.substr(comma + 1)));
  return ys;
}

TEST(HtmlChart, DrawsEachSeriesWithHigherValuesHigherUp) {
  SvgChartSpec spec;
  spec.series.push_back({"heap", "heap", {0, 100, 200, 300}, {10, 30, 20, 40}, true});
  spec.series.push_back({"limit", "limit", {0, 300}, {10, 12}, false});
  spec.marks = {0, 300};
  std::string svg = SvgLineChart(spec);
  EXPECT_THAT(svg, HasSubstr("data-series=\"2\" data-points=\"4\""));
  EXPECT_EQ(Count(svg, "<polyline"), 2u);
  EXPECT_EQ(Count(svg, "<circle class=\"point heap\""), 4u);
  EXPECT_EQ(Count(svg, "<line class=\"mark\""), 2u);
  std::vector<double> y = PolylineY(svg);
  ASSERT_EQ(y.size(), 4u);
  EXPECT_GT(y[0], y[2]);  // 10 is drawn below 20
  EXPECT_GT(y[2], y[1]);  // 20 below 30
  EXPECT_GT(y[1], y[3]);  // 30 below 40
  for (double v : y) {
    EXPECT_GE(v, 0);
    EXPECT_LE(v, spec.height);
  }
  EXPECT_EQ(SvgLineChart({}), "");
  // Byte ticks are round in MiB, not in decimal bytes.
  SvgChartSpec mib;
  mib.series.push_back({"heap", "heap", {0, 3000}, {6.5 * 1048576, 14.2 * 1048576}, true});
  std::string mib_svg = SvgLineChart(mib);
  EXPECT_THAT(mib_svg, HasSubstr(">10.0 MiB</text>"));
  EXPECT_THAT(mib_svg, Not(HasSubstr("4.77 MiB")));
  mib.series[0].y = {3.7 * 1048576, 4.9 * 1048576};  // under 8 MiB: still MiB, not KiB
  EXPECT_THAT(SvgLineChart(mib), HasSubstr(">4.00 MiB</text>"));
  EXPECT_THAT(SvgLineChart(mib), Not(HasSubstr("KiB</text>")));
  SvgChartSpec one;
  one.series.push_back({"one point", "heap", {1}, {1}, true});
  EXPECT_EQ(SvgLineChart(one), "");
}

TEST(HtmlChart, HeapChartDrawsTheCheckSlopeThroughTheMeanAndTheLimitFromTheStart) {
  run::ScenarioResult s = testing::LeakingRun().scenarios[0];
  HeapChart c = HeapChartOf(s);
  ASSERT_EQ(c.x.size(), s.checkpoints.size());
  ASSERT_TRUE(c.has_slope);
  EXPECT_TRUE(c.failed);
  const run::CheckResult& heap = s.checks[0];
  EXPECT_NEAR((c.fit_last - c.fit_first) / (c.x.back() - c.x.front()), heap.measured, 1e-9);
  EXPECT_NEAR((c.limit_last - c.limit_first) / (c.x.back() - c.x.front()), heap.limit, 1e-9);
  EXPECT_EQ(c.limit_first, c.heap.front());
  double mean = 0;
  for (double v : c.heap) mean += v / static_cast<double>(c.heap.size());
  EXPECT_NEAR((c.fit_first + c.fit_last) / 2, mean, 1e-6);  // x is evenly spaced here
  EXPECT_EQ(std::count(c.snapshot.begin(), c.snapshot.end(), true), 2);
}

TEST(HtmlReport, LeakingRunHasChartVerdictEvidenceAndNoOutsideResource) {
  std::string html = HtmlReport(testing::LeakingRun());
  EXPECT_TRUE(html.starts_with("<!doctype html>"));
  EXPECT_THAT(html, HasSubstr("Content-Security-Policy\" content=\"default-src 'none'"));
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 2u);
  EXPECT_EQ(Count(html, "<tr class=\"status-"), 7u);  // every check of both scenarios
  EXPECT_THAT(html, HasSubstr("class=\"series fit\""));
  EXPECT_THAT(html, HasSubstr("class=\"series limit\""));
  EXPECT_THAT(html, HasSubstr("culprit: <code>User</code>"));
  EXPECT_THAT(html, HasSubstr("<li>Map &quot;userCache&quot;</li>"));
  EXPECT_THAT(html, HasSubstr("<h4>Allocation sites</h4>"));
  EXPECT_THAT(html, HasSubstr("subscribe &lt;events&gt; &amp; &quot;notify&quot;"));
  // Self-contained: nothing to load.
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
}

TEST(HtmlReport, CrashShowsTheStderrTailOpen) {
  std::string html = HtmlReport(testing::CrashingRun());
  EXPECT_THAT(html, HasSubstr("<details open><summary>App stderr (last lines)"));
  EXPECT_THAT(html, HasSubstr("Error: Cannot find module &#39;expresss&#39;"));
  EXPECT_THAT(html, HasSubstr("No chart: fewer than two checkpoints."));
}

TEST(HtmlReport, BaselineColumnWhenCompared) {
  run::RunResult r = testing::LeakingRun();
  r.baseline_file = "main/results.json";
  r.scenarios[0].checks[0].baseline_measured = 100;
  std::string html = HtmlReport(r);
  EXPECT_THAT(html, HasSubstr("<th>baseline</th>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">100 B/iteration</td>"));
  EXPECT_THAT(HtmlReport(testing::LeakingRun()), Not(HasSubstr("<th>baseline</th>")));
}

TEST(HtmlReport, SourceLinksOnlyFromWellFormedGithubVariables) {
  HtmlOptions o = HtmlOptionsFrom("https://github.com/", "acme/api", "3f2c9a1b", "/home/runner/w");
  EXPECT_EQ(o.blob_base, "https://github.com/acme/api/blob/3f2c9a1b/");
  EXPECT_EQ(SourceLink(o, "apps/api/server.js", 42),
            "https://github.com/acme/api/blob/3f2c9a1b/apps/api/server.js#L42");
  EXPECT_EQ(SourceLink(o, "file:///home/runner/w/app/my file.js", 3),
            "https://github.com/acme/api/blob/3f2c9a1b/app/my%20file.js#L3");
  EXPECT_EQ(SourceLink(o, "/etc/passwd", 1), "");
  EXPECT_EQ(SourceLink(o, "node:internal/timers", 1), "");
  EXPECT_EQ(SourceLink(o, "../outside.js", 1), "");
  EXPECT_EQ(SourceLink(o, "https://evil.example/x.js", 1), "");
  for (auto [server, repo, sha] : {std::tuple{"javascript:alert(1)", "acme/api", "3f2c9a1b"},
                                   {"https://github.com", "acme/api\"><x", "3f2c9a1b"},
                                   {"https://github.com", "acme", "3f2c9a1b"},
                                   {"https://github.com", "acme/api", "main"},
                                   {"https://github.com?x=1", "acme/api", "3f2c9a1b"}})
    EXPECT_EQ(HtmlOptionsFrom(server, repo, sha, nullptr).blob_base, "") << server << repo << sha;
  EXPECT_EQ(HtmlOptionsFrom(nullptr, "acme/api", "3f2c9a1b", nullptr).blob_base, "");
  std::string html = HtmlReport(testing::LeakingRun(), o);
  EXPECT_THAT(html, HasSubstr("<a href=\"https://github.com/acme/api/blob/3f2c9a1b/apps/api/"
                              "server.js#L42\"><code>apps/api/server.js:42</code></a>"));
}

TEST(MarkdownSummary, HasAMermaidHeapChartAndTheCheckpointTable) {
  std::string md = MarkdownSummary(testing::LeakingRun());
  EXPECT_EQ(Count(md, "```mermaid\nxychart-beta\n"), 2u);
  EXPECT_THAT(md,
              HasSubstr("  title \"create-and-read-user - post-GC heap (MiB) over iterations\""));
  EXPECT_THAT(md, HasSubstr("  title \"subscribe _events_ _ _notify_ - post-GC heap"));
  EXPECT_THAT(md, HasSubstr("x-axis \"iterations (● heap snapshot)\" [\"0 ●\", \"1250\""));
  EXPECT_THAT(md, HasSubstr("| iteration | heap used | V8 code | external | array buffers |"));
}

}  // namespace
}  // namespace leakcheck::reporters
