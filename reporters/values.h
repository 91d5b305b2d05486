#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/common/format.h"
#include "harness/run/result.h"
#include "reporters/escape.h"

/// Small pieces every run reporter shares, so the console, JUnit, Markdown and GitHub renderings
/// say the same thing the same way. Nothing here computes a verdict; it only formats.
namespace leakcheck::reporters {

/// A measured value in its unit (harness/common/format.h, shared with run/baseline.cc).
using leakcheck::FormatMeasured;

/// "measured vs limit", the one-line comparison the JUnit failure message and annotations use:
/// "1.20 KiB/iteration > limit 64 B/iteration".
std::string MeasuredVsLimit(const run::CheckResult& check);

/// A copy of the result for a terminal: TerminalText (escape.h) applied to every one-line
/// string, so that no escape sequence, control character or workflow command from the app
/// (class names, paths, messages) reaches a terminal or a CI log. The app's stderr tail is left
/// as it is: it is multi-line, and goes through TerminalBlock where it is printed.
run::RunResult ForTerminal(const run::RunResult& r);

/// Writes (or, with `append`, appends) `text` to `path`; throws HarnessError(stage, "PATH: cannot
/// write") when it cannot. The one file-writing helper of the reporters.
void WriteTextFile(const std::string& path, std::string_view text, const char* stage,
                   bool append = false);

/// "scenarios/api.yaml:31" (file alone when the line is unknown, "" when both are).
std::string FormatLocation(const run::SourceLocation& loc);

/// How many checks of each kind a scenario or run has.
struct CheckCounts {
  int passed = 0, failed = 0, allowed = 0, skipped = 0;
  int inconclusive = 0;  ///< checks that could not decide (docs/verdicts.md)
  int errors = 0;        ///< scenarios whose run failed (infrastructure_error)
  int Total() const { return passed + failed + allowed + skipped + inconclusive; }
};
CheckCounts CountChecks(const run::ScenarioResult& s);
CheckCounts CountChecks(const run::RunResult& r);

/// The run's outcome word: "passed", "failed" (a leak check failed), "error" (a scenario's
/// run failed) or "interrupted"; the same precedence as RunResult::ExitCode().
std::string_view Outcome(const run::RunResult& r);

/// One line for one piece of evidence: "retainer path: (GC roots) → … → Map \"userCache\"".
std::string EvidenceLine(const run::Evidence& e);

/// What the heap charts (HTML, Mermaid, console sparkline) draw for one scenario, read from the
/// result alone. x = iterations completed at each checkpoint; `heap` = post-GC heapUsed less V8's
/// code spaces (the series heap_per_iteration fits); `external` = post-GC external memory.
/// The lines are drawn, not fitted again: `fit` has the heap_per_iteration check's measured
/// slope and passes through the mean point of `heap` (where a least-squares line passes); `limit`
/// starts at the first sample and rises at the threshold's slope: above it is a failure.
struct HeapChart {
  std::vector<double> x, heap, external;   ///< bytes, one per checkpoint
  std::vector<bool> snapshot;              ///< a heap snapshot was taken at this checkpoint
  bool has_slope = false;                  ///< the scenario has a heap_per_iteration check
  double fit_first = 0, fit_last = 0;      ///< the fitted line at x.front() and x.back()
  double limit_first = 0, limit_last = 0;  ///< the limit line at x.front() and x.back()
  bool failed = false;                     ///< heap_per_iteration failed
};

/// The chart of a scenario; empty `x` when it has fewer than two checkpoints.
HeapChart HeapChartOf(const run::ScenarioResult& s);

}  // namespace leakcheck::reporters
