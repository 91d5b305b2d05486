#pragma once

#include <cstdint>
#include <string>

#include "harness/run/result.h"

/// What the pipeline tells about its progress while `leakcheck run` works. The pipeline calls
/// this interface; reporters/progress.h implements it (a redrawn terminal line, plain log
/// lines, silence), so run/ never depends on a reporter.
namespace leakcheck::run {

/// A moment of a phase, as the pipeline knows it.
struct ProgressUpdate {
  std::string scenario;
  std::string phase;               ///< "startup", "warmup", "load", "gc", "snapshot", "analysis"
  int64_t done = 0;                ///< iterations (or snapshot bytes, …) done in this phase
  int64_t total = 0;               ///< 0 when unknown (duration-based runs, startup)
  double requests_per_second = 0;  ///< 0 when not applicable
  double heap_used = -1;           ///< last known post-GC heapUsed in bytes; < 0 when unknown
};

/// Receives the pipeline's progress. Calls come from the one thread that runs the scenarios.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  /// A new phase of a scenario starts ("warmup", "load", …); `detail` is optional context.
  virtual void Phase(const std::string& scenario, const std::string& phase,
                     const std::string& detail) = 0;
  /// Work advanced within the current phase.
  virtual void Progress(const ProgressUpdate& update) = 0;
  /// A checkpoint was measured (`index` of `count`; the baseline is index 0).
  virtual void Checkpoint(const std::string& scenario, int index, int count,
                          const CheckpointSample& sample) = 0;
};

}  // namespace leakcheck::run
