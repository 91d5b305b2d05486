#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leakcheck::process {

/// Splits a command string into argv with leakcheck's one splitter, SplitShellWords
/// (common/shell_words.h: POSIX quoting, no expansion, no shell). Throws
/// InputError("process: command", …) on an unterminated quote or a trailing backslash, or when
/// the result is empty.
std::vector<std::string> SplitCommandLine(std::string_view command);

/// Refuses node flags that would open the inspector anywhere but loopback or pause the app
/// (`--inspect=0.0.0.0:9229`, `--inspect-brk`, `--inspect-wait`, `--debug-port=host:…`, …):
/// the inspector is a remote-code-execution port. `origin` names where the flags came from
/// ("node_args", "NODE_OPTIONS") for the message. Throws InputError("process: node_args", …).
void ValidateNodeArgs(const std::vector<std::string>& args, std::string_view origin = "node_args");

/// True when `host` (from `--inspect=HOST:PORT`) is a loopback address or "localhost".
bool IsLoopbackHost(std::string_view host);

/// The argv leakcheck runs: `argv[0]`, then `--inspect=127.0.0.1:0 --expose-gc`, then the
/// user's `node_args`, then the rest of `argv`.
std::vector<std::string> BuildNodeArgv(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& node_args);

}  // namespace leakcheck::process
