// `leakcheck report RESULTS.json`: renders a saved results.json through the reporters (console,
// JUnit, Markdown, JSON, HTML, GitHub annotations/outputs), e.g. to re-read a CI run on a laptop.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "harness/cli/cli.h"
#include "harness/common/error.h"
#include "harness/run/result_json.h"
#include "reporters/console_report.h"
#include "reporters/github.h"
#include "reporters/html_report.h"
#include "reporters/json_results.h"
#include "reporters/junit_report.h"
#include "reporters/markdown_summary.h"
#include "reporters/progress.h"

namespace leakcheck {

namespace {

struct ReportOptions {
  std::string file;
  std::string format = "console";
  std::string color = "auto";
  std::string junit;
  std::string html;
  bool quiet = false;
  bool verbose = false;
  bool github = false;
  bool replay_progress = false;
};

// Plays a run's checkpoints through the progress reporter the pipeline uses (stderr: a live
// line on a terminal, plain lines otherwise), to see and test it without running an app.
void ReplayProgress(const run::RunResult& r) {
  auto progress = reporters::MakeProgress(stderr);
  for (const auto& s : r.scenarios) {
    progress->Phase(s.name, "load", std::to_string(s.load.iterations) + " iterations");
    int64_t total = s.checkpoints.empty() ? 0 : s.checkpoints.back().iteration;
    int index = 0;
    for (const auto& sample : s.checkpoints) {
      progress->Progress(
          {s.name, "load", sample.iteration, total, s.load.requests_per_second, sample.heap_used});
      progress->Checkpoint(s.name, ++index, static_cast<int>(s.checkpoints.size()), sample);
    }
    if (s.infrastructure_error) progress->Phase(s.name, "failed", *s.infrastructure_error);
  }
  progress->Finish();
}

int RunReport(const ReportOptions& opt) {
  run::RunResult r = run::ReadResultsFile(opt.file);
  if (opt.replay_progress) ReplayProgress(r);
  std::string out;
  if (opt.format == "console") {
    reporters::ConsoleOptions console;
    console.color = reporters::ShouldColor(reporters::ParseColorMode(opt.color), stdout);
    console.verbosity = opt.quiet     ? reporters::Verbosity::kQuiet
                        : opt.verbose ? reporters::Verbosity::kVerbose
                                      : reporters::Verbosity::kNormal;
    out = reporters::ConsoleReport(r, console);
  } else if (opt.format == "junit") {
    out = reporters::JunitXml(r);
  } else if (opt.format == "markdown") {
    out = reporters::MarkdownSummary(r);
  } else if (opt.format == "json") {
    out = run::ResultsJsonText(r);
  } else if (opt.format == "annotations") {
    out = reporters::Annotations(r);
  } else {  // outputs
    out = reporters::GithubOutputs(r, opt.file, opt.junit);
  }
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  if (!opt.junit.empty()) reporters::WriteJunitFile(r, opt.junit);
  if (!opt.html.empty()) reporters::WriteHtmlFile(r, opt.html);
  // Only on request: re-rendering saved results inside a workflow must not add annotations or
  // a second summary by itself (unlike `run`, which follows GITHUB_ACTIONS).
  if (opt.github)
    reporters::WriteGithubReports(r, reporters::GithubTargetFromEnv(true), stdout, opt.file,
                                  opt.junit);
  return r.ExitCode();
}

}  // namespace

void RegisterReportCommand(CLI::App& root, CommandAction& action) {
  auto opt = std::make_shared<ReportOptions>();
  auto* cmd =
      root.add_subcommand("report", "Render a saved results.json (exit code: the run's own)");
  cmd->add_option("results", opt->file, "A results.json written by `leakcheck run`")->required();
  cmd->add_option("--format", opt->format, "console, junit, markdown, json, annotations or outputs")
      ->check(CLI::IsMember({"console", "junit", "markdown", "json", "annotations", "outputs"}))
      ->default_val("console");
  cmd->add_option("--color", opt->color, "Colour the console report: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_val("auto");
  cmd->add_option("--junit", opt->junit, "Also write the JUnit XML report to this file");
  cmd->add_option("--html", opt->html, "Also write the self-contained HTML report to this file");
  cmd->add_flag("-q,--quiet", opt->quiet, "Console: failures and the verdict only");
  cmd->add_flag("-v,--verbose", opt->verbose,
                "Console: also passed checks, checkpoints and load figures");
  cmd->add_flag(
      "--github", opt->github,
      "Annotations on stdout, summary to $GITHUB_STEP_SUMMARY, outputs to $GITHUB_OUTPUT");
  cmd->add_flag("--replay-progress", opt->replay_progress,
                "Replay the checkpoints through the live progress display first")
      ->group("");  // a development aid: hidden from --help
  cmd->callback([&action, opt] { action = [opt] { return RunReport(*opt); }; });
}

}  // namespace leakcheck
