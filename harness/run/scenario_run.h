#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/config/scenario.h"
#include "harness/run/pipeline.h"
#include "harness/run/progress.h"
#include "harness/run/result.h"
#include "harness/run/stages.h"

/// One scenario, stage by stage (DESIGN.md "The run, stage by stage"): startup → warm-up →
/// baseline checkpoint → measured batches each ending in a checkpoint → shutdown → analysis →
/// verdict. Internal to run/: RunScenarioFiles (pipeline.cc) calls it per scenario.
namespace leakcheck::run {

/// A session to one of the app's Node processes other than the primary.
struct ProcessSession {
  process::NodeProcess process;
  std::unique_ptr<Inspector> inspector;
  /// Its process exited or its thread ended during a run (Inspector::Ended): no longer measured.
  bool ended = false;
};

/// A started app with its inspector sessions. With `app.reuse: true` one serves every scenario
/// of a file; otherwise each scenario starts and stops its own.
struct StartedApp {
  std::unique_ptr<App> app;
  std::unique_ptr<Inspector> inspector;  ///< the primary's; declared after `app`: destroyed first
  /// The app's Node processes when it has more than one (or a launcher), the primary first:
  /// `inspector` is processes[0]'s session, `others` the rest that are measured. Empty for a
  /// single-process app.
  std::vector<process::NodeProcess> processes;
  std::vector<ProcessSession> others;
  /// The process `inspector` measures (pid, role "primary", script), also for a single-process
  /// app.
  process::NodeProcess primary;

  /// Starts the app for `config` (logs in `log_dir`), waits until it is ready, checks that the
  /// app owns its port (App::CheckPortOwner), finds its Node processes and connects to each.
  /// With `port: auto`, a start that fails with node's EADDRINUSE (someone took the free port
  /// first) is tried once more on a new port. HarnessError when no process can be measured.
  void Start(Stages& stages, const config::AppConfig& config, const std::filesystem::path& log_dir);
  /// The worker threads of each measured process in `found` (measured first, in the order of
  /// `others`), appended to `others` and to `processes` (role "thread"; a thread that could not
  /// be attached is listed with its problem). `found` becomes `processes`, unless it is one
  /// process without threads (then `processes` stays empty, as for any single-process app).
  void AddThreads(std::vector<process::NodeProcess> found);
  /// Worker threads started since the last look (NodeWorker attaches them as they start), in
  /// the primary and each measured process: the attached ones are appended to `others` and
  /// `processes`; every new one is returned (with its problem when it could not be attached).
  /// `processes` gets the primary first when it was empty (a single-process app's first thread).
  std::vector<process::NodeProcess> AttachNewThreads();
  /// Closes the session and stops the app (HarnessError when the app would not stop).
  void Stop();
  /// Drops both (the app's destructor kills whatever is left of its group).
  void Reset() noexcept;
  /// True once Start made an app (even if it then failed to get ready).
  bool started() const { return app != nullptr; }
};

/// What a scenario run needs; everything referenced outlives the run.
struct ScenarioContext {
  const config::ScenarioFile* file = nullptr;
  const config::Scenario* scenario = nullptr;
  const RunOptions* options = nullptr;
  ProgressSink* progress = nullptr;
  Stages* stages = nullptr;
  std::filesystem::path dir;            ///< the scenario's folder (exists, empty of old evidence)
  std::string* node_version = nullptr;  ///< filled by the first scenario that reaches the app
  StartedApp* shared = nullptr;         ///< the file's reused app, or nullptr
};

/// The app spec of a scenario file's `app:` (logs into `log_dir`).
/// `port` (when not 0) is the app's port, chosen by the caller, rendered into `{{ app.port }}`
/// (config/app_template.h) and passed as $PORT; 0: the config's port (or auto).
process::AppSpec SpecFor(const config::AppConfig& app, const std::filesystem::path& log_dir,
                         int port = 0);

/// Runs one scenario. Never throws: every failure (leakcheck::Error of any kind, a
/// std::filesystem error, any exception) becomes the scenario's infrastructure_error with its
/// stage, and an interrupt becomes stage "interrupted"; the result keeps what was measured.
ScenarioResult RunScenario(const ScenarioContext& context);

}  // namespace leakcheck::run
