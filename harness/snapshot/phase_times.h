#pragma once

#include <sys/resource.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace leakcheck::snapshot {

/// Wall-clock time of each phase of reading and analysing a snapshot, for `analyze --timings`
/// and the benchmarks (never in a pass/fail test). A phase ends at `Mark(name)`: its time is
/// what passed since the previous mark (or since construction).
class PhaseTimes {
 public:
  PhaseTimes() : last_(std::chrono::steady_clock::now()) {}

  /// Ends the current phase and records it as `name`, with the process's peak RSS so far.
  void Mark(std::string name) {
    const auto now = std::chrono::steady_clock::now();
    phases_.emplace_back(std::move(name),
                         std::chrono::duration<double, std::milli>(now - last_).count());
    struct rusage usage {};
    peak_kib_.push_back(::getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_maxrss : 0);
    last_ = now;
  }

  /// The phases in order: name and milliseconds.
  const std::vector<std::pair<std::string, double>>& Phases() const { return phases_; }
  /// The process's peak RSS in KiB at the end of each phase (getrusage's ru_maxrss).
  const std::vector<long>& PeakKib() const { return peak_kib_; }

 private:
  std::chrono::steady_clock::time_point last_;
  std::vector<std::pair<std::string, double>> phases_;
  std::vector<long> peak_kib_;
};

/// Marks a phase on `times` when there is one (the hot paths take a nullable pointer).
inline void MarkPhase(PhaseTimes* times, const char* name) {
  if (times) times->Mark(name);
}

}  // namespace leakcheck::snapshot
