#pragma once

#include <chrono>
#include <filesystem>

#include "harness/config/scenario.h"

namespace leakcheck::run {

/// The longest one `app.setup` command may run before it is killed (its group, SIGKILL).
inline constexpr std::chrono::minutes kSetupTimeout{10};

/// Runs `app.setup` (docs/scenarios.md "app"): each command in order, no shell, in the app's
/// `cwd` with its `env` (and $PORT when `port` is not 0), templates rendered with `port`
/// (config/app_template.h), stdin /dev/null, in its own process group. Both output streams go,
/// redacted, to `log_dir`/setup.log (each command headed by `$ argv`). A command that cannot
/// start, exits non-zero, is killed by a signal or outlives kSetupTimeout is
/// HarnessError("setup", …) naming the command and ending with the tail of its stderr: the
/// scenario's infrastructure error, exit 3. An interrupt kills the command and throws too.
void RunAppSetup(const config::AppConfig& app, const std::filesystem::path& log_dir, int port);

}  // namespace leakcheck::run
