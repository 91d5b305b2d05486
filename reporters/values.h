#pragma once

#include <string>
#include <string_view>

#include "harness/common/format.h"
#include "harness/run/result.h"

/// Small pieces every run reporter shares, so the console, JUnit, Markdown and GitHub renderings
/// say the same thing the same way. Nothing here computes a verdict; it only formats.
namespace leakcheck::reporters {

/// A measured value in its unit (harness/common/format.h, shared with run/baseline.cc).
using leakcheck::FormatMeasured;

/// "measured vs limit", the one-line comparison the JUnit failure message and annotations use:
/// "1.20 KiB/iteration > limit 64 B/iteration".
std::string MeasuredVsLimit(const run::CheckResult& check);

/// Replaces invalid UTF-8 with U+FFFD and drops the control characters XML 1.0 forbids
/// (everything below 0x20 but \t \n \r, and U+FFFE/U+FFFF) and DEL; the rest is kept as it is.
std::string CleanText(std::string_view s);

/// A copy of the result with CleanText applied to every string, so that no escape sequence or
/// control character from the app (stderr tails, class names) reaches a terminal or a log.
run::RunResult Sanitized(const run::RunResult& r);

/// Writes (or, with `append`, appends) `text` to `path`; throws HarnessError(stage, "PATH: cannot
/// write") when it cannot. The one file-writing helper of the reporters.
void WriteTextFile(const std::string& path, std::string_view text, const char* stage,
                   bool append = false);

/// "scenarios/api.yaml:31" (file alone when the line is unknown, "" when both are).
std::string FormatLocation(const run::SourceLocation& loc);

/// How many checks of each kind a scenario or run has.
struct CheckCounts {
  int passed = 0, failed = 0, allowed = 0, skipped = 0;
  int errors = 0;  ///< scenarios whose run failed (infrastructure_error)
  int Total() const { return passed + failed + allowed + skipped; }
};
CheckCounts CountChecks(const run::ScenarioResult& s);
CheckCounts CountChecks(const run::RunResult& r);

/// The run's outcome word: "passed", "failed" (a leak check failed), "error" (a scenario's
/// run failed) or "interrupted"; the same precedence as RunResult::ExitCode().
std::string_view Outcome(const run::RunResult& r);

/// One line for one piece of evidence: "retainer path: (GC roots) → … → Map \"userCache\"".
std::string EvidenceLine(const run::Evidence& e);

}  // namespace leakcheck::reporters
