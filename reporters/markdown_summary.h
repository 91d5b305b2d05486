#pragma once

#include <cstddef>
#include <string>

#include "harness/run/result.h"

/// The Markdown job summary ($GITHUB_STEP_SUMMARY; also readable as a PR comment): a verdict
/// line, a table of scenarios, per scenario a table of checks, and each failure's evidence in
/// a collapsible <details> block.
namespace leakcheck::reporters {

/// GitHub refuses a step summary over 1 MiB; we stay well under it by default.
inline constexpr size_t kMaxSummaryBytes = 1000 * 1000;

/// The summary, at most `max_bytes` long: when the evidence does not fit, later evidence is
/// left out (whole lines, never a cut UTF-8 sequence) and a note says how much and where to
/// find it (results.json / the JUnit report).
std::string MarkdownSummary(const run::RunResult& r, size_t max_bytes = kMaxSummaryBytes);

}  // namespace leakcheck::reporters
