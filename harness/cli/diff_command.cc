// `leakcheck diff A B [C]`: DevTools' Comparison view by object id; with C, the survivors.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "harness/analysis/diff.h"
#include "harness/cli/cli.h"
#include "harness/common/exit_status.h"
#include "harness/snapshot/reader.h"
#include "reporters/snapshot_report.h"

namespace leakcheck {

namespace {

struct DiffOptions {
  std::vector<std::string> files;
  bool json = false;
  size_t top = 25;
};

int RunDiff(const DiffOptions& opt) {
  std::vector<snapshot::HeapGraph> graphs;
  for (const auto& f : opt.files) graphs.push_back(snapshot::ReadSnapshotFile(f));
  auto diff = analysis::DiffSnapshots(graphs[0], graphs[1]);
  boost::json::object out{
      {"before", opt.files[0]}, {"after", opt.files[1]}, {"diff", reporters::DiffJson(diff)}};
  std::string text = reporters::DiffText(diff, opt.top);
  if (graphs.size() == 3) {
    analysis::RetainerPaths paths(graphs[2]);
    auto survivors = analysis::FindSurvivors(graphs[0], graphs[1], graphs[2], paths);
    out["survivors"] = reporters::SurvivorsJson(survivors);
    text += "\n" + reporters::SurvivorsText(survivors, opt.top);
  }
  if (opt.json) {
    std::puts(boost::json::serialize(out).c_str());
  } else {
    std::fputs(text.c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

void RegisterDiffCommand(CLI::App& root, CommandAction& action) {
  auto opt = std::make_shared<DiffOptions>();
  auto* cmd =
      root.add_subcommand("diff", "Compare snapshots of one process by object id (2 or 3 files)");
  cmd->add_option("files", opt->files,
                  "BEFORE AFTER [LATER]: with three, list objects allocated between the "
                  "first two that are still alive in the third")
      ->required()
      ->expected(2, 3);
  cmd->add_flag("--json", opt->json, "Print JSON instead of tables");
  cmd->add_option("--top", opt->top, "Rows to show per table")->default_val(25);
  cmd->callback([&action, opt] { action = [opt] { return RunDiff(*opt); }; });
}

}  // namespace leakcheck
