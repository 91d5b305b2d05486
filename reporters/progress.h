#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "harness/run/progress.h"

/// Live progress while `leakcheck run` works. The pipeline calls one run::ProgressSink; on a
/// terminal it redraws one status line, elsewhere (CI logs, pipes) it prints plain lines at
/// phase changes, checkpoints and every 10% of a phase. Output goes to the FILE* given, so
/// tests can read it back; nothing here reads clocks (the caller decides how often to call).
namespace leakcheck::reporters {

/// A moment of a phase (declared in run/, where the pipeline reports it).
using ProgressUpdate = run::ProgressUpdate;

/// Renders the pipeline's progress (run::ProgressSink) and ends it cleanly.
class ProgressReporter : public run::ProgressSink {
 public:
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
