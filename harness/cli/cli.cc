#include "harness/cli/cli.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "harness/common/error.h"
#include "harness/common/exit_status.h"
#include "harness/common/redact.h"
#include "harness/process/app_registry.h"

namespace leakcheck {
namespace {

// The subcommand table: adding a command is one line here plus its *_command.cc file.
constexpr CommandRegistrar kCommands[] = {
    RegisterAnalyzeCommand,
    RegisterDiffCommand,
    RegisterValidateCommand,
    RegisterLoadCommand,
    RegisterCaptureCommand,
    RegisterListCommand,
    RegisterMergeCommand,
    RegisterReportCommand,
    RegisterRunCommand,
};

// SIGINT/SIGTERM: kill every app process group leakcheck started, then exit 130. Only
// async-signal-safe calls here; RAII cleanup does not run, which is why the groups are killed.
void OnInterrupt(int) {
  process::KillAllAppGroups();
  constexpr char kMessage[] = "leakcheck: interrupted\n";
  ssize_t ignored = ::write(2, kMessage, sizeof kMessage - 1);
  (void)ignored;
  ::_exit(kExitInterrupted);
}

void InstallInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"leakcheck: catch Node.js memory leaks in CI", "leakcheck"};
  app.set_version_flag("--version", std::string("leakcheck ") + LEAKCHECK_VERSION);
  app.require_subcommand(1);
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
