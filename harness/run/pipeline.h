#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/cdp/checkpoint.h"
#include "harness/run/result.h"

namespace leakcheck::reporters {
class ProgressReporter;
}

/// `leakcheck run`: per scenario, start the app, warm up, take the baseline checkpoint, run the
/// measured batches each ending in a checkpoint (snapshots at 2 or 3 of them), stop the app,
/// analyse, and turn thresholds into checks. See DESIGN.md "The run, stage by stage".
namespace leakcheck::run {

struct RunOptions {
  std::vector<std::string> files;             ///< scenario YAML files
  std::string out_dir = "leakcheck-results";  ///< the run folder (created 0700)
  bool keep_snapshots = false;                ///< keep them even when every check passed
  std::optional<std::string> scenario;        ///< run only the scenario with this name
  cdp::SnapshotMethod snapshot_method = cdp::SnapshotMethod::kAppWrites;
  bool sampling = true;  ///< sampling heap profiler for allocation sites
};

/// Runs every scenario of every file. Scenario files are loaded (and validated) first: a bad
/// file throws InputError (exit 2) before any app starts. A scenario whose app or harness fails
/// is recorded with its infrastructure error (exit 3) and the next scenario still runs.
RunResult RunScenarioFiles(const RunOptions& options, reporters::ProgressReporter& progress);

/// Makes a report file owner-only (0600) when it was written inside the run folder (a JUnit
/// file at leakcheck-results/junit.xml, as the GitHub Action writes it). Files elsewhere are left
/// as the user's umask made them; nothing else of the user's is touched.
void MakePrivateIfInRunFolder(const std::string& file, const std::string& run_dir);

}  // namespace leakcheck::run
