#include "harness/run/pipeline.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "harness/cdp/session.h"
#include "harness/common/error.h"
#include "harness/common/format.h"
#include "harness/common/interrupt.h"
#include "harness/common/redact.h"
#include "harness/config/loader.h"
#include "harness/config/secrets.h"
#include "harness/load/driver.h"
#include "harness/process/node_app.h"
#include "harness/run/allow.h"
#include "harness/run/detectors.h"
#include "harness/snapshot/reader.h"
#include "reporters/progress.h"

namespace leakcheck::run {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Slug(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "scenario" : out;
}

namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

SourceLocation ToLocation(const config::SourceLocation& l) { return {l.file, l.line, l.column}; }

void MakePrivateDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError("run", fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  // Snapshots hold whatever the app held (tokens, user data): owner-only, also when the folder
  // already existed with a looser mode.
  if (::chmod(dir.c_str(), 0700) != 0)
    throw InputError("run", fmt::format("cannot make {} private (mode 0700): {}", dir.string(),
                                        std::strerror(errno)));
}

// Whatever landed in a scenario's folder (logs, snapshots the app wrote with its own umask):
// owner-only.
void MakeFilesPrivate(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
      ::chmod(entry.path().c_str(), st.st_mode & 0700);
  }
}

// A run killed outright (a second Ctrl-C, SIGKILL) can leave `*.heapsnapshot.part` behind; the
// run folder lock guarantees no other run is writing them now.
void RemovePartialSnapshots(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->path().filename().string().ends_with(".heapsnapshot.part")) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

process::AppSpec SpecFor(const config::AppConfig& app, const fs::path& log_dir) {
  process::AppSpec spec;
  spec.argv = app.command.value;
  spec.cwd = app.cwd.value;
  for (const auto& [name, value] : app.env) spec.env.emplace_back(name, value.value);
  spec.node_args = app.node_args.value;
  if (app.port.value > 0) spec.port = static_cast<uint16_t>(app.port.value);
  if (app.ready.kind == config::ReadyKind::kHttp) spec.ready.http_path = app.ready.http.value;
  if (app.ready.kind == config::ReadyKind::kLog) spec.ready.log_regex = app.ready.log.value;
  spec.ready.timeout = app.ready.timeout.value;
  spec.stop_timeout = app.stop_timeout.value;
  spec.log_dir = log_dir;
  return spec;
}

// Default readiness: the app's port accepts a TCP connection.
void WaitForPort(const process::NodeApp& app, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  boost::asio::io_context io;
  for (;;) {
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), app.port()}, ec);
    if (!ec) return;
    if (auto exit = app.DescribeExit(milliseconds(100)))
      throw HarnessError("process: ready", *exit);
    if (Clock::now() > deadline)
      throw HarnessError("process: ready",
                         fmt::format("127.0.0.1:{} accepted no connection within {} ms", app.port(),
                                     timeout.count()));
  }
}

LoadStats ToLoadStats(const load::Stats& s) {
  LoadStats out;
  out.iterations = s.iterations;
  out.requests = s.requests;
  out.errors = s.failed_requests;
  for (int k = 0; k < load::kErrorKinds; ++k)
    out.errors_by_kind.emplace_back(load::ErrorKindName(static_cast<load::ErrorKind>(k)),
                                    s.errors[static_cast<size_t>(k)]);
  out.requests_per_second =
      s.elapsed_seconds > 0 ? static_cast<double>(s.requests) / s.elapsed_seconds : 0;
  out.latency_p50_ms = static_cast<double>(s.latency.Percentile(50)) / 1000;
  out.latency_p90_ms = static_cast<double>(s.latency.Percentile(90)) / 1000;
  out.latency_p99_ms = static_cast<double>(s.latency.Percentile(99)) / 1000;
  out.latency_max_ms = static_cast<double>(s.latency.max()) / 1000;
  return out;
}

CheckpointSample ToSample(const cdp::Measurement& m, int64_t iteration) {
  CheckpointSample s;
  s.iteration = iteration;
  s.heap_used = static_cast<double>(m.heap_used);
  s.heap_total = static_cast<double>(m.heap_total);
  s.external = static_cast<double>(m.external);
  s.array_buffers = static_cast<double>(m.array_buffers);
  s.code = static_cast<double>(m.code);
  for (const auto& [type, n] : m.active_resources) s.resources.emplace_back(type, n);
  s.snapshot = m.snapshot.string();
  return s;
}

// The limits the scenario's thresholds (or their defaults) set, in detector units.
DetectorLimits LimitsFor(const config::Scenario& sc) {
  using D = config::Detector;
  DetectorLimits l;
  l.heap_per_iteration = sc.threshold(D::kHeapPerIteration).limit;
  l.retained_growth = sc.threshold(D::kRetainedGrowth).limit;
  l.survivors = sc.threshold(D::kSurvivors).limit;
  l.collections = sc.threshold(D::kCollections).limit;
  l.listeners = sc.threshold(D::kListeners).limit;
  l.handles = sc.threshold(D::kHandles).limit;
  l.external = sc.threshold(D::kExternal).limit;
  l.closures = sc.threshold(D::kClosures).limit;
  l.http_errors = sc.threshold(D::kHttpErrors).limit * 100;  // a fraction in the model
  return l;
}

const config::Threshold* ThresholdFor(const config::Scenario& sc, const std::string& detector) {
  for (const auto& t : sc.thresholds) {
    std::string name = config::DetectorName(t.detector);
    if (name == detector || (name == "http_errors" && detector == "http")) return &t;
  }
  return nullptr;
}

// An allow entry accepts a failed check whose culprit it names (allow.h); the check is still
// reported, as "allowed".
void ApplyAllowList(const config::Scenario& sc, CheckResult& c) {
  if (c.status != CheckStatus::kFailed) return;
  if (auto a = MatchAllow(sc.allow, c)) {
    c.status = CheckStatus::kAllowed;
    c.allowed_reason = a->reason.empty() ? "allowed by the scenario's allow list" : a->reason;
  }
}

// Sampling heap profiler sites in the app's own code: "where was it allocated".
void AddAllocationSites(const cdp::SamplingProfile& profile, std::vector<CheckResult>& checks) {
  std::vector<Evidence> sites;
  for (const auto& s : profile.sites) {
    if (s.url.empty() || s.url.starts_with("node:") || s.self_size <= 0) continue;
    Evidence e;
    e.kind = Evidence::Kind::kSourceLocation;
    std::string url = s.url.starts_with("file://") ? s.url.substr(7) : s.url;
    e.title = fmt::format("{}:{} in {}", url, s.line,
                          s.function_name.empty() ? "(anonymous)" : s.function_name);
    e.bytes = s.self_size;
    e.detail = "(sampling heap profiler, bytes still live)";
    sites.push_back(std::move(e));
    if (sites.size() == 3) break;
  }
  for (auto& c : checks) {
    if (c.status != CheckStatus::kFailed) continue;
    if (c.detector == "heap_per_iteration" || c.detector == "retained_growth" ||
        c.detector == "survivors" || c.detector == "external")
      c.evidence.insert(c.evidence.end(), sites.begin(), sites.end());
  }
}

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

// A started app with its inspector session. With `app.reuse: true` one LiveApp serves every
// scenario of the file; otherwise each scenario starts and stops its own.
struct LiveApp {
  std::unique_ptr<process::NodeApp> app;
  std::unique_ptr<cdp::Session> session;

  void Start(const config::AppConfig& config, const fs::path& log_dir) {
    // `port: auto` picks a free port before node binds it; another process (a second leakcheck
    // run's app or load driver) can take it in between: then a new port, once.
    for (int attempt = 1;; ++attempt) {
      try {
        app = std::make_unique<process::NodeApp>(SpecFor(config, log_dir));
        app->Start();
        app->WaitReady();
        break;
      } catch (const Error& e) {
        const bool port_taken =
            config.port.value == 0 && e.detail().find("EADDRINUSE") != std::string::npos;
        if (!port_taken || attempt == 2 || InterruptRequested()) throw;
        app.reset();
      }
    }
    if (config.ready.kind == config::ReadyKind::kTcp) WaitForPort(*app, config.ready.timeout.value);
    session = std::make_unique<cdp::Session>();
    process::NodeApp* a = app.get();
    session->SetAppMonitor([a](milliseconds grace) { return a->DescribeExit(grace); });
    session->Connect(app->inspector_url());
  }
  void Stop() {
    if (session) session->Close();
    if (app) app->Stop();
  }
  bool started() const { return app != nullptr; }
};

class ScenarioRun {
 public:
  /// `shared`: the file's reused app (started by the first scenario), or nullptr.
  ScenarioRun(const config::ScenarioFile& file, const config::Scenario& sc,
              const RunOptions& options, reporters::ProgressReporter& progress, const fs::path& dir,
              std::string* node_version, LiveApp* shared)
      : file_(file),
        sc_(sc),
        options_(options),
        progress_(progress),
        dir_(dir),
        node_version_(node_version),
        shared_(shared) {}

  ScenarioResult Run();

 private:
  void Measure(cdp::Session& session, const process::NodeApp& app, const std::string& label,
               int64_t iteration, bool snapshot);
  void Analyse(const std::string& app_stderr);
  // Shows the phase and, when the user interrupted the run, stops the scenario here.
  void Phase(const std::string& phase, const std::string& detail);
  ScenarioResult Interrupted(const load::Stats& load, Clock::time_point started);
  // The harness failed (exit 3): the scenario is reported with the error and its stage.
  void RecordError(const Error& e) {
    r_.infrastructure_error = e.detail();
    r_.infrastructure_stage = e.stage();
    r_.passed = false;
  }

  const config::ScenarioFile& file_;
  const config::Scenario& sc_;
  const RunOptions& options_;
  reporters::ProgressReporter& progress_;
  fs::path dir_;
  std::string* node_version_;
  LiveApp* shared_;
  ScenarioResult r_;
  std::vector<int64_t> snapshot_iterations_;
  int checkpoint_index_ = 0;
  int checkpoint_count_ = 0;
  std::optional<cdp::SamplingProfile> profile_;
  std::string phase_;
};

void ScenarioRun::Phase(const std::string& phase, const std::string& detail) {
  if (InterruptRequested()) throw HarnessError("interrupted", "interrupted before " + phase);
  phase_ = detail.empty() || phase == "startup" ? phase : phase + " (" + detail + ")";
  progress_.Phase(r_.name, phase, detail);
}

// The user interrupted the run: the scenario is reported with what it measured so far, as an
// error of the stage "interrupted" naming the phase it was in.
ScenarioResult ScenarioRun::Interrupted(const load::Stats& load, Clock::time_point started) {
  if (r_.load.requests == 0 && load.requests > 0) r_.load = ToLoadStats(load);
  r_.infrastructure_stage = "interrupted";
  r_.infrastructure_error =
      fmt::format("{} during {}; the scenario stopped there and its results are partial",
                  InterruptSignalName(), phase_.empty() ? "startup" : phase_);
  r_.passed = false;
  r_.duration_seconds = Seconds(Clock::now() - started);
  return r_;
}

void ScenarioRun::Measure(cdp::Session& session, const process::NodeApp& app,
                          const std::string& label, int64_t iteration, bool snapshot) {
  cdp::CheckpointOptions cp;
  cp.label = label;
  cp.app_pid = app.pid();
  cp.snapshot_method = options_.snapshot_method;
  if (snapshot) cp.snapshot_path = fs::absolute(dir_ / (label + ".heapsnapshot"));
  Phase(snapshot ? "snapshot" : "gc", label);
  auto start = Clock::now();
  cdp::Measurement m = cdp::TakeCheckpoint(session, cp);
  double spent = Seconds(Clock::now() - start);
  r_.times.snapshots += m.snapshot_seconds;
  r_.times.gc_and_measure += spent - m.snapshot_seconds;
  r_.checkpoints.push_back(ToSample(m, iteration));
  if (snapshot) {
    r_.snapshots.push_back(m.snapshot.string());
    snapshot_iterations_.push_back(iteration);
  }
  progress_.Checkpoint(r_.name, checkpoint_index_++, checkpoint_count_, r_.checkpoints.back());
}

ScenarioResult ScenarioRun::Run() {
  r_.name = sc_.name.value;
  r_.location = ToLocation(sc_.location);
  const auto started = Clock::now();
  const int batches = std::max(sc_.checkpoints.value, sc_.snapshots.value - 1);
  const int middle = sc_.snapshots.value == 3 ? (batches + 1) / 2 : -1;
  checkpoint_count_ = batches + 1;
  std::string app_stderr;
  LiveApp* live = nullptr;
  load::Stats total;
  try {
    Phase("startup", sc_.location.ToString());
    auto t = Clock::now();
    LiveApp own;
    live = shared_ ? shared_ : &own;
    if (!live->started()) live->Start(file_.app, dir_);
    process::NodeApp& app = *live->app;
    cdp::Session& session = *live->session;
    r_.app_pid = app.pid();
    if (node_version_->empty()) {
      std::string v = session.Evaluate("process.version").json;
      *node_version_ = v.size() >= 2 && v.front() == '"' ? v.substr(1, v.size() - 2) : v;
    }
    load::Driver driver(file_, sc_);
    driver.SetVariable("app.port", std::to_string(app.port()));
    r_.times.startup = Seconds(Clock::now() - t);

    Phase("warmup", "");
    t = Clock::now();
    const auto& warm = sc_.warmup;
    load::Stats warm_stats = warm.duration ? driver.RunFor(warm.duration->value)
                                           : driver.RunIterations(warm.iterations.value);
    r_.warmup = ToLoadStats(warm_stats);
    r_.times.warmup = Seconds(Clock::now() - t);
    if (auto exit = app.DescribeExit(milliseconds(0))) throw HarnessError("load: warmup", *exit);

    Measure(session, app, "baseline", 0, true);
    if (options_.sampling) session.StartSampling();
    const auto& amount = sc_.run.amount;
    for (int b = 1; b <= batches; ++b) {
      Phase("load", fmt::format("batch {} of {}", b, batches));
      t = Clock::now();
      load::Stats batch;
      if (amount.duration) {
        batch = driver.RunFor(amount.duration->value / batches);
      } else {
        const int64_t n = amount.iterations.value;
        batch = driver.RunIterations(n * b / batches - n * (b - 1) / batches);
      }
      r_.times.load += Seconds(Clock::now() - t);
      total.Merge(batch);
      reporters::ProgressUpdate update;
      update.scenario = r_.name;
      update.phase = "load";
      update.done = total.iterations;
      update.total = amount.duration ? 0 : amount.iterations.value;
      update.requests_per_second = batch.elapsed_seconds > 0
                                       ? static_cast<double>(batch.requests) / batch.elapsed_seconds
                                       : 0;
      update.heap_used = r_.checkpoints.back().heap_used;
      progress_.Progress(update);
      if (auto exit = app.DescribeExit(milliseconds(0))) throw HarnessError("load", *exit);
      if (options_.sampling && b == batches) profile_ = session.StopSampling();
      Measure(session, app, b == batches ? "final" : fmt::format("checkpoint-{}", b),
              total.iterations, b == batches || b == middle);
    }
    r_.load = ToLoadStats(total);
    Phase("shutdown", "");
    t = Clock::now();
    if (!shared_) live->Stop();
    r_.times.shutdown = Seconds(Clock::now() - t);
    app_stderr = app.StderrTail(500);
    r_.app_stderr_tail = app.StderrTail(20);
  } catch (const Error& e) {
    // A reused app that failed is not reused: the next scenario starts a fresh one.
    if (shared_ && shared_->started()) {
      if (shared_->app) r_.app_stderr_tail = shared_->app->StderrTail(20);
      *shared_ = LiveApp{};
    }
    if (InterruptRequested()) return Interrupted(total, started);
    if (e.status() != kExitFailure) throw;  // bad input: the whole run is a usage error
    RecordError(e);
    r_.duration_seconds = Seconds(Clock::now() - started);
    return r_;
  }
  auto t = Clock::now();
  try {
    Phase("analysis", "");
    Analyse(app_stderr);
  } catch (const Error& e) {
    if (InterruptRequested()) return Interrupted(total, started);
    if (e.status() != kExitFailure) throw;
    RecordError(e);  // an unreadable snapshot is this scenario's error; the report is still written
  }
  r_.times.analysis = Seconds(Clock::now() - t);
  r_.duration_seconds = Seconds(Clock::now() - started);
  return r_;
}

void ScenarioRun::Analyse(const std::string& app_stderr) {
  std::vector<snapshot::HeapGraph> graphs;
  graphs.reserve(r_.snapshots.size());
  DetectorInput in;
  in.samples = r_.checkpoints;
  in.load = r_.load;
  in.app_stderr = app_stderr;
  try {
    for (const auto& path : r_.snapshots) {
      if (InterruptRequested()) throw HarnessError("interrupted", "interrupted during analysis");
      graphs.push_back(snapshot::ReadSnapshotFile(path));
    }
  } catch (const Error& e) {
    // A snapshot the app wrote but we cannot read is the harness's failure, not the user's.
    throw HarnessError("analysis", e.detail());
  }
  for (size_t i = 0; i < graphs.size(); ++i)
    in.snapshots.push_back({&graphs[i], snapshot_iterations_[i], r_.snapshots[i]});
  r_.checks = RunDetectors(in, LimitsFor(sc_));
  if (profile_) AddAllocationSites(*profile_, r_.checks);
  for (auto& c : r_.checks) {
    const config::Threshold* t = ThresholdFor(sc_, c.detector);
    if (t && t->location.line > 0) {
      c.location = ToLocation(t->location);
      c.default_threshold = false;
    } else {
      c.location = r_.location;
    }
    // Paths under the working directory read better relative: "scenarios/app/server.js:16".
    std::string cwd = fs::current_path().string() + "/";
    for (auto& e : c.evidence)
      for (std::string* text : {&e.title, &e.detail})
        for (size_t at; (at = text->find(cwd)) != std::string::npos;) text->erase(at, cwd.size());
    ApplyAllowList(sc_, c);
    if (c.status == CheckStatus::kFailed) r_.passed = false;
  }
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

RunResult RunScenarioFiles(const RunOptions& options, reporters::ProgressReporter& progress) {
  // Load and validate every file before starting anything.
  std::vector<config::ScenarioFile> files;
  for (const auto& path : options.files) files.push_back(config::LoadScenarioFile(path));
  for (const auto& f : files) config::RegisterSecrets(f, redact::Global());
  bool found = !options.scenario;
  for (const auto& f : files)
    for (const auto& sc : f.scenarios)
      found |= options.scenario && sc.name.value == *options.scenario;
  if (!found) throw InputError("run", fmt::format("no scenario named `{}`", *options.scenario));

  RunResult result;
  result.scenario_file = options.files.empty() ? "" : options.files.front();
  result.leakcheck_version = LEAKCHECK_VERSION;
  result.run_dir = options.out_dir;
  result.started_at = NowIso8601();
  result.git_commit = GitCommit(
      options.files.empty() ? fs::path(".") : fs::path(options.files.front()).parent_path());
  MakePrivateDir(options.out_dir);
  const auto started = Clock::now();
  for (const auto& f : files) {
    LiveApp reused;  // only with app.reuse: true
    for (const auto& sc : f.scenarios) {
      if (options.scenario && sc.name.value != *options.scenario) continue;
      if (InterruptRequested()) break;  // the scenarios not started are left out of the report
      fs::path dir = fs::path(options.out_dir) / Slug(sc.name.value);
      MakePrivateDir(dir);
      RemovePartialSnapshots(dir);
      LiveApp* shared = f.app.reuse.value ? &reused : nullptr;
      ScenarioResult sr =
          ScenarioRun(f, sc, options, progress, dir, &result.node_version, shared).Run();
      if (sr.passed && !options.keep_snapshots) {
        for (const auto& s : sr.snapshots) fs::remove(s);
        sr.snapshots.clear();
      }
      MakeFilesPrivate(dir);
      RedactScenarioResult(sr);
      result.scenarios.push_back(std::move(sr));
    }
    try {
      reused.Stop();
    } catch (const Error& e) {
      // Every check is already decided; a reused app that would not stop is still reported.
      if (!result.scenarios.empty() && !result.scenarios.back().infrastructure_error) {
        result.scenarios.back().infrastructure_error = redact::Redact(e.detail());
        result.scenarios.back().infrastructure_stage = e.stage();
      }
    }
  }
  result.interrupted = InterruptRequested();
  result.duration_seconds = Seconds(Clock::now() - started);
  return result;
}

}  // namespace leakcheck::run
