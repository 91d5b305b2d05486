#include "harness/run/pipeline.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/common/interrupt.h"
#include "harness/common/redact.h"
#include "harness/common/version.h"
#include "harness/config/loader.h"
#include "harness/config/secrets.h"
#include "harness/run/run_folder.h"
#include "harness/run/scenario_run.h"

namespace leakcheck::run {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string NowIso8601() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ReadFirstLine(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

// The commit under test: $GITHUB_SHA in Actions, else the HEAD of the git checkout holding the
// scenario file (read from .git directly: no git process, no shell).
std::string GitCommit(fs::path dir) {
  if (const char* sha = std::getenv("GITHUB_SHA"); sha && *sha) return sha;
  std::error_code ec;
  dir = fs::absolute(dir, ec);
  for (; !dir.empty(); dir = dir.parent_path()) {
    fs::path git = dir / ".git";
    if (fs::is_directory(git, ec)) {
      std::string head = ReadFirstLine(git / "HEAD");
      if (!head.starts_with("ref: ")) return head;
      std::string ref = head.substr(5);
      std::string sha = ReadFirstLine(git / ref);
      if (!sha.empty()) return sha;
      std::ifstream packed(git / "packed-refs");
      for (std::string line; std::getline(packed, line);)
        if (line.size() > 41 && line.substr(41) == ref) return line.substr(0, 40);
      return "";
    }
    if (dir == dir.parent_path()) break;
  }
  return "";
}

// A scenario selected for this run, with its folder.
struct Planned {
  const config::ScenarioFile* file;
  const config::Scenario* scenario;
  fs::path dir;
};

// Everything that can be checked before the first app starts, for every file: the apps'
// executables and node flags, the run folder and the report files. InputError (exit 2) at once.
std::vector<Planned> Plan(const RunOptions& options, const std::vector<config::ScenarioFile>& files,
                          Stages& stages) {
  std::vector<Planned> plan;
  std::vector<ScenarioKey> keys;
  for (const auto& f : files) {
    bool selected = false;
    for (const auto& sc : f.scenarios) {
      if (options.scenario && sc.name.value != *options.scenario) continue;
      plan.push_back({&f, &sc, {}});
      keys.push_back({f.path, sc.name.value});
      selected = true;
    }
    if (selected && !f.app.attached()) stages.CheckApp(SpecFor(f.app, options.out_dir));
  }
  std::vector<std::string> names = ScenarioFolderNames(keys);
  for (size_t i = 0; i < plan.size(); ++i) plan[i].dir = fs::path(options.out_dir) / names[i];
  CreatePrivateDirs(options.out_dir);
  CheckReportPath("run", (fs::path(options.out_dir) / "results.json").string());
  for (const auto& report : options.report_files) CheckReportPath("run", report);
  return plan;
}

// The scenario's folder, its run and what follows it, inside the scenario's error boundary.
ScenarioResult RunPlanned(const Planned& p, const RunOptions& options, ProgressSink& progress,
                          Stages& stages, std::string* node_version, StartedApp* shared) {
  ScenarioResult sr;
  try {
    CreatePrivateDirs(p.dir);
    ClearScenarioFolder(p.dir);
    sr = RunScenario(
        {p.file, p.scenario, &options, &progress, &stages, p.dir, node_version, shared});
    if (sr.passed && !options.keep_snapshots) {
      for (const auto& s : sr.snapshots) fs::remove(s);
      for (const auto& proc : sr.processes)
        for (const auto& s : proc.snapshots) fs::remove(s);
    }
    MakeFilesPrivate(p.dir);
  } catch (const std::exception& e) {
    // The folder could not be prepared or cleaned up: the scenario's error, reports still written.
    if (sr.name.empty()) {
      sr.name = p.scenario->name.value;
      sr.location = {p.scenario->location.file, p.scenario->location.line,
                     p.scenario->location.column};
    }
    const auto* error = dynamic_cast<const Error*>(&e);
    sr.infrastructure_error = error ? error->detail() : std::string(e.what());
    sr.infrastructure_stage = error ? error->stage() : "run";
    sr.passed = false;
  }
  // results.json names only files that exist.
  sr.snapshots = ExistingFiles(sr.snapshots);
  auto drop_missing = [](std::vector<CheckpointSample>& samples) {
    for (auto& c : samples)
      if (!c.snapshot.empty() && ExistingFiles({c.snapshot}).empty()) c.snapshot.clear();
  };
  drop_missing(sr.checkpoints);
  for (auto& proc : sr.processes) {
    proc.snapshots = ExistingFiles(proc.snapshots);
    drop_missing(proc.checkpoints);
  }
  RedactScenarioResult(sr);
  return sr;
}

}  // namespace

void MakePrivateIfInRunFolder(const std::string& file, const std::string& run_dir) {
  std::error_code ec;
  const fs::path f = fs::weakly_canonical(file, ec);
  const fs::path dir = fs::weakly_canonical(run_dir, ec);
  if (ec) return;
  auto [d, ff] = std::mismatch(dir.begin(), dir.end(), f.begin(), f.end());
  if (d == dir.end() && ff != f.end()) ::chmod(f.c_str(), 0600);
}

RunResult RunScenarioFiles(const RunOptions& options, ProgressSink& progress) {
  return RunScenarioFiles(options, progress, LiveStages());
}

RunResult RunScenarioFiles(const RunOptions& options, ProgressSink& progress, Stages& stages) {
  // Load and validate every file before starting anything.
  std::vector<config::ScenarioFile> files;
  for (const auto& path : options.files) {
    files.push_back(config::LoadScenarioFile(path));
    config::ApplyOverrides(files.back(), options.overrides);
  }
  for (const auto& f : files) config::RegisterSecrets(f, redact::Global());
  bool found = !options.scenario;
  for (const auto& f : files)
    for (const auto& sc : f.scenarios)
      found |= options.scenario && sc.name.value == *options.scenario;
  if (!found) throw InputError("run", fmt::format("no scenario named `{}`", *options.scenario));
  const std::vector<Planned> plan = Plan(options, files, stages);

  RunResult result;
  result.scenario_file = options.files.empty() ? "" : options.files.front();
  result.leakcheck_version = LEAKCHECK_VERSION;
  result.run_dir = options.out_dir;
  result.inconclusive = options.inconclusive_fails ? "fail" : "pass";
  result.started_at = NowIso8601();
  result.git_commit = GitCommit(
      options.files.empty() ? fs::path(".") : fs::path(options.files.front()).parent_path());
  const auto started = Clock::now();
  for (size_t i = 0; i < plan.size();) {
    const config::ScenarioFile* file = plan[i].file;
    StartedApp reused;  // only with app.reuse: true
    for (; i < plan.size() && plan[i].file == file; ++i) {
      if (InterruptRequested()) break;  // the scenarios not started are left out of the report
      StartedApp* shared = file->app.reuse.value ? &reused : nullptr;
      result.scenarios.push_back(
          RunPlanned(plan[i], options, progress, stages, &result.node_version, shared));
    }
    try {
      reused.Stop();
    } catch (const std::exception& e) {
      // Every check is already decided; a reused app that would not stop is still reported.
      const auto* error = dynamic_cast<const Error*>(&e);
      if (!result.scenarios.empty() && !result.scenarios.back().infrastructure_error) {
        result.scenarios.back().infrastructure_error =
            redact::Redact(error ? error->detail() : e.what());
        result.scenarios.back().infrastructure_stage = error ? error->stage() : "process: stop";
      }
    }
    if (InterruptRequested()) break;
  }
  result.interrupted = InterruptRequested();
  result.duration_seconds = Seconds(Clock::now() - started);
  return result;
}

}  // namespace leakcheck::run
