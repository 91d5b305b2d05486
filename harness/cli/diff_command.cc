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
  std::string before, after, later;
  std::vector<std::string> files;  // before, after [, later]
  bool json = false;
  size_t top = 25;
};

int RunDiff(const DiffOptions& opt) {
  std::vector<snapshot::HeapGraph> graphs;
  for (const auto& f : opt.files) graphs.push_back(snapshot::ReadSnapshotFile(f));
  // Ids only mean the same object within one process: refuse (exit 2) rather than compare
  // snapshots of two processes, or of a runtime that renumbers objects (Bun).
  for (size_t i = 0; i + 1 < graphs.size(); ++i)
    analysis::RequireIdCorrespondence(graphs[i], graphs[i + 1], opt.files[i], opt.files[i + 1],
                                      "diff");
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
  // Three positionals rather than one taking 2 or 3 values: CLI11 would print that as
  // "files(2x)" in the usage line.
  cmd->add_option("before", opt->before, "The first snapshot")->required()->type_name("FILE");
  cmd->add_option("after", opt->after, "A later snapshot of the same process")
      ->required()
      ->type_name("FILE");
  cmd->add_option("later", opt->later,
                  "Optional third snapshot: list objects allocated between the first two that "
                  "are still alive in it")
      ->type_name("FILE");
  cmd->add_flag("--json", opt->json, "Print JSON instead of tables");
  cmd->add_option("--top", opt->top, "Rows to show per table")->default_val(25);
  cmd->callback([&action, opt] {
    opt->files = {opt->before, opt->after};
    if (!opt->later.empty()) opt->files.push_back(opt->later);
    action = [opt] { return RunDiff(*opt); };
  });
}

}  // namespace leakcheck
