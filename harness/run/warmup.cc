#include "harness/run/warmup.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/common/format.h"
#include "harness/common/interrupt.h"

namespace leakcheck::run {

using Clock = std::chrono::steady_clock;

namespace {

double Tolerance(double last) { return std::max(kWarmupSettleBytes, kWarmupSettleShare * last); }

}  // namespace

std::string SettledReason(const std::vector<double>& readings) {
  const auto k = static_cast<size_t>(kWarmupSettleReadings);
  if (readings.size() < k) return "";
  const auto first = readings.end() - static_cast<std::ptrdiff_t>(k);
  const auto [lo, hi] = std::minmax_element(first, readings.end());
  const double spread = *hi - *lo;
  const double tolerance = Tolerance(readings.back());
  if (spread > tolerance) return "";
  return fmt::format("the last {} post-GC readings lie within {} (tolerance {})", k,
                     FormatBytes(spread), FormatBytes(tolerance));
}

int64_t WarmupBatchIterations(const config::Scenario& scenario) {
  if (!scenario.run.rate) return kWarmupBatchIterations;
  const auto paced = static_cast<int64_t>(std::llround(scenario.run.rate->value * 5));
  return std::clamp<int64_t>(paced, 10, kWarmupBatchIterations);
}

bool WarmupSettles(const config::Scenario& scenario) {
  return !scenario.warmup.iterations.IsSet() && !scenario.warmup.duration;
}

load::Stats RunWarmup(const config::Scenario& scenario, Traffic& traffic, Inspector& inspector,
                      const App& app, WarmupEnd& end) {
  const auto check_app = [&] {
    if (auto exit = app.DescribeExit(std::chrono::milliseconds(0)))
      throw HarnessError("load: warmup", *exit);
  };
  const auto& warm = scenario.warmup;
  if (!WarmupSettles(scenario)) {
    load::Stats stats = warm.duration ? traffic.RunFor(warm.duration->value)
                                      : traffic.RunIterations(warm.iterations.value);
    check_app();
    end.stopped = warm.duration ? "duration" : "count";
    end.reason =
        warm.duration ? "the scenario's `warmup: duration`" : "the scenario's `warmup: iterations`";
    return stats;
  }
  // Settle mode: batches, each followed by a cheap post-GC reading (no snapshot).
  load::Stats total;
  const int64_t batch_size = WarmupBatchIterations(scenario);
  const auto start = Clock::now();
  for (int batch = 1;; ++batch) {
    if (InterruptRequested()) throw HarnessError("interrupted", "interrupted during warmup");
    total.Merge(traffic.RunIterations(batch_size));
    check_app();
    cdp::CheckpointOptions cp;
    cp.label = fmt::format("warmup-{}", batch);
    cp.gc_rounds = kWarmupGcRounds;
    cp.app_pid = app.pid();
    const cdp::Measurement m = inspector.TakeCheckpoint(cp);
    end.readings.push_back(static_cast<double>(m.heap_used - m.code));
    const int64_t done = total.iterations;
    if (done >= kWarmupMinIterations) {
      if (std::string why = SettledReason(end.readings); !why.empty()) {
        end.stopped = "settled";
        end.reason =
            fmt::format("post-GC heap settled after {} iterations: {}", FormatCount(done), why);
        return total;
      }
    }
    // The cap wins over the minimum: a paced scenario (`rate: 2/s`) stops at 60 s.
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (done >= kWarmupMaxIterations || seconds >= kWarmupMaxSeconds) {
      const auto k = std::min(end.readings.size(), static_cast<size_t>(kWarmupSettleReadings));
      const auto [lo, hi] = std::minmax_element(end.readings.end() - static_cast<std::ptrdiff_t>(k),
                                                end.readings.end());
      end.stopped = "cap";
      end.reason = fmt::format(
          "post-GC heap still changing at the cap ({} iterations{}): the last {} readings span "
          "{} (tolerance {}); measuring anyway",
          FormatCount(done),
          done >= kWarmupMaxIterations ? "" : fmt::format(", {:.0f} s", kWarmupMaxSeconds), k,
          FormatBytes(*hi - *lo), FormatBytes(Tolerance(end.readings.back())));
      return total;
    }
  }
}

}  // namespace leakcheck::run
