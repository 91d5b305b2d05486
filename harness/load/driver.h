#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "harness/config/scenario.h"
#include "harness/load/stats.h"

namespace leakcheck::load {

/// Overrides of what the scenario says (for `leakcheck load` and tests).
struct DriverOptions {
  int concurrency = 0;                ///< virtual users; 0 = the scenario's run.concurrency
  std::optional<double> rate;         ///< iterations/s; unset = the scenario's run.rate
  bool ignore_scenario_rate = false;  ///< run unpaced even when the scenario sets a rate
  uint64_t seed = 0x5eed;             ///< for $randomInt, $randomString and $uuid
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

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakcheck::load
