#pragma once

#include <string>

#include "harness/run/result.h"

/// `leakcheck run --baseline main-results.json`: compares this run's measured values with a
/// previous run's (typically main's) and fails when a detector got worse by more than a margin.
/// Part of the verdict: a pure function on results, applied after the detectors and before
/// the reporters (run_command.cc reads the baseline file and calls it).
namespace leakcheck::run {

struct BaselineOptions {
  /// A detector fails the comparison when it rose by more than this, in percent.
  double margin_percent = 10;
  /// Rises are measured relative to max(|baseline|, noise_floor × limit), so a detector that
  /// measured ~0 on main does not fail for noise (0 → 3 B/iteration against a 64 B limit is
  /// 3 / 6.4 = 47%, not infinite). With no limit either, relative to 1 unit.
  double noise_floor = 0.1;
  std::string baseline_file;  ///< recorded in RunResult::baseline_file
  SourceLocation location;    ///< where the margin is configured; the scenario's when empty
};

/// For each scenario present in both runs (and run by both): sets baseline_measured on every
/// passed or failed check whose detector the baseline measured too, and appends (or replaces)
/// one check with detector "baseline", unit "%", measured = the largest rise among them,
/// limit = the margin, failed when a rise exceeds it (evidence: one note per detector that
/// rose too much; the scenario then counts as not passed). A scenario the baseline lacks, or
/// that failed to run on either side, gets a skipped "baseline" check saying why.
void ApplyBaseline(RunResult& current, const RunResult& baseline, const BaselineOptions& options);

/// The relative rise ApplyBaseline uses, in percent (negative when the value fell).
double RisePercent(double current, double baseline, double limit, double noise_floor);

}  // namespace leakcheck::run
