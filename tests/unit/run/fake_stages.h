#pragma once

// Scripted fakes of the pipeline's stages (harness/run/stages.h): an app, an inspector and the
// traffic that run in memory, log every call in order, and fail where the script says. The
// inspector writes small real heap snapshots, so analysis and the detectors run for real.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/run/stages.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::run::fakes {

/// What the fakes do, and what they saw. One Script is shared by every app, inspector and
/// traffic a FakeStages makes.
struct Script {
  /// Every call, in order: "check node", "start", "ready", "port", "connect", "warmup 100",
  /// "load 250", "checkpoint baseline +snapshot", "sampling on", "sampling off", "close", "stop".
  std::vector<std::string> log;
  int apps_made = 0;
  int checkpoints_taken = 0;
  /// The first N App::Start calls fail like node does when its port was taken.
  int eaddrinuse_starts = 0;
  /// CheckApp throws InputError when argv[0] is this.
  std::string unknown_executable = "no-such-node";
  /// Post-GC heap grows this many bytes per iteration (0: flat).
  double heap_per_iteration = 0;
  /// Post-GC heap growth over 10 MB at checkpoint n (0 = baseline), when n < size: a series of
  /// any shape (overrides heap_per_iteration).
  std::vector<double> heap_at;
  /// The `sessionCache` Map gains this many entries per checkpoint in the snapshots.
  int entries_per_checkpoint = 0;
  /// Failed requests per load batch (the http check).
  int64_t failed_per_batch = 0;
  /// Called before checkpoint number `n` (0 = baseline) is taken; may throw or interrupt.
  std::function<void(int n)> before_checkpoint;
  /// Called at the start of every RunIterations (the batch's size); may throw or interrupt.
  std::function<void(int64_t n)> before_batch;
  /// Post-GC heap over 10 MB at the n-th reading of a settling warm-up (0 = after the first
  /// batch; label "warmup-N"); the last value repeats past the end; empty: flat.
  std::vector<double> warmup_heap_at;
  /// Stop throws HarnessError (an app that would not stop).
  bool stop_fails = false;
  /// What App::Processes returns (empty: a single-process app, measured through Connect).
  std::vector<process::NodeProcess> processes;
  /// Post-GC heap growth per iteration of the process with this pid (ConnectTo sessions only).
  std::map<int, double> heap_per_iteration_of;
  /// ConnectTo fails for this pid.
  int unreachable_pid = 0;
  /// CheckPortOwner throws HarnessError naming this (empty: the app owns its port).
  std::string port_owner;
  /// What Inspector::CollectAdders returns (the fake's watch records nothing by itself).
  std::vector<cdp::CollectionAdders> adders;

  int64_t iterations = 0;   // run so far, by every traffic
  int warmup_readings = 0;  // warm-up readings taken so far
  bool warming = true;      // until the baseline checkpoint: traffic is the warm-up
};

/// A snapshot of a process whose Map "sessionCache" holds `entries` entries (ids stable across
/// snapshots, as V8's are).
inline std::string SnapshotJson(int entries) {
  testing::TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto ctx = s.Node("hidden", "system / Context", 40, 5);
  auto map = s.Node("object", "Map", 32, 7);
  auto table = s.Node("array", "", 64, 9);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(ctx, "context", "sessionCache", map);
  s.Edge(map, "internal", "table", table);
  for (int i = 0; i < entries; ++i) {
    s.Edge(table, "internal", std::to_string(2 * i),
           s.Node("string", "k" + std::to_string(i), 20, 1001 + 4 * static_cast<uint32_t>(i)));
    s.Edge(table, "internal", std::to_string(2 * i + 1),
           s.Node("object", "Session", 40, 1003 + 4 * static_cast<uint32_t>(i)));
  }
  return s.Json();
}

class FakeApp final : public App {
 public:
  FakeApp(Script& script, process::AppSpec spec) : script_(script), spec_(std::move(spec)) {}
  void Start() override {
    script_.log.push_back("start");
    if (script_.eaddrinuse_starts > 0) {
      --script_.eaddrinuse_starts;
      throw HarnessError("process: ready",
                         "app exited with code 1: Error: listen EADDRINUSE: address already in "
                         "use 127.0.0.1:4000");
    }
  }
  void WaitReady() override { script_.log.push_back("ready"); }
  void WaitForPort(std::chrono::milliseconds) override { script_.log.push_back("port"); }
  void CheckPortOwner() override {
    script_.log.push_back("port owner");
    if (!script_.port_owner.empty())
      throw HarnessError("process: port",
                         "127.0.0.1:4000 is held by another process: " + script_.port_owner);
  }
  std::vector<process::NodeProcess> Processes() override { return script_.processes; }
  int pid() const override { return 4242; }
  uint16_t port() const override { return 4000; }
  std::optional<std::string> DescribeExit(std::chrono::milliseconds) const override {
    return std::nullopt;
  }
  std::string StderrTail(size_t) const override { return "fake app stderr"; }
  void Stop() override {
    script_.log.push_back("stop");
    if (script_.stop_fails) throw HarnessError("process: stop", "the app would not stop");
  }
  const process::AppSpec& spec() const { return spec_; }

 private:
  Script& script_;
  process::AppSpec spec_;
};

class FakeInspector final : public Inspector {
 public:
  explicit FakeInspector(Script& script, int pid = 0) : script_(script), pid_(pid) {
    script_.log.push_back(pid == 0 ? "connect" : fmt::format("connect {}", pid));
  }
  std::string NodeVersion() override { return "v22.0.0-fake"; }
  cdp::Measurement TakeCheckpoint(const cdp::CheckpointOptions& options) override {
    if (pid_ != 0) {
      // Another process of the app: its own heap series, flat unless scripted.
      script_.log.push_back(fmt::format("checkpoint {} pid {}{}", options.label, pid_,
                                        options.snapshot_path.empty() ? "" : " +snapshot"));
      cdp::Measurement m;
      m.label = options.label;
      m.heap_used = 10'000'000 + static_cast<int64_t>(script_.heap_per_iteration_of[pid_] *
                                                      static_cast<double>(script_.iterations));
      m.heap_total = 2 * m.heap_used;
      if (!options.snapshot_path.empty()) {
        std::ofstream(options.snapshot_path) << SnapshotJson(10);
        m.snapshot = options.snapshot_path;
      }
      return m;
    }
    if (options.label.rfind("warmup-", 0) == 0) return WarmupReading(options);
    if (options.label == "baseline") script_.warming = false;
    const int n = script_.checkpoints_taken;
    if (script_.before_checkpoint) script_.before_checkpoint(n);
    ++script_.checkpoints_taken;
    script_.log.push_back(fmt::format("checkpoint {}{}", options.label,
                                      options.snapshot_path.empty() ? "" : " +snapshot"));
    cdp::Measurement m;
    m.label = options.label;
    m.heap_used = 10'000'000 + static_cast<int64_t>(script_.heap_per_iteration *
                                                    static_cast<double>(script_.iterations));
    if (static_cast<size_t>(n) < script_.heap_at.size())
      m.heap_used = 10'000'000 + static_cast<int64_t>(script_.heap_at[static_cast<size_t>(n)]);
    m.heap_total = 2 * m.heap_used;
    if (!options.snapshot_path.empty()) {
      std::ofstream(options.snapshot_path) << SnapshotJson(10 + n * script_.entries_per_checkpoint);
      m.snapshot = options.snapshot_path;
    }
    return m;
  }
  // A settling warm-up's cheap reading: not a checkpoint (heap_at's numbering is unchanged).
  cdp::Measurement WarmupReading(const cdp::CheckpointOptions& options) {
    script_.log.push_back("reading " + options.label);
    const auto& series = script_.warmup_heap_at;
    const auto n = static_cast<size_t>(script_.warmup_readings++);
    cdp::Measurement m;
    m.label = options.label;
    m.heap_used =
        10'000'000 +
        (series.empty() ? 0 : static_cast<int64_t>(series[std::min(n, series.size() - 1)]));
    m.heap_total = 2 * m.heap_used;
    return m;
  }
  void WatchAdders(const std::vector<uint64_t>& ids) override {
    std::string list;
    for (uint64_t id : ids) list += fmt::format(" {}", id);
    script_.log.push_back("watch adders" + list);
  }
  std::vector<cdp::CollectionAdders> CollectAdders() override {
    script_.log.push_back("collect adders");
    return script_.adders;
  }
  void StartSampling() override { script_.log.push_back("sampling on"); }
  cdp::SamplingProfile StopSampling() override {
    script_.log.push_back("sampling off");
    return {};
  }
  void Close() noexcept override {
    script_.log.push_back(pid_ == 0 ? "close" : fmt::format("close {}", pid_));
  }

 private:
  Script& script_;
  int pid_ = 0;  // 0: the app's own process (Connect); else a ConnectTo session
};

class FakeTraffic final : public Traffic {
 public:
  explicit FakeTraffic(Script& script) : script_(script) {}
  void SetVariable(const std::string& name, std::string value) override {
    variables_[name] = std::move(value);
  }
  load::Stats RunIterations(int64_t n) override {
    if (script_.before_batch) script_.before_batch(n);
    const bool warmup = script_.warming;
    script_.log.push_back(fmt::format("{} {}", warmup ? "warmup" : "load", n));
    if (!warmup) script_.iterations += n;
    load::Stats s;
    s.iterations = n;
    s.requests = n;
    s.responses = n;
    s.failed_requests = warmup ? 0 : script_.failed_per_batch;
    s.elapsed_seconds = 1;
    return s;
  }
  load::Stats RunFor(config::Duration) override { return RunIterations(100); }
  const std::map<std::string, std::string>& variables() const { return variables_; }

 private:
  Script& script_;
  std::map<std::string, std::string> variables_;
};

/// Makes the fakes above over one Script.
class FakeStages final : public Stages {
 public:
  explicit FakeStages(Script& script) : script_(script) {}
  /// The next ConnectTo is a primary again (a new app).
  void NewApp() { primary_connected_ = false; }
  void CheckApp(const process::AppSpec& spec) override {
    script_.log.push_back("check " + (spec.argv.empty() ? "" : spec.argv[0]));
    if (!spec.argv.empty() && spec.argv[0] == script_.unknown_executable)
      throw InputError("process: start", "executable `" + spec.argv[0] + "` not found on PATH");
  }
  std::unique_ptr<App> MakeApp(const process::AppSpec& spec) override {
    ++script_.apps_made;
    primary_connected_ = false;
    return std::make_unique<FakeApp>(script_, spec);
  }
  std::unique_ptr<Inspector> Connect(App&) override {
    return std::make_unique<FakeInspector>(script_);
  }
  /// The first measured process is the primary: its session behaves as Connect's (pid 0 in the
  /// log), the others have their own series.
  std::unique_ptr<Inspector> ConnectTo(App&, const process::NodeProcess& p) override {
    if (p.pid == script_.unreachable_pid)
      throw HarnessError("cdp: connect", fmt::format("pid {}: connection refused", p.pid));
    const bool primary = !primary_connected_;
    primary_connected_ = true;
    return std::make_unique<FakeInspector>(script_, primary ? 0 : p.pid);
  }
  std::unique_ptr<Traffic> MakeTraffic(const config::ScenarioFile&,
                                       const config::Scenario&) override {
    script_.warming = true;  // each scenario warms up until its baseline
    return std::make_unique<FakeTraffic>(script_);
  }

 private:
  Script& script_;
  bool primary_connected_ = false;
};

}  // namespace leakcheck::run::fakes
