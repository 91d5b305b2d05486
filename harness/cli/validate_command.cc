// `leakcheck validate FILE…`: checks scenario files without running anything.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/cli/cli.h"
#include "harness/common/exit_status.h"
#include "harness/config/loader.h"

namespace leakcheck {
namespace {

int Validate(const std::vector<std::string>& files, bool quiet) {
  int status = kExitOk;
  for (const std::string& file : files) {
    std::vector<config::Diagnostic> diagnostics = config::ValidateScenarioFile(file);
    for (const config::Diagnostic& d : diagnostics) {
      std::fprintf(stderr, "%s\n", d.ToString().c_str());
    }
    if (!diagnostics.empty()) {
      status = kExitUsage;
    } else if (!quiet) {
      std::printf("%s: ok\n", file.c_str());
    }
  }
  return status;
}

}  // namespace

void RegisterValidateCommand(CLI::App& root, CommandAction& action) {
  auto* cmd = root.add_subcommand(
      "validate", "Check scenario files without running anything (exit 0 valid, 2 invalid)");
  auto files = std::make_shared<std::vector<std::string>>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("files", *files, "Scenario YAML files")->required();
  cmd->add_flag("-q,--quiet", *quiet, "Print nothing for valid files");
  cmd->callback(
      [&action, files, quiet] { action = [files, quiet] { return Validate(*files, *quiet); }; });
}

}  // namespace leakcheck
