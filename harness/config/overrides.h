#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/config/scenario.h"

/// `run`'s overrides of a scenario file (docs/scenarios.md "Overrides"). Precedence: the command
/// line over the chosen environment over the file.
namespace leakcheck::config {

struct Overrides {
  std::string environment;  ///< `-e NAME`: an entry of the file's `environments:`; "" = none
  RunOverrides run;         ///< `--iterations`, `--duration`, `--concurrency` (no locations)
  /// `--var name=value`, in order (a later one wins): a variable of `variables:` or of an
  /// environment.
  std::vector<std::pair<std::string, std::string>> vars;

  bool empty() const {
    return environment.empty() && !run.iterations && !run.duration && !run.concurrency &&
           vars.empty();
  }
};

/// Parses one `--var` argument, "name=value" (the value may be empty or hold `=`). Throws
/// InputError("options", …) (exit 2) when there is no `=` or the name is empty.
std::pair<std::string, std::string> ParseVarArgument(const std::string& text);

/// Applies `o` to `file`: the environment's variables replace or add to `file.variables`, its
/// `run:` and then the command line's replace every scenario's `run:` amount and concurrency,
/// then `--var`s set variables. Throws InputError("options", …) (exit 2) for an environment the
/// file does not define (with a suggestion and the list of those it does) or a `--var` naming no
/// variable of the file or its environments (with a suggestion).
void ApplyOverrides(ScenarioFile& file, const Overrides& o);

}  // namespace leakcheck::config
