#pragma once

#include <string>
#include <vector>

#include "harness/process/proc_tree.h"
#include "harness/run/result.h"

/// The app's Node processes in the result (DESIGN.md "Processes"): each measured process gets its
/// own checks, and the scenario's checks are, per detector, the worst of them.
namespace leakcheck::run {

/// The result entry of a discovered process (no checks or samples yet).
ProcessResult ProcessEntryOf(const process::NodeProcess& p);

/// Per detector (the processes' checks are in registry order, all the same length), the check of
/// the process that did worst — failed, then inconclusive, then allowed, then passed, then
/// skipped; on a tie the larger measured / limit — with its summary prefixed by the process's
/// label ("worker 1234 (server.js): heap grows …") and, on the first check, a note evidence per
/// process that was not measured. Processes that were not measured contribute no checks.
std::vector<CheckResult> MergeProcessChecks(const std::vector<ProcessResult>& processes);

/// The snapshot file of one of the app's processes at a checkpoint: "<label>.heapsnapshot" for
/// the primary (as for a single-process app), "<label>.<role>-<pid>.heapsnapshot" for the others.
std::string SnapshotFileName(const std::string& checkpoint_label, const ProcessResult& p,
                             bool primary);

}  // namespace leakcheck::run
