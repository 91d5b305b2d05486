#include "harness/cli/cli.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "harness/common/duration.h"
#include "harness/common/error.h"
#include "harness/common/exit_status.h"
#include "harness/common/interrupt.h"
#include "harness/common/redact.h"
#include "harness/common/version.h"
#include "harness/process/app_registry.h"

namespace leakcheck {
namespace {

// The subcommand table: adding a command is one line here plus its *_command.cc file.
constexpr CommandRegistrar kCommands[] = {
    RegisterAnalyzeCommand, RegisterDiffCommand,    RegisterValidateCommand,
    RegisterLoadCommand,    RegisterCaptureCommand, RegisterListCommand,
    RegisterMergeCommand,   RegisterReportCommand,  RegisterRunCommand,
};

// Seconds from the first signal to the forced exit in the graceful mode; set once by RunCli
// (from LEAKCHECK_INTERRUPT_DEADLINE) before any handler is installed, only read in the handler.
volatile sig_atomic_t g_interrupt_deadline_seconds = kInterruptDeadlineSeconds;

// LEAKCHECK_INTERRUPT_DEADLINE="2s": the graceful stop's deadline, for tests that would otherwise
// wait the default 15 s. Whole seconds (alarm() is the async-signal-safe timer), rounded up,
// 1 s to 1 h. Unset: the default.
unsigned InterruptDeadlineFromEnv() {
  const char* text = std::getenv("LEAKCHECK_INTERRUPT_DEADLINE");
  if (text == nullptr) return kInterruptDeadlineSeconds;
  std::optional<std::chrono::milliseconds> d = ParseDuration(text);
  if (!d || d->count() <= 0 || *d > std::chrono::hours(1)) {
    throw InputError("environment", fmt::format("LEAKCHECK_INTERRUPT_DEADLINE: `{}` is not a "
                                                "duration between 1ms and 1h (e.g. 2s)",
                                                text));
  }
  return static_cast<unsigned>((d->count() + 999) / 1000);
}

void WriteStderr(const char* text, size_t n) {
  ssize_t ignored = ::write(2, text, n);
  (void)ignored;
}

// SIGINT/SIGTERM/SIGHUP. Only async-signal-safe calls here. The app groups are killed first in
// every case, so blocking waits on the app (CDP calls, load requests, readiness) fail fast.
// Default mode: exit 130 at once (RAII cleanup does not run, which is why the groups are killed).
// Graceful mode (`leakcheck run`): the first signal is only recorded; the pipeline stops at the
// next stage boundary and the reports are written. A second signal, or the deadline, exits.
void OnInterrupt(int sig) {
  process::KillAllAppGroups();
  if (GracefulInterrupt() && RecordInterrupt(sig)) {
    constexpr char kMessage[] =
        "leakcheck: interrupted; stopping the app and writing the reports of what ran "
        "(interrupt again to quit at once)\n";
    WriteStderr(kMessage, sizeof kMessage - 1);
    ::alarm(static_cast<unsigned>(g_interrupt_deadline_seconds));
    return;
  }
  constexpr char kMessage[] = "leakcheck: interrupted\n";
  WriteStderr(kMessage, sizeof kMessage - 1);
  ::_exit(kExitInterrupted);
}

// The graceful stop's hard deadline: something hung after the first signal.
void OnInterruptDeadline(int) {
  process::KillAllAppGroups();
  constexpr char kMessage[] =
      "leakcheck: interrupted; the reports were not finished in time, exiting\n";
  WriteStderr(kMessage, sizeof kMessage - 1);
  ::_exit(kExitInterrupted);
}

void InstallInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sa.sa_flags = SA_RESTART;  // the handler returns in the graceful mode: no stray EINTR
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  struct sigaction alarm_sa {};
  alarm_sa.sa_handler = OnInterruptDeadline;
  sigemptyset(&alarm_sa.sa_mask);
  ::sigaction(SIGALRM, &alarm_sa, nullptr);
  // A file-size limit (RLIMIT_FSIZE) must fail the write with EFBIG, reported as an error,
  // instead of killing leakcheck with SIGXFSZ. Node ignores SIGXFSZ too.
  ::signal(SIGXFSZ, SIG_IGN);
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"leakcheck: catch Node.js memory leaks in CI", "leakcheck"};
  app.set_version_flag("--version", std::string("leakcheck ") + LEAKCHECK_VERSION);
  app.require_subcommand(1);
  try {
    g_interrupt_deadline_seconds = static_cast<sig_atomic_t>(InterruptDeadlineFromEnv());
  } catch (const Error& e) {
    std::fprintf(stderr, "leakcheck: %s\n", e.what());
    return e.status();
  }
  InstallInterruptHandlers();
  CommandAction action;
  for (CommandRegistrar add : kCommands) add(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  try {
    return action ? action() : kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "leakcheck: %s\n", redact::Redact(e.what()).c_str());
    return e.status();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "leakcheck: out of memory\n");
    return kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leakcheck: internal error: %s\n", redact::Redact(e.what()).c_str());
    return kExitFailure;
  }
}

}  // namespace leakcheck
