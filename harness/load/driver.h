#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/config/scenario.h"
#include "harness/load/stats.h"

namespace leakcheck::load {

/// Overrides of what the scenario says (for `leakcheck load` and tests).
struct DriverOptions {
  int concurrency = 0;                ///< virtual users; 0 = the scenario's run.concurrency
  std::optional<double> rate;         ///< iterations/s; unset = the scenario's run.rate
  bool ignore_scenario_rate = false;  ///< run unpaced even when the scenario sets a rate
  /// For $randomInt, $randomString and $uuid, and the choice of weighted flows.
  uint64_t seed = 0x5eed;
};

/// One weighted flow (`flows:`) and the iterations that ran it.
struct FlowShare {
  std::string name;
  int weight = 0;
  int64_t iterations = 0;
};

/// The HTTP/1.1 load driver: `concurrency` virtual users, each with one keep-alive connection,
/// run the scenario's flow iteration by iteration on one io_context thread (C++20 coroutines).
///
/// The driver works in batches: RunIterations(n) / RunFor(d) return only when the batch is
/// over, every virtual user is idle and nothing is in flight, so the caller can force GC and
/// measure the app in a quiet moment. Connections stay open between batches (idle ones the
/// server closed meanwhile are noticed and reopened). Iteration numbers ($iteration) continue
/// across batches. Not thread-safe: call it from one thread.
class Driver {
 public:
  /// Copies what it needs from `file` and `scenario`.
  Driver(const config::ScenarioFile& file, const config::Scenario& scenario,
         DriverOptions options = {});
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  /// Sets a harness variable templates can use, e.g. SetVariable("app.port", "41234"). The
  /// target URL is rendered (and resolved) at the next batch with these values.
  void SetVariable(std::string_view name, std::string value);
  /// Replaces the scenario's `target` (e.g. "http://127.0.0.1:8080/api").
  void SetTarget(std::string url);

  /// Runs exactly `n` iterations (n >= 0) and returns their stats.
  /// Throws HarnessError("load", ...) when the target is unusable (bad URL, unresolvable host);
  /// request failures are counted in the stats, never thrown.
  Stats RunIterations(int64_t n);
  /// Starts iterations for `duration`; iterations in progress at the end are completed.
  Stats RunFor(config::Duration duration);

  /// Everything since construction.
  const Stats& total() const;
  /// The next $iteration number to be handed out (= iterations started so far).
  int64_t next_iteration() const;
  /// The target as rendered for the last batch ("http://127.0.0.1:41234").
  const std::string& target() const;
  /// Closes every connection (the destructor does it too).
  void CloseConnections();

  /// Runs the file's `before:` flow once, by one virtual user, outside total() (empty Stats
  /// when there is none). Its captures become variables every virtual user sees afterwards.
  /// Throws like RunIterations; request failures are in the Stats.
  Stats RunBefore();
  /// The same for `after:`.
  Stats RunAfter();
  /// The scenario's weighted flows (`flows:`) with the iterations each ran so far; empty for a
  /// scenario with one `flow:`. Iteration i runs the flow a hash of (flow_seed(), i) picks, with
  /// probability weight / sum of weights: the same flows on every run with the same seed.
  std::vector<FlowShare> FlowShares() const;
  /// DriverOptions::seed.
  uint64_t flow_seed() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakcheck::load
