#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/analysis/source_map.h"
#include "harness/cdp/checkpoint.h"
#include "harness/cdp/collection_adders.h"
#include "harness/cdp/session.h"
#include "harness/config/scenario.h"
#include "harness/load/driver.h"
#include "harness/load/stats.h"
#include "harness/process/node_app.h"

/// The three things a scenario run drives, each behind a narrow interface so the pipeline
/// (run/pipeline.cc) is tested with scripted fakes (tests/unit/run/fake_stages.h) in
/// milliseconds, and runs for real through LiveStages() (run/live_stages.cc): the app
/// (process::NodeApp), its inspector session (cdp::Session and the checkpoint routine) and the
/// traffic (load::Driver). Errors are leakcheck::Error, as the real ones throw them.
namespace leakcheck::run {

/// The app under test: one process group started once and stopped once; its Node processes
/// (launcher, primary, cluster workers, children) are found by Processes().
class App {
 public:
  virtual ~App() = default;
  /// Spawns it. InputError for bad input (executable not found, forbidden flags),
  /// HarnessError when it cannot start; the detail names node's EADDRINUSE when its port was
  /// taken.
  virtual void Start() = 0;
  /// Waits for the `ready:` probe (HTTP or log line); returns at once for the TCP default.
  virtual void WaitReady() = 0;
  /// Waits until 127.0.0.1:port() accepts a connection (the TCP readiness default), at most
  /// `timeout`; HarnessError "process: ready" when the app exits or the time runs out.
  virtual void WaitForPort(std::chrono::milliseconds timeout) = 0;
  /// The app's pid (its process group id).
  virtual int pid() const = 0;
  /// The port the app listens on ($PORT).
  virtual uint16_t port() const = 0;
  /// How the app ended ("exited with code 1: …"), waiting at most `grace`; nullopt while it runs.
  virtual std::optional<std::string> DescribeExit(std::chrono::milliseconds grace) const = 0;
  /// The last `lines` lines of its stderr.
  virtual std::string StderrTail(size_t lines) const = 0;
  /// Fails with HarnessError("process: port", …) naming the other process (pid, command line)
  /// when 127.0.0.1:port() is owned by a process outside the app's tree.
  virtual void CheckPortOwner() = 0;
  /// The app's Node processes with roles and inspector URLs (process::FindNodeProcesses),
  /// once they have settled. Empty: the app is measured as one process through Connect().
  virtual std::vector<process::NodeProcess> Processes() = 0;
  /// Stops the app's whole process group (SIGTERM, then SIGKILL); HarnessError when it would
  /// not stop.
  virtual void Stop() = 0;
};

struct ThreadSession;

/// The inspector session to a started app.
class Inspector {
 public:
  virtual ~Inspector() = default;
  /// `process.version` of the app ("v20.20.2").
  virtual std::string NodeVersion() = 0;
  /// GC rounds, memory, active resources and optionally a heap snapshot written to
  /// options.snapshot_path (cdp::TakeCheckpoint).
  virtual cdp::Measurement TakeCheckpoint(const cdp::CheckpointOptions& options) = 0;
  /// Starts the sampling heap profiler.
  virtual void StartSampling() = 0;
  /// Stops it and returns the sites still live.
  virtual cdp::SamplingProfile StopSampling() = 0;
  /// Closes the session (never throws).
  virtual void Close() noexcept = 0;
  /// The app's scripts (outside node_modules) that name a source map, and where it is: asked at
  /// the end of the run, after the last snapshot (docs/attribution.md). Empty by default.
  virtual std::vector<analysis::ScriptSourceMapUrl> SourceMapUrls() { return {}; }
  /// Starts watching who adds entries to the collections with these heap object ids
  /// (cdp::WatchAdders: their push/set/add shadowed on each instance); never throws. The
  /// default watches nothing.
  virtual void WatchAdders(const std::vector<uint64_t>& /*ids*/) {}
  /// Removes every wrapper WatchAdders installed and returns what each recorded
  /// (cdp::CollectAdders), leaving nothing of the watch in the app; never throws.
  virtual std::vector<cdp::CollectionAdders> CollectAdders() { return {}; }
  /// The process's worker threads started since the last call (the first call: those running
  /// now; NodeWorker domain), each with a session of its own carried over this one, which must
  /// outlive them. The default: none.
  virtual std::vector<ThreadSession> Threads();
  /// After a call failed: true when what this session measures is gone on its own — the
  /// process exited, the worker thread ended — rather than the session failing. The default:
  /// false.
  virtual bool Ended() { return false; }
};

/// A worker thread of a measured process.
struct ThreadSession {
  cdp::WorkerInfo info;
  std::unique_ptr<Inspector> inspector;  ///< null when it could not be attached
  std::string problem;                   ///< why not ("cdp: HeapProfiler.enable: …")
};

/// The traffic of one scenario: its flow run by its virtual users, in batches.
class Traffic {
 public:
  virtual ~Traffic() = default;
  /// Sets a template variable (`app.port`) for the requests that follow.
  virtual void SetVariable(const std::string& name, std::string value) = 0;
  /// Runs exactly `n` iterations of the flow.
  virtual load::Stats RunIterations(int64_t n) = 0;
  /// Runs the flow for `duration`.
  virtual load::Stats RunFor(config::Duration duration) = 0;
  /// Runs the file's `before:` flow once, outside the measured window; what it captures is seen
  /// by every flow afterwards (load::Driver::RunBefore). Default: there is none.
  virtual load::Stats RunBefore() { return {}; }
  /// The same for `after:`.
  virtual load::Stats RunAfter() { return {}; }
  /// The weighted flows (`flows:`) with the iterations each ran; empty for one `flow:`.
  virtual std::vector<load::FlowShare> FlowShares() const { return {}; }
  /// The seed that chose the weighted flows.
  virtual uint64_t FlowSeed() const { return 0; }
};

/// Makes the three; the pipeline owns what it gets.
class Stages {
 public:
  virtual ~Stages() = default;
  /// Checks `spec` as App::Start would (the command is node, the executable exists, node flags
  /// are allowed) without starting anything; InputError when it is bad input.
  virtual void CheckApp(const process::AppSpec& spec) = 0;
  /// An app for `spec`, not started.
  virtual std::unique_ptr<App> MakeApp(const process::AppSpec& spec) = 0;
  /// Attach mode (`app.url`): an app leakcheck did not start. Its Start() finds the inspector
  /// at `app.inspect` (and the pid, when a Node process of this machine holds that port: else
  /// pid() is 0 and nothing reads /proc); Stop() leaves it running; it has no stderr. The
  /// default: InputError (these stages cannot attach).
  virtual std::unique_ptr<App> Attach(const config::AppConfig& app);
  /// A session to the started `app` (which must outlive it): its command's own process.
  virtual std::unique_ptr<Inspector> Connect(App& app) = 0;
  /// A session to one of the app's Node processes (`process.inspector_url`); HarnessError when
  /// it cannot connect.
  virtual std::unique_ptr<Inspector> ConnectTo(App& app, const process::NodeProcess& process) = 0;
  /// The traffic of `scenario` of `file` (both outlive it).
  virtual std::unique_ptr<Traffic> MakeTraffic(const config::ScenarioFile& file,
                                               const config::Scenario& scenario) = 0;
};

/// The real stages: NodeApp, cdp::Session and load::Driver.
Stages& LiveStages();

}  // namespace leakcheck::run
