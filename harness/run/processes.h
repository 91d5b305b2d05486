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

/// When `p` was not measured for the whole run, what reports say of it: "started after startup,
/// measured from iteration 1,800" (found_at), "exited by iteration 1,800, measured until
/// iteration 1,200" (exited_at), both joined by "; ". "" otherwise.
std::string LifetimeNote(const ProcessResult& p);

/// Per detector (the processes' checks are in registry order, all the same length), the check of
/// the process that did worst — failed, then inconclusive, then allowed, then passed, then
/// skipped; on a tie the larger measured / limit — with its summary prefixed by the process's
/// label and its LifetimeNote ("worker 1234 (server.js): heap grows …") and, on the first check, a
/// note evidence per process that was not measured. Processes that were not measured contribute no
/// checks.
std::vector<CheckResult> MergeProcessChecks(const std::vector<ProcessResult>& processes);

/// The entry of `processes` for the process or thread `p` (same pid, thread id and role), or
/// nullptr.
ProcessResult* FindProcessEntry(std::vector<ProcessResult>& processes,
                                const process::NodeProcess& p);

/// The snapshot file of one of the app's processes at a checkpoint: "<label>.heapsnapshot" for
/// the primary (as for a single-process app), "<label>.<role>-<pid>.heapsnapshot" for the others.
std::string SnapshotFileName(const std::string& checkpoint_label, const ProcessResult& p,
                             bool primary);

}  // namespace leakcheck::run
