#include <CLI/CLI.hpp>

#include "harness/cli/cli.h"
#include "harness/common/error.h"

namespace leakcheck {

void RegisterAnalyzeCommand(CLI::App& root, CommandAction& action) {
  auto* cmd = root.add_subcommand("analyze", "Summarise one heap snapshot");
  auto file = std::make_shared<std::string>();
  cmd->add_option("file", *file, "A .heapsnapshot file")->required();
  cmd->callback([&action, file] {
    action = [file] { throw InputError("analyze", "not implemented yet: " + *file); return 0; };
  });
}

}  // namespace leakcheck
