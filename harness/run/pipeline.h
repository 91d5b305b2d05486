#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/cdp/checkpoint.h"
#include "harness/config/overrides.h"
#include "harness/run/progress.h"
#include "harness/run/result.h"
#include "harness/run/stages.h"

/// `leakcheck run`: per scenario, start the app, warm up, take the baseline checkpoint, run the
/// measured batches each ending in a checkpoint (snapshots at 2 or 3 of them), stop the app,
/// analyse, and turn thresholds into checks. See DESIGN.md "The run, stage by stage".
namespace leakcheck::run {

struct RunOptions {
  std::vector<std::string> files;             ///< scenario YAML files
  std::string out_dir = "leakcheck-results";  ///< the run folder (0700 when leakcheck creates it)
  bool keep_snapshots = false;                ///< keep them even when every check passed
  std::optional<std::string> scenario;        ///< run only the scenario with this name
  cdp::SnapshotMethod snapshot_method = cdp::SnapshotMethod::kAppWrites;
  bool sampling = true;  ///< sampling heap profiler for allocation sites
  /// Watch the adding calls of collections that grow by the middle snapshot (cdp/
  /// collection_adders.h): the line that adds their entries. `--no-watch-adders` turns it off.
  bool watch_adders = true;
  /// `--inconclusive=fail`: an inconclusive check fails its scenario (exit 1); default: passes.
  bool inconclusive_fails = false;
  /// Report files the caller writes after the run (`--junit`): checked before the first app
  /// starts, so a missing folder is exit 2 at once, not after the run.
  std::vector<std::string> report_files;
  /// `-e`, `--iterations`, `--duration`, `--concurrency`, `--var`: applied to every file as it
  /// is loaded (config::ApplyOverrides; an unknown environment or variable is exit 2).
  config::Overrides overrides;
};

/// Runs every scenario of every file with the real app, inspector and traffic (LiveStages()).
/// Before any app starts, every file is loaded and validated, and every file's app (command,
/// executable, node flags), the run folder and options.report_files are checked: a problem
/// throws InputError (exit 2) at once. After that nothing throws: each scenario runs inside its
/// own error boundary (any failure becomes its infrastructure error, exit 3) and the next
/// scenario still runs. Each scenario gets its own folder in the run folder (unique across
/// files, see ScenarioFolderNames), emptied of an earlier run's snapshots and logs.
RunResult RunScenarioFiles(const RunOptions& options, ProgressSink& progress);

/// The same with the given stages (fakes in tests).
RunResult RunScenarioFiles(const RunOptions& options, ProgressSink& progress, Stages& stages);

/// Makes a report file owner-only (0600) when it was written inside the run folder (a JUnit
/// file at leakcheck-results/junit.xml, as the GitHub Action writes it). Files elsewhere are left
/// as the user's umask made them; nothing else of the user's is touched.
void MakePrivateIfInRunFolder(const std::string& file, const std::string& run_dir);

}  // namespace leakcheck::run
