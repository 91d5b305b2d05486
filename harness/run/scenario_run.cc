#include "harness/run/scenario_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "harness/analysis/heap_inspect.h"
#include "harness/common/error.h"
#include "harness/common/exit_status.h"
#include "harness/common/interrupt.h"
#include "harness/config/app_template.h"
#include "harness/load/batches.h"
#include "harness/process/http_probe.h"
#include "harness/run/app_setup.h"
#include "harness/run/detectors.h"
#include "harness/run/processes.h"
#include "harness/run/routes.h"
#include "harness/run/verdict.h"
#include "harness/run/warmup.h"
#include "harness/snapshot/reader.h"

namespace leakcheck::run {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
// Growing collections whose adding calls are watched at once (the most growth first).
constexpr size_t kMaxWatchedCollections = 3;
using std::chrono::milliseconds;

process::AppSpec SpecFor(const config::AppConfig& app, const fs::path& log_dir, int port) {
  process::AppSpec spec;
  if (port == 0) port = app.port.value;
  for (const std::string& s : app.command.value)
    spec.argv.push_back(config::RenderAppValue(s, port));
  spec.cwd = app.cwd.value;
  for (const auto& [name, value] : app.env)
    spec.env.emplace_back(name, config::RenderAppValue(value.value, port));
  for (const std::string& s : app.node_args.value)
    spec.node_args.push_back(config::RenderAppValue(s, port));
  // Out of memory is a verdict (docs/verdicts.md): V8 writes one snapshot as the heap nears its
  // limit, into the scenario's folder, so the culprit can be named after the app dies.
  const bool own_near_limit =
      std::any_of(spec.node_args.begin(), spec.node_args.end(), [](const std::string& a) {
        return a.starts_with("--heapsnapshot-near-heap-limit") || a.starts_with("--diagnostic-dir");
      });
  if (!own_near_limit && !log_dir.empty()) {
    spec.node_args.push_back("--heapsnapshot-near-heap-limit=1");
    spec.node_args.push_back("--diagnostic-dir=" + fs::absolute(log_dir).string());
  }
  if (port > 0) spec.port = static_cast<uint16_t>(port);
  if (app.ready.kind == config::ReadyKind::kHttp) spec.ready.http_path = app.ready.http.value;
  if (app.ready.kind == config::ReadyKind::kLog) spec.ready.log_regex = app.ready.log.value;
  spec.ready.timeout = app.ready.timeout.value;
  spec.stop_timeout = app.stop_timeout.value;
  spec.log_dir = log_dir;
  return spec;
}

std::vector<ThreadSession> Inspector::Threads() { return {}; }

std::unique_ptr<App> Stages::Attach(const config::AppConfig&) {
  throw InputError("app", "these stages cannot attach to a running app (`app.url`)");
}

void StartedApp::Start(Stages& stages, const config::AppConfig& config, const fs::path& log_dir) {
  if (config.attached()) {
    // Attach mode: the app runs already; it is measured as one process through its inspector.
    app = stages.Attach(config);
    app->WaitForPort(config.ready.timeout.value);
    app->WaitReady();
    app->Start();
    inspector = stages.Connect(*app);
    return;
  }
  // `port: auto` picks a free port before node binds it; another process (a second leakcheck
  // run's app or load driver) can take it in between: then a new port, once.
  // `{{ app.port }}` in the app's strings: the port is chosen here, before setup and start.
  const bool choose_port = config.port.value == 0 && config::UsesAppPort(config);
  int port = choose_port ? process::PickFreePort() : 0;
  RunAppSetup(config, log_dir, port);
  for (int attempt = 1;; ++attempt) {
    try {
      if (attempt > 1 && choose_port) port = process::PickFreePort();
      app = stages.MakeApp(SpecFor(config, log_dir, port));
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
  if (config.ready.kind == config::ReadyKind::kTcp) app->WaitForPort(config.ready.timeout.value);
  // Before any traffic: requests to a port another process holds would measure nothing.
  app->CheckPortOwner();
  std::vector<process::NodeProcess> found = app->Processes();
  if (found.empty() || (found.size() == 1 && found[0].problem.empty())) {
    inspector = stages.Connect(*app);  // one process: as ever, unless it has threads
    if (found.empty()) {
      primary.pid = app->pid();
      primary.role = "primary";
    } else {
      primary = found[0];
    }
    AddThreads({primary});
    return;
  }
  // The primary first (the first measured "primary", else the first measured process).
  std::stable_partition(found.begin(), found.end(), [](const process::NodeProcess& p) {
    return p.problem.empty() && p.role == "primary";
  });
  std::stable_partition(found.begin(), found.end(),
                        [](const process::NodeProcess& p) { return p.problem.empty(); });
  for (process::NodeProcess& p : found) {
    if (!p.problem.empty()) continue;
    try {
      auto session = stages.ConnectTo(*app, p);
      if (!inspector) {
        inspector = std::move(session);
      } else {
        others.push_back({p, std::move(session)});
      }
    } catch (const Error& e) {
      if (InterruptRequested()) throw;
      p.problem = "cannot connect to its inspector: " + e.detail();
    }
  }
  if (!inspector) {
    std::string list;
    for (const auto& p : found)
      list += "\n  " + process::ProcessLabel(p.role, p.pid, p.script) + ": " + p.problem;
    throw HarnessError("inspector", "no Node process of the app could be measured:" + list);
  }
  // Measured first (the primary at 0, then `others` in order), then the rest.
  std::stable_partition(found.begin(), found.end(),
                        [](const process::NodeProcess& p) { return p.problem.empty(); });
  primary = found.front();
  AddThreads(std::move(found));
}

namespace {

// "file:///app/worker.js" -> "worker.js"; "" when there is no path.
std::string ScriptOfUrl(const std::string& url) {
  const size_t slash = url.find_last_of('/');
  return slash == std::string::npos ? url : url.substr(slash + 1);
}

// The new threads of `session` (process `owner`): attached ones appended to `others` and to
// `threads`, the rest to `lost`.
void TakeThreads(Inspector& session, const process::NodeProcess& owner,
                 std::vector<ProcessSession>& others, std::vector<process::NodeProcess>& threads,
                 std::vector<process::NodeProcess>& lost) {
  for (ThreadSession& t : session.Threads()) {
    process::NodeProcess p;
    p.pid = owner.pid;
    p.ppid = owner.pid;
    p.role = "thread";
    p.thread_id = std::atoi(t.info.worker_id.c_str());
    p.script = ScriptOfUrl(t.info.url);
    p.command = t.info.title;
    p.problem = t.problem;
    if (t.inspector) {
      others.push_back({p, std::move(t.inspector)});
      threads.push_back(std::move(p));
    } else {
      lost.push_back(std::move(p));
    }
  }
}

}  // namespace

std::vector<process::NodeProcess> StartedApp::AttachNewThreads() {
  std::vector<process::NodeProcess> threads, lost;
  const size_t before = others.size();
  TakeThreads(*inspector, primary, others, threads, lost);
  for (size_t i = 0; i < before; ++i)
    if (!others[i].ended && others[i].process.role != "thread")
      TakeThreads(*others[i].inspector, others[i].process, others, threads, lost);
  if (threads.empty() && lost.empty()) return {};
  if (processes.empty()) processes.push_back(primary);
  processes.insert(processes.end(), threads.begin(), threads.end());
  processes.insert(processes.end(), lost.begin(), lost.end());
  threads.insert(threads.end(), lost.begin(), lost.end());
  return threads;
}

void StartedApp::AddThreads(std::vector<process::NodeProcess> found) {
  const size_t measured = others.size() + 1;  // found[0, measured) have sessions
  std::vector<process::NodeProcess> threads, lost;
  for (size_t i = 0; i < measured && i < found.size(); ++i)
    TakeThreads(i == 0 ? *inspector : *others[i - 1].inspector, found[i], others, threads, lost);
  if (threads.empty() && lost.empty()) {
    if (found.size() == 1 && found[0].problem.empty()) return;  // one process: as ever
    processes = std::move(found);
    return;
  }
  // Measured processes, then measured threads (the order of `others`), then the rest.
  auto at = found.begin() + static_cast<std::ptrdiff_t>(std::min(measured, found.size()));
  at = found.insert(at, threads.begin(), threads.end()) +
       static_cast<std::ptrdiff_t>(threads.size());
  found.insert(found.end(), lost.begin(), lost.end());
  processes = std::move(found);
}

void StartedApp::Stop() {
  for (auto& o : others) o.inspector->Close();
  if (inspector) inspector->Close();
  if (app) app->Stop();
}

void StartedApp::Reset() noexcept {
  others.clear();
  inspector.reset();
  processes.clear();
  app.reset();
}

namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

LoadStats ToLoadStats(const load::Stats& s) {
  LoadStats out;
  out.iterations = s.iterations;
  out.requests = s.requests;
  out.errors = s.failed_requests;
  for (int k = 0; k < load::kErrorKinds; ++k)
    out.errors_by_kind.emplace_back(load::ErrorKindName(static_cast<load::ErrorKind>(k)),
                                    s.errors[static_cast<size_t>(k)]);
  out.routes = ToRouteOutcomes(s.routes);
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
  s.snapshot_taken = !s.snapshot.empty();
  s.rss = static_cast<double>(m.rss);
  s.heap_limit = static_cast<double>(m.heap_limit);
  for (const auto& [kind, n] : m.descriptors.kinds) s.fds.emplace_back(kind, n);
  for (const auto& [path, n] : m.descriptors.files) s.fd_files.emplace_back(path, n);
  for (const auto& [group, n] : m.descriptors.sockets) s.sockets.emplace_back(group, n);
  return s;
}

// "2 of 3 requests failed (status 2) on POST /login, GET /me": why `before:`/`after:` failed.
std::string OnceFailure(const load::Stats& s, const config::OnceFlow& once) {
  std::string kinds, routes;
  for (int k = 0; k < load::kErrorKinds; ++k)
    if (const int64_t n = s.errors[static_cast<size_t>(k)]; n > 0)
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ",
                           load::ErrorKindName(static_cast<load::ErrorKind>(k)), n);
  for (const load::RouteStats& r : s.routes)
    if (r.failed > 0) routes += (routes.empty() ? "" : ", ") + r.route;
  return fmt::format("{} of {} requests failed ({}) on {} ({})", s.failed_requests, s.requests,
                     kinds, routes, once.location.ToString());
}

class ScenarioRun {
 public:
  explicit ScenarioRun(const ScenarioContext& c)
      : c_(c), sc_(*c.scenario), options_(*c.options), progress_(*c.progress) {}

  ScenarioResult Run();

 private:
  // Startup to shutdown; throws on any failure.
  void Drive(std::string& app_stderr);
  void Measure(Inspector& inspector, const App& app, const std::string& label, int64_t iteration,
               bool snapshot);
  // The checkpoint in each of the app's other processes (StartedApp::others); one that exited
  // or ended since its last checkpoint gets its exited_at.
  void MeasureOthers(const std::string& label, int64_t iteration, bool snapshot);
  // Threads started since the last checkpoint: listed (found_at `iteration`) and measured from
  // this checkpoint on.
  void FindNewThreads(int64_t iteration);
  void Analyse(const std::string& app_stderr);
  // Detectors, sites, threshold locations and allow list on one process's samples and snapshots.
  std::vector<CheckResult> AnalyseProcess(const std::vector<CheckpointSample>& samples,
                                          const std::vector<std::string>& snapshots,
                                          const std::vector<int64_t>& snapshot_iterations,
                                          const std::string& app_stderr, bool with_profile);
  // After Drive failed: true when the app died of heap exhaustion (its stderr says so, or its
  // last post-GC heap was near V8's limit). Then the measured run ends there and the scenario
  // is analysed with what it measured (docs/verdicts.md "Out of memory").
  bool DiedOutOfMemory(std::string& app_stderr);
  // Extends the measured run while a check is undecided (within the cap).
  void Extend(Traffic& traffic, Inspector& inspector, const App& app);
  // docs/attribution.md "The line that adds a collection's entries": at the middle snapshot,
  // the collections that grew since the baseline have their adding methods watched until the
  // final checkpoint (CollectAdders runs before it, so its snapshot holds nothing of the watch).
  void WatchAdders(Inspector& inspector);
  // Shows the phase and, when the user interrupted the run, stops the scenario here.
  void Phase(const std::string& phase, const std::string& detail);
  // The scenario's error boundary: whatever `current` holds becomes its result.
  void RecordFailure(std::exception_ptr current);
  void RecordError(const std::string& stage, const std::string& detail) {
    r_.infrastructure_error = detail;
    r_.infrastructure_stage = stage;
    r_.passed = false;
  }
  void RecordInterrupted();

  const ScenarioContext& c_;
  const config::Scenario& sc_;
  const RunOptions& options_;
  ProgressSink& progress_;
  ScenarioResult r_;
  load::Stats total_;
  std::vector<int64_t> snapshot_iterations_;
  int checkpoint_index_ = 0;
  int checkpoint_count_ = 0;
  std::optional<cdp::SamplingProfile> profile_;
  bool watching_adders_ = false;
  std::vector<cdp::CollectionAdders> adders_;  // what the watch recorded, for the detectors
  analysis::SourceMaps source_maps_;  // the app's scripts' maps, asked after the last snapshot
  std::string phase_;
  StartedApp* live_ = nullptr;
  StartedApp own_;                          // the app, unless the scenario reuses a shared one
  int64_t failed_at_checkpoint_ = 0;        // total_.failed_requests at the last checkpoint
  std::optional<int64_t> died_at_;          // out of memory: the iterations it completed
  std::vector<fs::path> near_limit_files_;  // snapshots V8 wrote near the heap limit
};

void ScenarioRun::Phase(const std::string& phase, const std::string& detail) {
  if (InterruptRequested()) throw HarnessError("interrupted", "interrupted before " + phase);
  phase_ = detail.empty() || phase == "startup" ? phase : phase + " (" + detail + ")";
  progress_.Phase(r_.name, phase, detail);
}

// The user interrupted the run: the scenario is reported with what it measured so far, as an
// error of the stage "interrupted" naming the phase it was in.
void ScenarioRun::RecordInterrupted() {
  if (r_.load.requests == 0 && total_.requests > 0) r_.load = ToLoadStats(total_);
  RecordError("interrupted",
              fmt::format("{} during {}; the scenario stopped there and its results are partial",
                          InterruptSignalName(), phase_.empty() ? "startup" : phase_));
}

void ScenarioRun::RecordFailure(std::exception_ptr current) {
  if (InterruptRequested()) return RecordInterrupted();
  try {
    std::rethrow_exception(current);
  } catch (const Error& e) {
    // A harness failure (exit 3), or bad input found only now (the checks before the first
    // app starts catch what they can): either way this scenario's error, reports still written.
    RecordError(e.stage(), e.detail());
  } catch (const fs::filesystem_error& e) {
    RecordError(phase_.empty() ? "run" : phase_, e.what());
  } catch (const std::exception& e) {
    RecordError(phase_.empty() ? "run" : phase_, fmt::format("internal error: {}", e.what()));
  } catch (...) {
    RecordError(phase_.empty() ? "run" : phase_, "internal error: unknown exception");
  }
}

void ScenarioRun::Measure(Inspector& inspector, const App& app, const std::string& label,
                          int64_t iteration, bool snapshot) {
  cdp::CheckpointOptions cp;
  cp.label = label;
  cp.app_pid = app.pid();
  cp.snapshot_method = options_.snapshot_method;
  // An attached app off this machine (a container) would write the file into its own disk.
  if (c_.file->app.attached() && app.pid() == 0) cp.snapshot_method = cdp::SnapshotMethod::kStream;
  if (snapshot) cp.snapshot_path = fs::absolute(c_.dir / (label + ".heapsnapshot"));
  Phase(snapshot ? "snapshot" : "gc", label);
  FindNewThreads(iteration);
  auto start = Clock::now();
  cdp::Measurement m = inspector.TakeCheckpoint(cp);
  double spent = Seconds(Clock::now() - start);
  r_.times.snapshots += m.snapshot_seconds;
  r_.times.gc_and_measure += spent - m.snapshot_seconds;
  r_.checkpoints.push_back(ToSample(m, iteration));
  failed_at_checkpoint_ = total_.failed_requests;
  if (snapshot) {
    r_.snapshots.push_back(m.snapshot.string());
    snapshot_iterations_.push_back(iteration);
  }
  MeasureOthers(label, iteration, snapshot);
  progress_.Checkpoint(r_.name, checkpoint_index_++, checkpoint_count_, r_.checkpoints.back());
}

void ScenarioRun::FindNewThreads(int64_t iteration) {
  if (live_ == nullptr || !live_->inspector) return;
  std::vector<process::NodeProcess> found = live_->AttachNewThreads();
  if (found.empty()) return;
  if (r_.processes.empty()) {
    // A single-process app's first thread: the primary's own entry carries what it measured.
    r_.processes.push_back(ProcessEntryOf(live_->primary));
    r_.processes.front().checkpoints = r_.checkpoints;
    r_.processes.front().snapshots = r_.snapshots;
  }
  for (const process::NodeProcess& p : found) {
    r_.processes.push_back(ProcessEntryOf(p));
    r_.processes.back().found_at = iteration;
  }
}

void ScenarioRun::MeasureOthers(const std::string& label, int64_t iteration, bool snapshot) {
  if (live_ == nullptr || r_.processes.empty()) return;
  r_.processes.front().checkpoints.push_back(r_.checkpoints.back());
  if (snapshot) r_.processes.front().snapshots.push_back(r_.snapshots.back());
  for (ProcessSession& other : live_->others) {
    if (other.ended) continue;
    ProcessResult* entry = FindProcessEntry(r_.processes, other.process);
    if (entry == nullptr) continue;
    ProcessResult& p = *entry;
    cdp::CheckpointOptions cp;
    cp.label = label;
    cp.app_pid = p.pid;
    cp.snapshot_method = options_.snapshot_method;
    if (snapshot) cp.snapshot_path = fs::absolute(c_.dir / SnapshotFileName(label, p, false));
    auto start = Clock::now();
    cdp::Measurement m;
    try {
      m = other.inspector->TakeCheckpoint(cp);
    } catch (const Error&) {
      // A process that exited or a thread that ended on its own (a pool recycling its
      // workers) is reported with what it measured until now; anything else fails the run.
      if (InterruptRequested() || !other.inspector->Ended()) throw;
      other.ended = true;
      p.exited_at = iteration;
      continue;
    }
    double spent = Seconds(Clock::now() - start);
    r_.times.snapshots += m.snapshot_seconds;
    r_.times.gc_and_measure += spent - m.snapshot_seconds;
    p.checkpoints.push_back(ToSample(m, iteration));
    if (snapshot) p.snapshots.push_back(m.snapshot.string());
  }
}

// docs/verdicts.md "Extension": while heap_per_iteration cannot decide from the checkpoints so
// far (near its limit, windows that disagree), run kExtensionShare more of the measured run and
// take one more checkpoint, at most kMaxExtensions times. A clear pass or fail costs nothing.
void ScenarioRun::Extend(Traffic& traffic, Inspector& inspector, const App& app) {
  const auto heap = static_cast<size_t>(config::Detector::kHeapPerIteration);
  const double limit = LimitsFor(sc_)[heap];
  const auto& amount = sc_.run.amount;
  for (int n = 1; n <= kMaxExtensions; ++n) {
    DetectorInput in;
    in.samples = r_.checkpoints;
    in.load = ToLoadStats(total_);
    const std::string why = UndecidedReason({CheckHeapPerIteration(in, limit)});
    if (why.empty()) return;
    r_.extensions.push_back(why);
    ++checkpoint_count_;
    Phase("load", fmt::format("extension {} of at most {}", n, kMaxExtensions));
    auto t = Clock::now();
    load::Stats batch =
        amount.duration
            ? traffic.RunFor(std::chrono::duration_cast<config::Duration>(amount.duration->value *
                                                                          kExtensionShare))
            : traffic.RunIterations(std::max<int64_t>(
                  1, std::llround(static_cast<double>(amount.iterations.value) * kExtensionShare)));
    r_.times.load += Seconds(Clock::now() - t);
    total_.Merge(batch);
    if (auto exit = app.DescribeExit(milliseconds(0))) throw HarnessError("load", *exit);
    Measure(inspector, app, fmt::format("extension-{}", n), total_.iterations, false);
  }
}

void ScenarioRun::Drive(std::string& app_stderr) {
  const int batches = std::max(sc_.checkpoints.value, sc_.snapshots.value - 1);
  const int middle = sc_.snapshots.value == 3 ? (batches + 1) / 2 : -1;
  checkpoint_count_ = batches + 1;
  Phase("startup", sc_.location.ToString());
  auto t = Clock::now();
  StartedApp* live = c_.shared ? c_.shared : &own_;
  if (!live->started()) live->Start(*c_.stages, c_.file->app, c_.dir);
  App& app = *live->app;
  Inspector& inspector = *live->inspector;
  live_ = live;
  r_.app_pid = app.pid();
  for (const auto& p : live->processes) r_.processes.push_back(ProcessEntryOf(p));
  if (c_.node_version->empty()) *c_.node_version = inspector.NodeVersion();
  std::unique_ptr<Traffic> traffic = c_.stages->MakeTraffic(*c_.file, sc_);
  traffic->SetVariable("app.port", std::to_string(app.port()));
  if (!c_.file->before.flow.empty()) {
    // `before:` runs once, before the warm-up: outside what is measured.
    Phase("before", "");
    const load::Stats once = traffic->RunBefore();
    if (once.failed_requests > 0) throw HarnessError("before", OnceFailure(once, c_.file->before));
  }
  r_.times.startup = Seconds(Clock::now() - t);

  Phase("warmup", WarmupSettles(sc_) ? "until the post-GC heap settles" : "");
  t = Clock::now();
  r_.warmup = ToLoadStats(RunWarmup(sc_, *traffic, inspector, app, r_.warmup_end));
  r_.times.warmup = Seconds(Clock::now() - t);

  Measure(inspector, app, "baseline", 0, true);
  if (options_.sampling) inspector.StartSampling();
  const auto& amount = sc_.run.amount;
  const std::vector<int64_t> sizes = amount.duration
                                         ? std::vector<int64_t>{}
                                         : load::SplitIterations(amount.iterations.value, batches);
  for (int b = 1; b <= batches; ++b) {
    Phase("load", fmt::format("batch {} of {}", b, batches));
    t = Clock::now();
    load::Stats batch;
    if (amount.duration) {
      batch = traffic->RunFor(amount.duration->value / batches);
    } else {
      batch = traffic->RunIterations(sizes[static_cast<size_t>(b - 1)]);
    }
    r_.times.load += Seconds(Clock::now() - t);
    total_.Merge(batch);
    ProgressUpdate update;
    update.scenario = r_.name;
    update.phase = "load";
    update.done = total_.iterations;
    update.total = amount.duration ? 0 : amount.iterations.value;
    update.requests_per_second =
        batch.elapsed_seconds > 0 ? static_cast<double>(batch.requests) / batch.elapsed_seconds : 0;
    update.heap_used = r_.checkpoints.back().heap_used;
    progress_.Progress(update);
    if (auto exit = app.DescribeExit(milliseconds(0))) throw HarnessError("load", *exit);
    if (options_.sampling && b == batches) profile_ = inspector.StopSampling();
    if (watching_adders_ && b == batches) {
      adders_ = inspector.CollectAdders();
      watching_adders_ = false;
    }
    Measure(inspector, app, b == batches ? "final" : fmt::format("checkpoint-{}", b),
            total_.iterations, b == batches || b == middle);
    if (b == middle && b < batches) WatchAdders(inspector);
  }
  Extend(*traffic, inspector, app);
  source_maps_ = analysis::SourceMaps::Load(inspector.SourceMapUrls());
  r_.load = ToLoadStats(total_);
  if (!c_.file->after.flow.empty()) {
    // `after:` runs once, after the final snapshot; the measurement is complete by then.
    Phase("after", "");
    const load::Stats once = traffic->RunAfter();
    if (once.failed_requests > 0) throw HarnessError("after", OnceFailure(once, c_.file->after));
  }
  for (const load::FlowShare& f : traffic->FlowShares())
    r_.flows.push_back({f.name, f.weight, f.iterations});
  if (!r_.flows.empty()) r_.flow_seed = static_cast<int64_t>(traffic->FlowSeed());
  Phase("shutdown", "");
  t = Clock::now();
  if (!c_.shared) live->Stop();
  r_.times.shutdown = Seconds(Clock::now() - t);
  app_stderr = app.StderrTail(500);
  r_.app_stderr_tail = app.StderrTail(20);
}

void ScenarioRun::WatchAdders(Inspector& inspector) {
  if (!options_.watch_adders || r_.snapshots.size() < 2) return;
  const auto t = Clock::now();
  std::vector<uint64_t> ids;
  try {
    const snapshot::HeapGraph before = snapshot::ReadSnapshotFile(r_.snapshots[0]);
    const snapshot::HeapGraph after = snapshot::ReadSnapshotFile(r_.snapshots[1]);
    ids = analysis::GrowingCollectionIds(before, after, kMaxWatchedCollections);
  } catch (const Error&) {
    return;  // an unreadable snapshot fails the analysis, which says why; nothing to watch
  }
  if (!ids.empty()) {
    inspector.WatchAdders(ids);
    watching_adders_ = true;
  }
  r_.times.analysis += Seconds(Clock::now() - t);
}

ScenarioResult ScenarioRun::Run() {
  r_.name = sc_.name.value;
  r_.location = sc_.location;
  const auto started = Clock::now();
  std::string app_stderr;
  try {
    Drive(app_stderr);
    own_.Reset();
  } catch (...) {
    const bool out_of_memory = DiedOutOfMemory(app_stderr);
    // A reused app that failed is not reused: the next scenario starts a fresh one.
    if (c_.shared && c_.shared->started()) {
      if (c_.shared->app) r_.app_stderr_tail = c_.shared->app->StderrTail(20);
      c_.shared->Reset();
    }
    if (own_.app && out_of_memory) r_.app_stderr_tail = own_.app->StderrTail(20);
    own_.Reset();
    if (!out_of_memory) {
      RecordFailure(std::current_exception());
      r_.duration_seconds = Seconds(Clock::now() - started);
      return r_;
    }
  }
  auto t = Clock::now();
  try {
    Phase("analysis", "");
    Analyse(app_stderr);
  } catch (...) {
    // An unreadable snapshot is this scenario's error; the report is still written.
    RecordFailure(std::current_exception());
  }
  r_.times.analysis += Seconds(Clock::now() - t);
  r_.duration_seconds = Seconds(Clock::now() - started);
  return r_;
}

bool ScenarioRun::DiedOutOfMemory(std::string& app_stderr) {
  StartedApp* live = c_.shared ? c_.shared : &own_;
  if (InterruptRequested() || !live->app) return false;
  const App& app = *live->app;
  auto exit = app.DescribeExit(milliseconds(2000));
  if (!exit) return false;
  std::string err = app.StderrTail(500);
  bool near_limit = false;
  if (!r_.checkpoints.empty()) {
    const auto& last = r_.checkpoints.back();
    const double share = LimitsFor(sc_)[static_cast<size_t>(config::Detector::kHeapLimit)] / 100;
    near_limit = last.heap_limit > 0 && last.heap_used >= share * last.heap_limit;
  }
  if (err.find("heap out of memory") == std::string::npos && !near_limit) return false;
  app_stderr = err + "\n" + *exit;
  // Iterations that failed since the last checkpoint ran against a dead app.
  const int64_t last = r_.checkpoints.empty() ? 0 : r_.checkpoints.back().iteration;
  died_at_ = std::max(last, total_.iterations - (total_.failed_requests - failed_at_checkpoint_));
  r_.load = ToLoadStats(total_);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(c_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("Heap.") && name.ends_with(".heapsnapshot")) {
      // Written with the app's umask: owner-only, it holds whatever the app held.
      fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write,
                      fs::perm_options::replace, ec);
      near_limit_files_.push_back(entry.path());
    }
  }
  std::sort(near_limit_files_.begin(), near_limit_files_.end());
  return true;
}

std::vector<CheckResult> ScenarioRun::AnalyseProcess(
    const std::vector<CheckpointSample>& samples, const std::vector<std::string>& snapshots,
    const std::vector<int64_t>& snapshot_iterations, const std::string& app_stderr,
    bool with_profile) {
  std::vector<snapshot::HeapGraph> graphs;
  graphs.reserve(snapshots.size());
  DetectorInput in;
  in.samples = samples;
  in.load = r_.load;
  in.app_stderr = app_stderr;
  in.app_died_at = died_at_;
  graphs.reserve(r_.snapshots.size() + 1);
  try {
    for (const auto& path : snapshots) {
      if (InterruptRequested()) throw HarnessError("interrupted", "interrupted during analysis");
      graphs.push_back(snapshot::ReadSnapshotFile(path));
    }
  } catch (const Error& e) {
    // A snapshot the app wrote but we cannot read is the harness's failure, not the user's.
    throw HarnessError("analysis", e.detail());
  }
  // Out of memory: the last snapshot V8 wrote near the heap limit that reads whole (one the app
  // died while writing is cut short; then the earlier snapshots are all there is).
  for (auto it = near_limit_files_.rbegin(); with_profile && it != near_limit_files_.rend(); ++it) {
    try {
      graphs.push_back(snapshot::ReadSnapshotFile(*it));
    } catch (const Error&) {
      continue;
    }
    r_.snapshots.push_back(it->string());
    snapshot_iterations_.push_back(*died_at_);
    break;
  }
  for (size_t i = 0; i < graphs.size(); ++i)
    in.snapshots.push_back({&graphs[i], snapshot_iterations[i], snapshots[i]});
  if (with_profile) in.adders = adders_;
  std::vector<CheckResult> checks = RunDetectors(in, LimitsFor(sc_));
  if (c_.file->app.attached() && r_.app_pid == 0) {
    // Attach mode without a local pid: the /proc-based checks had nothing to read.
    for (auto& c : checks)
      if (c.status == CheckStatus::kSkipped && (c.detector == "fds" || c.detector == "sockets"))
        c.summary = "skipped: attached (the app's pid is not on this machine: no /proc to read)";
  }
  if (with_profile && profile_) AddAllocationSites(*profile_, checks);
  // Paths under the working directory read better relative: "scenarios/app/server.js:16".
  const std::string cwd = fs::current_path().string() + "/";
  for (auto& c : checks) {
    LocateCheck(sc_, r_.location, c);
    // Generated positions to the original source (TypeScript, bundles), then relative paths.
    c.summary = source_maps_.Rewrite(c.summary);
    for (size_t at; (at = c.summary.find(cwd)) != std::string::npos;)
      c.summary.erase(at, cwd.size());
    for (auto& e : c.evidence)
      for (std::string* text : {&e.title, &e.detail}) {
        *text = source_maps_.Rewrite(*text);
        for (size_t at; (at = text->find(cwd)) != std::string::npos;) text->erase(at, cwd.size());
      }
    // The structured code line too (kept absolute: the GitHub reporter relates it to the
    // repository); a position its map does not cover stays generated.
    for (auto& e : c.evidence)
      if (e.code)
        if (auto pos = source_maps_.Find(e.code->file, e.code->line, e.code->column))
          e.code = SourceLocation{pos->source, pos->line, pos->column};
    ApplyAllowList(sc_, c);
  }
  DecideInconclusive(checks, static_cast<int>(r_.extensions.size()));
  return checks;
}

void ScenarioRun::Analyse(const std::string& app_stderr) {
  r_.checks = AnalyseProcess(r_.checkpoints, r_.snapshots, snapshot_iterations_, app_stderr, true);
  if (!r_.processes.empty()) {
    // Every measured process on its own samples (a thread found late or gone early: those it
    // has); the scenario's checks are the worst of each.
    r_.processes.front().checks = r_.checks;
    for (size_t i = 1; i < r_.processes.size(); ++i) {
      ProcessResult& p = r_.processes[i];
      if (!p.measured) continue;
      std::vector<int64_t> at;
      for (const auto& sample : p.checkpoints)
        if (sample.snapshot_taken) at.push_back(sample.iteration);
      p.checks = AnalyseProcess(p.checkpoints, p.snapshots, at, app_stderr, false);
      if (p.role != "thread") continue;
      // Descriptors and resident memory belong to the thread's process, whose own checks judge
      // them (a thread starting or ending moves the process's RSS, not the thread's).
      const DetectorLimits limits = LimitsFor(sc_);
      for (auto d : {config::Detector::kFds, config::Detector::kSockets, config::Detector::kRss}) {
        const auto k = static_cast<size_t>(d);
        p.checks[k] = Skipped(p.checks[k].detector, limits[k],
                              "a thread: its process's own check measures this");
      }
    }
    r_.checks = MergeProcessChecks(r_.processes);
  }
  for (const auto& c : r_.checks) {
    if (c.status == CheckStatus::kFailed) r_.passed = false;
    if (c.status == CheckStatus::kInconclusive && options_.inconclusive_fails) r_.passed = false;
  }
}

}  // namespace

ScenarioResult RunScenario(const ScenarioContext& context) { return ScenarioRun(context).Run(); }

}  // namespace leakcheck::run
