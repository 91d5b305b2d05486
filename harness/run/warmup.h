#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/config/scenario.h"
#include "harness/run/result.h"
#include "harness/run/stages.h"

/// The warm-up (docs/verdicts.md "Warm-up"): with no `warmup:` in the scenario, traffic runs in
/// batches until the post-GC heap stops changing, between a minimum and a cap; a `warmup:`
/// count or duration is run exactly, as before.
namespace leakcheck::run {

/// The settle rule's constants. A reading is post-GC `heapUsed` less code space (bytes), the
/// series heap_per_iteration measures, taken after each batch with kWarmupGcRounds full GCs.
/// The heap has settled when the last kWarmupSettleReadings readings lie within
/// max(kWarmupSettleBytes, kWarmupSettleShare × the last reading) of each other (max − min).
/// At least kWarmupMinIterations run (the settle rule needs its readings), at most
/// kWarmupMaxIterations or kWarmupMaxSeconds of traffic, whichever comes first (the time cap
/// wins over the minimum).
inline constexpr int64_t kWarmupBatchIterations = 100;
inline constexpr int kWarmupSettleReadings = 3;
inline constexpr double kWarmupSettleBytes = 64.0 * 1024;
inline constexpr double kWarmupSettleShare = 0.01;
inline constexpr int64_t kWarmupMinIterations = 300;
inline constexpr int64_t kWarmupMaxIterations = 2000;
inline constexpr double kWarmupMaxSeconds = 60;
inline constexpr int kWarmupGcRounds = 2;

/// Iterations per warm-up batch: kWarmupBatchIterations, or for a paced scenario the
/// iterations of 5 s at its `rate`, at least 10 (`rate: 2/s` → 10), so that a slow scenario
/// still reads the heap often enough to stop near its settling point.
int64_t WarmupBatchIterations(const config::Scenario& scenario);

/// Whether the readings so far (bytes, oldest first) have settled by the rule above; empty
/// when not, else the sentence that says so ("the last 3 post-GC readings lie within 21 KiB
/// (tolerance 64 KiB)").
std::string SettledReason(const std::vector<double>& readings);

/// True when the scenario asks for the settle rule: no `warmup:` key (neither count nor
/// duration was written).
bool WarmupSettles(const config::Scenario& scenario);

/// Runs the scenario's warm-up on `traffic`, reading the heap through `inspector` between
/// batches in settle mode. Returns the warm-up's traffic; fills `end` (how it stopped, why,
/// the readings) and `seconds` (wall time of the traffic and readings). Throws what the
/// stages throw; HarnessError "load: warmup" when the app exits.
load::Stats RunWarmup(const config::Scenario& scenario, Traffic& traffic, Inspector& inspector,
                      const App& app, WarmupEnd& end);

}  // namespace leakcheck::run
