#pragma once

#include <stdexcept>
#include <string>

#include "harness/common/exit_status.h"

namespace leakcheck {

/// The one exception type thrown inside harness/. It carries the stage that failed
/// ("snapshot", "cdp: takeHeapSnapshot", "config") and the exit code the CLI should use.
/// It is caught once, in cli/, which prints `leakcheck: <what()>` and exits with `status()`.
class Error : public std::runtime_error {
 public:
  Error(ExitStatus status, std::string stage, const std::string& message);

  ExitStatus status() const { return status_; }
  const std::string& stage() const { return stage_; }
  /// The message without the stage prefix.
  const std::string& detail() const { return detail_; }

 private:
  ExitStatus status_;
  std::string stage_;
  std::string detail_;
};

/// Bad input from the user: a malformed scenario, an unreadable or corrupt snapshot. Exit 2.
inline Error InputError(std::string stage, const std::string& message) {
  return Error(kExitUsage, std::move(stage), message);
}

/// The app or the harness failed (crash, timeout, inspector lost). Exit 3.
inline Error HarnessError(std::string stage, const std::string& message) {
  return Error(kExitFailure, std::move(stage), message);
}

}  // namespace leakcheck
