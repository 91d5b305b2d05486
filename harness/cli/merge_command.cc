// `leakcheck merge -o OUT.xml IN.xml…`: one JUnit report from the reports of CI shards.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "harness/cli/cli.h"
#include "harness/common/error.h"
#include "harness/common/exit_status.h"
#include "reporters/junit_report.h"
#include "reporters/values.h"

namespace leakcheck {

namespace {

struct MergeOptions {
  std::string output;
  std::vector<std::string> inputs;
};

int RunMerge(const MergeOptions& opt) {
  std::vector<std::string> documents;
  for (const auto& path : opt.inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError("merge", fmt::format("{}: cannot open", path));
    std::stringstream ss;
    ss << in.rdbuf();
    documents.push_back(ss.str());
  }
  std::string merged = reporters::MergeJunit(documents, opt.inputs);
  if (opt.output == "-") {
    std::fputs(merged.c_str(), stdout);
    return kExitOk;
  }
  reporters::WriteTextFile(opt.output, merged, "merge");
  return kExitOk;
}

}  // namespace

void RegisterMergeCommand(CLI::App& root, CommandAction& action) {
  auto opt = std::make_shared<MergeOptions>();
  auto* cmd =
      root.add_subcommand("merge", "Combine JUnit XML reports (e.g. of matrix shards) into one");
  cmd->add_option("-o,--output", opt->output, "The merged report ('-' for stdout)")->required();
  cmd->add_option("inputs", opt->inputs, "JUnit XML files")->required();
  cmd->callback([&action, opt] { action = [opt] { return RunMerge(*opt); }; });
}

}  // namespace leakcheck
