#pragma once

/// The run's interruption state, shared by the signal handler (cli/cli.cc) and the code that
/// must stop promptly when the user presses Ctrl-C (pipeline stages, load batches). Everything
/// here is lock-free and async-signal-safe.
///
/// Two modes. By default a SIGINT/SIGTERM/SIGHUP kills the app groups and exits 130 at once
/// (capture, load). `leakcheck run` enables the graceful mode: the first signal kills the app
/// groups and only records itself, so the pipeline stops at the next stage boundary and the
/// reports of what ran are still written; a second signal (or a hard deadline) exits at once.
namespace leakcheck {

/// Seconds between the first signal and the forced `_exit(130)` in the graceful mode, unless
/// the environment variable LEAKCHECK_INTERRUPT_DEADLINE (a duration: "2s"; read by RunCli)
/// sets another.
inline constexpr unsigned kInterruptDeadlineSeconds = 15;

/// Records that signal `sig` arrived. Async-signal-safe. Returns false if one was already
/// recorded (the caller should then exit at once).
bool RecordInterrupt(int sig) noexcept;
/// True once a signal was recorded.
bool InterruptRequested() noexcept;
/// The first signal recorded (SIGINT, SIGTERM, SIGHUP), 0 if none.
int InterruptSignal() noexcept;
/// "SIGINT", "SIGTERM", "SIGHUP", "signal N"; "" if none.
const char* InterruptSignalName() noexcept;

/// Graceful mode on/off (see above).
void SetGracefulInterrupt(bool on) noexcept;
bool GracefulInterrupt() noexcept;

/// For tests: forget a recorded signal.
void ResetInterruptForTesting() noexcept;

}  // namespace leakcheck
