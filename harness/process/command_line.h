#pragma once

#include <filesystem>
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

/// The flags leakcheck gives every Node process of the app through NODE_OPTIONS, so launchers
/// (`npm run start`, `npx`, `tsx`), cluster workers and child processes all get an inspector:
/// each on its own free loopback port (port 0), with `gc()` exposed.
inline constexpr std::string_view kInspectorNodeOptions = "--inspect=127.0.0.1:0 --expose-gc";

/// The NODE_OPTIONS the app runs with: the user's own (kept verbatim), then `extra` (quoted
/// the way node reads NODE_OPTIONS when one holds a space, a quote or a backslash), then
/// kInspectorNodeOptions (last, so they win over a user's `--inspect`).
std::string BuildNodeOptions(std::string_view user_node_options,
                             const std::vector<std::string>& extra);

/// The preload leakcheck gives every Node process of the app (`--require`, CommonJS): a cluster
/// primary gives each worker the inspector port after its own (`--inspect-port=<port + n>`,
/// node's lib/internal/cluster/primary.js), which any socket of this machine may hold, and the
/// worker then runs with no inspector; with `cluster.settings.inspectPort = 0` (unless the app
/// set one) each worker's inspector binds a free port like every other process's.
inline constexpr std::string_view kClusterPreloadSource =
    "// Written by leakcheck for this run (harness/process/command_line.h).\n"
    "'use strict';\n"
    "try {\n"
    "  const cluster = require('cluster');\n"
    "  if (cluster.isPrimary && !('inspectPort' in cluster.settings))\n"
    "    cluster.settings.inspectPort = 0;\n"
    "} catch {}\n";

/// Writes kClusterPreloadSource as `leakcheck-preload.cjs` in a new private folder (mkdtemp
/// under $TMPDIR, else /tmp; 0700) and returns the file's path; the caller removes the folder.
/// Throws HarnessError "process: start" when it cannot.
std::filesystem::path WriteClusterPreload();

/// True when argv[0] names the node executable itself (`node`, `/usr/bin/node`, `nodejs`,
/// `node22`): its flags can go on the command line. Anything else (`npm`, `npx`, `tsx`, a
/// launcher script) is run as it is.
bool IsNodeCommand(const std::vector<std::string>& argv);

}  // namespace leakcheck::process
