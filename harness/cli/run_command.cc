// `leakcheck run FILE…`: the pipeline, then every reporter over the one result.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/cdp/checkpoint.h"
#include "harness/cli/cli.h"
#include "harness/common/duration.h"
#include "harness/common/error.h"
#include "harness/common/exit_status.h"
#include "harness/common/interrupt.h"
#include "harness/common/redact.h"
#include "harness/config/overrides.h"
#include "harness/run/baseline.h"
#include "harness/run/pipeline.h"
#include "harness/run/run_lock.h"
#include "reporters/console_report.h"
#include "reporters/github.h"
#include "reporters/html_report.h"
#include "reporters/json_results.h"
#include "reporters/junit_report.h"
#include "reporters/progress.h"

namespace leakcheck {
namespace {

struct RunCommandOptions {
  run::RunOptions run;
  std::string junit;
  std::string html;  // --html: report.html also written here
  std::string baseline;
  double baseline_margin = 10;
  std::string color = "auto";
  std::string snapshot_method = "app";
  bool json = false;
  bool github = false;
  bool quiet = false;
  bool verbose = false;
  bool no_sampling = false;
  bool no_watch_adders = false;
  std::string inconclusive = "pass";
  std::optional<int64_t> iterations;  // --iterations, --concurrency, --duration, --var, -e
  std::optional<int> concurrency;
  std::string duration;
  std::vector<std::string> vars;
};

// The command line's overrides (config/overrides.h): exit 2 for a bad --duration or --var.
config::Overrides OverridesOf(const RunCommandOptions& o, std::string environment) {
  config::Overrides out;
  out.environment = std::move(environment);
  if (o.iterations) out.run.iterations = config::Located<int64_t>{*o.iterations, {}};
  if (o.concurrency) out.run.concurrency = config::Located<int>{*o.concurrency, {}};
  if (!o.duration.empty()) {
    auto d = ParseDuration(o.duration);
    if (!d || d->count() <= 0)
      throw InputError("options", "--duration: expected a duration like `30s` or `2m`, got `" +
                                      o.duration + "`");
    out.run.duration = config::Located<config::Duration>{*d, {}};
  }
  for (const std::string& v : o.vars) out.vars.push_back(config::ParseVarArgument(v));
  return out;
}

int RunRun(RunCommandOptions& o) {
  // Ctrl-C stops the run at the next stage boundary and still writes every report.
  SetGracefulInterrupt(true);
  o.run.overrides = OverridesOf(o, o.run.overrides.environment);
  run::RunFolderLock lock(o.run.out_dir);
  // A bad baseline is bad input: exit 2 before anything starts, not after the run (and its
  // reports).
  std::optional<run::RunResult> baseline;
  if (!o.baseline.empty()) baseline = reporters::ReadResultsFile(o.baseline);
  const auto snapshot_method = cdp::ParseSnapshotMethod(o.snapshot_method);
  if (!snapshot_method)
    throw InputError("run", "--snapshot-method: `" + o.snapshot_method + "` is not app or stream");
  o.run.snapshot_method = *snapshot_method;
  o.run.sampling = !o.no_sampling;
  o.run.watch_adders = !o.no_watch_adders;
  o.run.inconclusive_fails = o.inconclusive == "fail";
  if (!o.junit.empty()) o.run.report_files.push_back(o.junit);
  const reporters::ColorMode color_mode = reporters::ParseColorMode(o.color);
  auto github = reporters::GithubTargetFromEnv(o.github);
  // Progress goes to stderr, so `--json` output on stdout stays clean.
  auto progress = o.quiet ? reporters::MakeSilentProgress() : reporters::MakeProgress(stderr);
  run::RunResult r = run::RunScenarioFiles(o.run, *progress);
  progress->Finish();

  if (!o.baseline.empty()) {
    run::BaselineOptions b;
    b.margin_percent = o.baseline_margin;
    b.baseline_file = o.baseline;
    run::ApplyBaseline(r, *baseline, b);
  }
  const std::string results_path = (std::filesystem::path(r.run_dir) / "results.json").string();
  // A report that cannot be written (a full disk) must not cost the others: each is tried, the
  // failures are listed on stderr at the end, and the run exits 3.
  std::vector<std::string> write_errors;
  auto attempt = [&write_errors](auto&& write) {
    try {
      write();
    } catch (const Error& e) {
      write_errors.push_back(e.what());
    }
  };
  attempt([&] { reporters::WriteResultsFile(r, results_path); });
  // report.html in the run folder on every run, and at --html FILE when asked.
  for (const std::string& html :
       {r.run_dir.empty() ? "" : (std::filesystem::path(r.run_dir) / "report.html").string(),
        o.html})
    if (!html.empty()) {
      attempt([&] { reporters::WriteHtmlFile(r, html); });
      run::MakePrivateIfInRunFolder(html, r.run_dir);  // owner-only, like every run-folder file
    }
  if (!o.junit.empty()) {
    attempt([&] { reporters::WriteJunitFile(r, o.junit); });
    run::MakePrivateIfInRunFolder(o.junit, r.run_dir);
  }
  if (o.json) {
    std::fputs(reporters::ResultsJsonText(r).c_str(), stdout);
  } else {
    reporters::ConsoleOptions console;
    console.color = reporters::ShouldColor(color_mode, stdout);
    console.verbosity = o.quiet     ? reporters::Verbosity::kQuiet
                        : o.verbose ? reporters::Verbosity::kVerbose
                                    : reporters::Verbosity::kNormal;
    if (github.enabled && r.scenarios.size() > 1) {
      // One collapsible group per scenario in the Actions log, then the overall verdict.
      for (const auto& s : r.scenarios) {
        run::RunResult one = r;
        one.scenarios = {s};
        std::fputs(reporters::GroupStart(s.name).c_str(), stdout);
        std::fputs(reporters::ConsoleReport(one, console).c_str(), stdout);
        std::fputs(reporters::GroupEnd().c_str(), stdout);
      }
      std::fputs((reporters::Verdict(r, console.color) + "\n").c_str(), stdout);
    } else {
      std::fputs(reporters::ConsoleReport(r, console).c_str(), stdout);
    }
  }
  if (github.enabled)
    attempt([&] { reporters::WriteGithubReports(r, github, stdout, results_path, o.junit); });
  std::fflush(stdout);
  for (const auto& e : write_errors)
    std::fprintf(stderr, "leakcheck: %s\n", redact::Redact(e).c_str());
  if (!write_errors.empty() && !r.interrupted) return kExitFailure;
  return r.ExitCode();
}

}  // namespace

void RegisterRunCommand(CLI::App& root, CommandAction& action) {
  auto o = std::make_shared<RunCommandOptions>();
  auto* cmd =
      root.add_subcommand("run", "Launch the app, drive the scenarios, and fail when memory grows");
  cmd->add_option("files", o->run.files, "Scenario YAML files")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->run.out_dir, "Run folder: logs, results.json, snapshots")
      ->default_val("leakcheck-results");
  cmd->add_flag("--keep-snapshots", o->run.keep_snapshots,
                "Keep heap snapshots even when every check passes");
  cmd->add_option("--scenario", o->run.scenario, "Run only the scenario with this name");
  cmd->add_option("-e,--environment", o->run.overrides.environment,
                  "Use this entry of the file's `environments:` (its variables and run:)");
  cmd->add_option("--iterations", o->iterations,
                  "Measured iterations of every scenario (over the environment and the file)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--duration", o->duration,
                  "Measured run length of every scenario, like 30s (instead of iterations)");
  cmd->add_option("--concurrency", o->concurrency, "Virtual users of every scenario")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--var", o->vars,
                  "name=value: set a variable of `variables:` (repeatable; over -e and the file)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_option("--junit", o->junit, "Write a JUnit XML report to this file");
  cmd->add_option("--html", o->html,
                  "Also write the HTML report to this file (report.html is always in --out)");
  cmd->add_flag("--json", o->json, "Print results.json to stdout instead of the console report");
  cmd->add_flag("--github", o->github,
                "GitHub annotations, step summary and outputs (default when GITHUB_ACTIONS=true)");
  cmd->add_option("--baseline", o->baseline,
                  "results.json of the main branch: fail on regressions beyond the margin");
  cmd->add_option("--baseline-margin", o->baseline_margin,
                  "Allowed rise over the baseline, in percent")
      ->default_val(10);
  cmd->add_option("--inconclusive", o->inconclusive,
                  "How a check that cannot decide counts: pass (exit 0) or fail (exit 1)")
      ->check(CLI::IsMember({"pass", "fail"}))
      ->default_val("pass");
  cmd->add_option("--color", o->color, "auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_val("auto");
  cmd->add_option("--snapshot-method", o->snapshot_method,
                  "app (v8.writeHeapSnapshot in the app) or stream (over CDP)")
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(cdp::kSnapshotMethodNames),
                                                     std::end(cdp::kSnapshotMethodNames))))
      ->default_val("app");
  cmd->add_flag("--no-sampling", o->no_sampling, "Do not run the sampling heap profiler");
  cmd->add_flag("--no-watch-adders", o->no_watch_adders,
                "Do not watch which line adds a growing collection's entries");
  cmd->add_flag("-q,--quiet", o->quiet, "Only the verdict and the failures");
  cmd->add_flag("-v,--verbose", o->verbose, "Also passed checks' figures and every checkpoint");
  cmd->callback([&action, o] { action = [o] { return RunRun(*o); }; });
}

}  // namespace leakcheck
