#include "harness/cli/cli.h"

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "harness/common/error.h"
#include "harness/common/exit_status.h"

namespace leakcheck {
namespace {

// The subcommand table: adding a command is one line here plus its *_command.cc file.
constexpr CommandRegistrar kCommands[] = {
    RegisterAnalyzeCommand,
    RegisterDiffCommand,
    RegisterListCommand,
    RegisterMergeCommand,
    RegisterReportCommand,
};

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"leakcheck: catch Node.js memory leaks in CI", "leakcheck"};
  app.set_version_flag("--version", std::string("leakcheck ") + LEAKCHECK_VERSION);
  app.require_subcommand(1);
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
    std::fprintf(stderr, "leakcheck: %s\n", e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "leakcheck: out of memory\n");
    return kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leakcheck: internal error: %s\n", e.what());
    return kExitFailure;
  }
}

}  // namespace leakcheck
