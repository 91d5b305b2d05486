#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/analysis/diff.h"
#include "harness/analysis/paths.h"
#include "harness/run/result.h"
#include "harness/snapshot/heap_graph.h"

/// The leak detectors of DESIGN.md. Each turns measurements taken during a scenario run into a
/// CheckResult: the measured value, the limit, and evidence naming the culprit. They are pure
/// functions of their inputs, so each is unit-tested on hand-made data.
namespace leakcheck::run {

/// Limits per detector, in the detectors' units. The defaults live in one place,
/// config::DefaultThresholds() (documented in docs/scenarios.md); the pipeline fills these
/// from the scenario's thresholds.
struct DetectorLimits {
  double heap_per_iteration = 0;  ///< B/iteration, post-GC heapUsed slope (less V8 code/metadata)
  double retained_growth = 0;     ///< B, last checkpoint minus baseline
  double survivors = 0;           ///< surviving app objects per iteration
  double collections = 0;         ///< entries per iteration added to one collection
  double listeners = 0;           ///< listeners added over the run (any one emitter/event)
  double handles = 0;             ///< active handles/resources added over the run
  double external = 0;            ///< B/iteration, post-GC external slope
  double closures = 0;            ///< new closures from one source location, per iteration
  double http_errors = 0;         ///< % of requests that failed or broke an expectation
};

/// Names of all detectors, in report order.
const std::vector<std::string>& DetectorNames();

/// A snapshot taken at a checkpoint, with the iteration count at that moment.
struct SnapshotPoint {
  const snapshot::HeapGraph* graph = nullptr;
  int64_t iteration = 0;
  std::string file;
};

struct DetectorInput {
  std::vector<CheckpointSample> samples;  ///< baseline first, then one per measured batch
  std::vector<SnapshotPoint> snapshots;   ///< 2 (baseline, final) or 3 (+ middle), in order
  LoadStats load;                         ///< the measured run (not the warm-up)
  int64_t failed_expectations = 0;
  std::string app_stderr;  ///< for MaxListenersExceededWarning

  /// The last snapshot's retainer paths and the first→last class diff, computed once on first
  /// use and shared by every detector (each is a full pass over a snapshot).
  const analysis::RetainerPaths& LastPaths() const;
  const analysis::SnapshotDiff& FirstToLastDiff() const;

 private:
  mutable std::shared_ptr<analysis::RetainerPaths> last_paths_;
  mutable std::shared_ptr<analysis::SnapshotDiff> diff_;
};

/// Least-squares line through (x, y): slope, intercept and R² (1 = perfect fit).
struct LinearFit {
  double slope = 0, intercept = 0, r2 = 0;
};
LinearFit FitLine(const std::vector<double>& x, const std::vector<double>& y);

CheckResult CheckHeapPerIteration(const DetectorInput& in, double limit);
CheckResult CheckRetainedGrowth(const DetectorInput& in, double limit);
CheckResult CheckExternal(const DetectorInput& in, double limit);
CheckResult CheckHandles(const DetectorInput& in, double limit);
CheckResult CheckHttp(const DetectorInput& in, double limit_percent);
CheckResult CheckSurvivors(const DetectorInput& in, double limit);
CheckResult CheckCollections(const DetectorInput& in, double limit);
CheckResult CheckListeners(const DetectorInput& in, double limit);
CheckResult CheckClosures(const DetectorInput& in, double limit);

/// Runs every detector. Snapshot-based detectors are skipped (status kSkipped) without snapshots.
std::vector<CheckResult> RunDetectors(const DetectorInput& in, const DetectorLimits& limits);

}  // namespace leakcheck::run
