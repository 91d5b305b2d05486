#include "harness/common/interrupt.h"

#include <signal.h>

#include <atomic>

namespace leakcheck {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_graceful{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
              "read from a signal handler");

}  // namespace

bool RecordInterrupt(int sig) noexcept {
  int none = 0;
  return g_signal.compare_exchange_strong(none, sig);
}

bool InterruptRequested() noexcept { return g_signal.load() != 0; }

int InterruptSignal() noexcept { return g_signal.load(); }

const char* InterruptSignalName() noexcept {
  switch (g_signal.load()) {
    case 0:
      return "";
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

void SetGracefulInterrupt(bool on) noexcept { g_graceful.store(on); }

bool GracefulInterrupt() noexcept { return g_graceful.load(); }

void ResetInterruptForTesting() noexcept { g_signal.store(0); }

}  // namespace leakcheck
