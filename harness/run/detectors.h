#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/analysis/diff.h"
#include "harness/analysis/growth_shape.h"
#include "harness/analysis/paths.h"
#include "harness/cdp/collection_adders.h"
#include "harness/config/detectors.h"
#include "harness/run/result.h"
#include "harness/snapshot/heap_graph.h"

/// The leak detectors of DESIGN.md. Each turns measurements taken during a scenario run into a
/// CheckResult: the measured value, the limit, and evidence naming the culprit. They are pure
/// functions of their inputs, so each is unit-tested on hand-made data.
namespace leakcheck::run {

/// Limits per detector, in the detectors' report units (B/iteration, %, ...), indexed by
/// config::Detector: limits[i] belongs to config::kDetectorSpecs[i]. The defaults are the
/// registry's (harness/config/detectors.def); LimitsFor fills these from a scenario.
using DetectorLimits = std::array<double, config::kDetectorCount>;

/// Report names of all detectors, in report order ("heap_per_iteration", ..., "http").
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
  std::string app_stderr;  ///< for MaxListenersExceededWarning and V8's out-of-memory error
  /// Set when the app died during the measured run: the iterations it had completed
  /// (scenario_run.cc's out-of-memory path); the samples and snapshots end there.
  std::optional<int64_t> app_died_at;
  /// What the watch of growing collections' adding calls recorded (cdp/collection_adders.h),
  /// one entry per watched collection id; empty when nothing was watched.
  std::vector<cdp::CollectionAdders> adders;

  /// The last snapshot's retainer paths and the first→last class diff, computed once on first
  /// use and shared by every detector (each is a full pass over a snapshot).
  const analysis::RetainerPaths& LastPaths() const;
  const analysis::SnapshotDiff& FirstToLastDiff() const;

 private:
  mutable std::shared_ptr<analysis::RetainerPaths> last_paths_;
  mutable std::shared_ptr<analysis::SnapshotDiff> diff_;
};

/// The least-squares fit the slope checks use (analysis/growth_shape.h).
using analysis::FitLine;
using analysis::LinearFit;

/// The check functions, one per registry entry (each named in detectors.def's `check`
/// column). `limit` is in the detector's report unit (`limit_percent` for http: 1 = 1%).
/// Each returns the check under its registry report name, in the registry's report unit (a
/// kSkipped check too: Skipped).
CheckResult CheckHeapPerIteration(const DetectorInput& in, double limit);
CheckResult CheckRetainedGrowth(const DetectorInput& in, double limit);
CheckResult CheckExternal(const DetectorInput& in, double limit);
CheckResult CheckHandles(const DetectorInput& in, double limit);
CheckResult CheckHttp(const DetectorInput& in, double limit_percent);
CheckResult CheckSurvivors(const DetectorInput& in, double limit);
CheckResult CheckCollections(const DetectorInput& in, double limit);
CheckResult CheckListeners(const DetectorInput& in, double limit);
CheckResult CheckClosures(const DetectorInput& in, double limit);
// detectors_process.cc: what /proc and process.memoryUsage() say of the app's process.
CheckResult CheckFds(const DetectorInput& in, double limit);
CheckResult CheckSockets(const DetectorInput& in, double limit);
CheckResult CheckRss(const DetectorInput& in, double limit);
CheckResult CheckHeapLimit(const DetectorInput& in, double limit_percent);

/// The check of registry detector `detector` (its report name) that could not run: status
/// kSkipped, `why` as its summary, `limit` as given, the unit the registry gives the detector
/// ("" for a name the registry does not know). Every detector skips through this one helper.
CheckResult Skipped(std::string detector, double limit, std::string why);

/// A check of the registry entry `detector` (its report name, config/detectors.def) in the
/// entry's report unit: failed when `measured` > `limit`, else passed; no summary yet.
CheckResult NewCheck(std::string detector, double measured, double limit);

/// A check function of the registry.
using CheckFunction = CheckResult (*)(const DetectorInput& in, double limit);

/// One registry entry: the declarative spec and the function that checks it.
struct DetectorEntry {
  const config::DetectorSpec* spec;
  CheckFunction check;
};

/// The registry (harness/config/detectors.def), in report order: Registry()[i].spec is
/// config::kDetectorSpecs[i].
std::span<const DetectorEntry> Registry();

/// Runs every detector of the registry, in order, with limits[i] for entry i. Snapshot-based
/// detectors are skipped (status kSkipped) without snapshots.
std::vector<CheckResult> RunDetectors(const DetectorInput& in, const DetectorLimits& limits);

}  // namespace leakcheck::run
