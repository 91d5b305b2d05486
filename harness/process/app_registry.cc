#include "harness/process/app_registry.h"

#include <signal.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>

namespace leakcheck::process {
namespace {

// Plain atomics in a fixed array: readable from a signal handler without locks or allocation.
constexpr size_t kMaxGroups = 64;
std::array<std::atomic<pid_t>, kMaxGroups> g_groups{};

std::terminate_handler g_previous_terminate = nullptr;

void TerminateHandler() {
  KillAllAppGroups();
  if (g_previous_terminate) g_previous_terminate();
  std::abort();
}

}  // namespace

bool RegisterAppGroup(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pgid)) return true;
  }
  return false;
}

void UnregisterAppGroup(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t expected = pgid;
    slot.compare_exchange_strong(expected, 0);
  }
}

int KillAllAppGroups() {
  int n = 0;
  for (auto& slot : g_groups) {
    pid_t pgid = slot.load();
    if (pgid > 0 && ::kill(-pgid, SIGKILL) == 0) ++n;
  }
  return n;
}

int LiveAppGroupCount() {
  int n = 0;
  for (auto& slot : g_groups) n += slot.load() > 0 ? 1 : 0;
  return n;
}

void InstallExitSafetyNet() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_previous_terminate = std::set_terminate(TerminateHandler);
    std::atexit([] { KillAllAppGroups(); });
  });
}

}  // namespace leakcheck::process
