#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace leakcheck {

/// Parses the command line, runs the chosen subcommand and returns the process exit code.
/// Every leakcheck::Error is caught here and printed as `leakcheck: <stage>: <message>`.
int RunCli(int argc, char** argv);

/// The action a subcommand's parse callback selected; returns the exit code.
using CommandAction = std::function<int()>;

/// Each subcommand file defines one of these. It adds its CLI::App subcommand to `root` and,
/// when that subcommand is chosen, stores the work to run in `action`.
using CommandRegistrar = void (*)(CLI::App& root, CommandAction& action);

void RegisterAnalyzeCommand(CLI::App& root, CommandAction& action);
void RegisterDiffCommand(CLI::App& root, CommandAction& action);
void RegisterValidateCommand(CLI::App& root, CommandAction& action);
/// Hidden developer command: drive a scenario's flow against a running server, print stats.
void RegisterLoadCommand(CLI::App& root, CommandAction& action);
void RegisterCaptureCommand(CLI::App& root, CommandAction& action);
void RegisterListCommand(CLI::App& root, CommandAction& action);
void RegisterMergeCommand(CLI::App& root, CommandAction& action);
void RegisterReportCommand(CLI::App& root, CommandAction& action);
void RegisterRunCommand(CLI::App& root, CommandAction& action);

}  // namespace leakcheck
