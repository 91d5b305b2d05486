#pragma once

/// Process exit codes, as documented in the README and DESIGN.md.
namespace leakcheck {

enum ExitStatus : int {
  kExitOk = 0,            ///< every check passed
  kExitLeak = 1,          ///< a leak check failed (a result, not an error)
  kExitUsage = 2,         ///< bad command line, invalid scenario or unreadable input file
  kExitFailure = 3,       ///< the app or the harness failed: crash, timeout, inspector lost
  kExitInterrupted = 130  ///< SIGINT / SIGTERM
};

}  // namespace leakcheck
