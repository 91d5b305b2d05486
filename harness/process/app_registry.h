#pragma once

#include <sys/types.h>

/// A process-wide list of the app process groups leakcheck started, so that every exit path
/// (a signal, std::terminate, a normal return) can kill them. NodeApp registers and unregisters
/// itself; callers only need KillAllAppGroups() in their signal handlers.
namespace leakcheck::process {

/// Adds a process group to the registry. Returns false when the registry is full (64 groups).
bool RegisterAppGroup(pid_t pgid);
/// Removes a process group (after it was killed and reaped).
void UnregisterAppGroup(pid_t pgid);
/// Sends SIGKILL to every registered group. Async-signal-safe: call it from signal handlers.
/// Returns how many groups were signalled.
int KillAllAppGroups();
/// How many groups are registered now (for tests).
int LiveAppGroupCount();

/// Installs, once, a std::terminate handler and an atexit hook that kill every registered group,
/// so that no path out of the process leaves a `node` behind. NodeApp::Start calls it.
void InstallExitSafetyNet();

}  // namespace leakcheck::process
