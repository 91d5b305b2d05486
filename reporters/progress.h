#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "harness/run/result.h"

/// Live progress while `leakcheck run` works. The pipeline calls one ProgressReporter; on a
/// terminal it redraws one status line, elsewhere (CI logs, pipes) it prints plain lines at
/// phase changes, checkpoints and every 10% of a phase. Output goes to the FILE* given, so
/// tests can read it back; nothing here reads clocks (the caller decides how often to call).
namespace leakcheck::reporters {

/// A moment of a phase, as the pipeline knows it.
struct ProgressUpdate {
  std::string scenario;
  std::string phase;               ///< "startup", "warmup", "load", "gc", "snapshot", "analysis"
  int64_t done = 0;                ///< iterations (or snapshot bytes, …) done in this phase
  int64_t total = 0;               ///< 0 when unknown (duration-based runs, startup)
  double requests_per_second = 0;  ///< 0 when not applicable
  double heap_used = -1;           ///< last known post-GC heapUsed in bytes; < 0 when unknown
};

class ProgressReporter {
 public:
  virtual ~ProgressReporter() = default;
  /// A new phase of a scenario starts ("warmup", "load", …); `detail` is optional context.
  virtual void Phase(const std::string& scenario, const std::string& phase,
                     const std::string& detail) = 0;
  /// Work advanced within the current phase.
  virtual void Progress(const ProgressUpdate& update) = 0;
  /// A checkpoint was measured (`index` of `count`, 1-based).
  virtual void Checkpoint(const std::string& scenario, int index, int count,
                          const run::CheckpointSample& sample) = 0;
  /// Clears any live line so that what follows (the report) starts on a clean line.
  virtual void Finish() = 0;
};

/// One redrawn line ("\r\x1b[2K…"): scenario, phase, a bar, done/total, req/s, heap.
/// Phases and checkpoints are kept as permanent lines above it. `width` is the terminal width.
std::unique_ptr<ProgressReporter> MakeTtyProgress(FILE* out, int width = 100);

/// Plain lines for logs: one per phase, per checkpoint, and per 10% of a phase's total.
std::unique_ptr<ProgressReporter> MakePlainProgress(FILE* out);

/// MakeTtyProgress when `out` is a terminal (and TERM is not "dumb"), otherwise MakePlainProgress.
std::unique_ptr<ProgressReporter> MakeProgress(FILE* out);

/// Prints nothing (for `--json` to stdout with no stderr chatter, and for tests).
std::unique_ptr<ProgressReporter> MakeSilentProgress();

}  // namespace leakcheck::reporters
