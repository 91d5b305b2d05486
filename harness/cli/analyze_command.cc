// `leakcheck analyze FILE`: totals, top classes by retained size, largest objects and paths.
#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include "harness/analysis/summary.h"
#include "harness/cli/cli.h"
#include "harness/common/exit_status.h"
#include "harness/snapshot/big_vector.h"
#include "harness/snapshot/reader.h"
#include "reporters/snapshot_report.h"

namespace leakcheck {

namespace {

struct AnalyzeOptions {
  std::string file;
  bool json = false;
  bool timings = false;
  analysis::SummaryOptions summary;
};

int RunAnalyze(const AnalyzeOptions& opt) {
  const snapshot::BigBlockReuse reuse;  // first: outlives the graph and the analysis
  snapshot::PhaseTimes times;
  snapshot::PhaseTimes* phases = opt.timings ? &times : nullptr;
  snapshot::HeapGraph graph = snapshot::ReadSnapshotFile(opt.file, phases);
  analysis::SummaryOptions summary_options = opt.summary;
  summary_options.times = phases;
  analysis::SnapshotSummary summary = analysis::Summarize(graph, opt.file, summary_options);
  if (opt.json) {
    std::puts(boost::json::serialize(reporters::SummaryJson(summary)).c_str());
  } else {
    std::fputs(reporters::SummaryText(summary).c_str(), stdout);
  }
  std::fflush(stdout);
  snapshot::MarkPhase(phases, "output");
  if (opt.timings) {
    // One line per phase, then the total: "timings: read: nodes 212 ms  peak RSS 95 MiB".
    double total = 0;
    for (size_t i = 0; i < times.Phases().size(); ++i) {
      const auto& [name, ms] = times.Phases()[i];
      std::fprintf(stderr, "timings: %-34s %6.0f ms  peak RSS %4ld MiB\n", name.c_str(), ms,
                   times.PeakKib()[i] / 1024);
      total += ms;
    }
    std::fprintf(stderr, "timings: %-34s %6.0f ms; graph %.1f MiB\n", "total", total,
                 static_cast<double>(graph.MemoryUsage()) / (1 << 20));
  }
  return kExitOk;
}

}  // namespace

void RegisterAnalyzeCommand(CLI::App& root, CommandAction& action) {
  auto opt = std::make_shared<AnalyzeOptions>();
  auto* cmd = root.add_subcommand(
      "analyze", "Summarise one heap snapshot: classes, largest objects, retainer paths");
  cmd->add_option("file", opt->file, "A .heapsnapshot file")->required();
  cmd->add_flag("--json", opt->json, "Print JSON instead of tables");
  cmd->add_option("--top", opt->summary.top_classes, "Classes to list")->default_val(20);
  cmd->add_option("--objects", opt->summary.top_objects, "Largest objects to list")
      ->default_val(10);
  cmd->add_flag("--all-classes", opt->summary.all_classes, "List every class");
  cmd->add_flag("--timings", opt->timings,
                "Print each phase's time and the peak RSS so far to stderr");
  cmd->callback([&action, opt] { action = [opt] { return RunAnalyze(*opt); }; });
}

}  // namespace leakcheck
