#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/describe/class.hpp>

#include "harness/config/location.h"

/// The result of `leakcheck run`: what every reporter renders. Reporters never recompute
/// anything; whatever they show is in these structs. (Versioned in results.json as
/// `schema_version`; bump kResultsSchemaVersion on any incompatible change.) Each struct's
/// BOOST_DESCRIBE_STRUCT lists its results.json fields in file order; run/result_json.cc reads
/// and writes results.json from those lists alone.
namespace leakcheck::run {

inline constexpr int kResultsSchemaVersion = 1;

/// Where a value came from in the scenario YAML (1-based line and column; 0 when unknown): the
/// loader's type, so a threshold's location reaches the reports unchanged.
using SourceLocation = config::SourceLocation;

/// One piece of evidence for a check: a top growing class, a retainer path, a source location.
struct Evidence {
  enum class Kind {
    kGrowingClass,
    kRetainerPath,
    kSourceLocation,
    kCollection,
    kListener,
    kHandle,
    kNote,
    kRoute  ///< a route's failures: title "GET /users/{{ uid }}", detail the counts or a body
  };
  Kind kind = Kind::kNote;
  std::string title;         ///< "Map userCache", "Timeout", "MaxListenersExceededWarning"
  std::string detail;        ///< the path / location / numbers, human-readable
  double per_iteration = 0;  ///< growth per iteration, when it applies
  int64_t count = 0;         ///< objects / entries / listeners, when it applies
  int64_t bytes = 0;         ///< bytes, when it applies
  /// The line of the app's code this evidence names (a closure's or listener's definition, a
  /// timer's callback, an allocation site's function, the line that adds a collection's
  /// entries): the script's path (absolute as V8 names it; after source maps, the original
  /// source), 1-based line and column. nullopt when it names none. The GitHub reporter
  /// annotates this line (docs/reporters.md "Annotations at the code line").
  std::optional<SourceLocation> code{};
};
BOOST_DESCRIBE_STRUCT(Evidence, (), (kind, title, detail, per_iteration, count, bytes, code))

/// kInconclusive: the check could not decide (docs/verdicts.md "Inconclusive"); its reason is
/// CheckResult::inconclusive_reason. `run --inconclusive=fail` counts it as a failure.
enum class CheckStatus { kPassed, kFailed, kAllowed, kSkipped, kInconclusive };

/// One threshold turned into a verdict: `<scenario>: <detector>`.
struct CheckResult {
  std::string detector;  ///< heap_per_iteration, retained_growth, survivors, ...
  CheckStatus status = CheckStatus::kPassed;
  double measured = 0;
  double limit = 0;
  std::string unit;            ///< "B/iteration", "B", "objects/iteration", "%", ...
  std::string summary;         ///< one line: "heap grows 1.2 KiB/iteration (limit 64 B), R² 0.99"
  std::string allowed_reason;  ///< why an allow: entry accepted it
  std::string inconclusive_reason;  ///< kInconclusive: why the check could not decide
  /// Set by the detector when the check is not yet decided (near its limit, windows that
  /// disagree): the run extends the measured run before deciding (not in results.json).
  std::string undecided;
  SourceLocation location;  ///< the threshold's line in the YAML (or the scenario's, for defaults)
  bool default_threshold = true;
  std::vector<Evidence> evidence;
  /// The same check's measured value in the baseline results (`--baseline`), when compared.
  std::optional<double> baseline_measured;
};
BOOST_DESCRIBE_STRUCT(CheckResult, (),
                      (detector, status, measured, limit, unit, summary, allowed_reason,
                       inconclusive_reason, location, default_threshold, baseline_measured,
                       evidence))

/// One post-GC sample at a checkpoint.
struct CheckpointSample {
  int64_t iteration = 0;  ///< iterations completed when it was taken (0 = baseline)
  double heap_used = 0;
  double heap_total = 0;
  double external = 0;
  double array_buffers = 0;
  double code = 0;  ///< V8 code spaces (compiled code), included in heap_used
  std::vector<std::pair<std::string, int64_t>> resources;  ///< active resources by type
  std::string snapshot;  ///< the snapshot's path while its file is kept (empty once it is removed)
  bool snapshot_taken = false;  ///< a heap snapshot was taken at this checkpoint
  double rss = 0;               ///< resident set size (bytes): V8's heap plus native memory
  double heap_limit = 0;        ///< V8's heap size limit (bytes); 0 when unknown
  /// Open file descriptors by kind ("file", "socket", "pipe", "anon_inode", "device", "other"),
  /// from /proc/<pid>/fd; empty when unreadable.
  std::vector<std::pair<std::string, int64_t>> fds;
  /// The files ("file"/"device" descriptors) open most often, by path (at most 20).
  std::vector<std::pair<std::string, int64_t>> fd_files;
  /// Socket descriptors by group: "tcp outbound 127.0.0.1:5000", "tcp inbound …", "unix", …
  std::vector<std::pair<std::string, int64_t>> sockets;
};
BOOST_DESCRIBE_STRUCT(CheckpointSample, (),
                      (iteration, heap_used, heap_total, external, array_buffers, code, resources,
                       snapshot, snapshot_taken, rss, heap_limit, fds, fd_files, sockets))

/// A failed response's body, kept as a route's sample for its status code: redacted
/// (common/redact.h), then cut to load::kRouteSampleBytes at a UTF-8 boundary.
struct BodySample {
  int status = 0;
  std::string body;
  bool truncated = false;  ///< the body was longer than what is kept
};
BOOST_DESCRIBE_STRUCT(BodySample, (), (status, body, truncated))

/// Why a route's requests failed in one way, where the transport said: the first message of that
/// kind ("connect" → "certificate verify failed (SSL routines)"), redacted, on one line, at most
/// load::kRouteSampleBytes.
struct ErrorReason {
  std::string kind;  ///< load::ErrorKindName: "connect", "closed"
  std::string message;
  bool operator==(const ErrorReason&) const = default;
};
BOOST_DESCRIBE_STRUCT(ErrorReason, (), (kind, message))

/// One route of the flow (docs/scenarios.md "Failed requests"): the method and URL template as
/// written in the YAML, and what its requests got.
struct RouteOutcome {
  std::string route;  ///< "GET /users/{{ uid }}"
  int64_t requests = 0;
  int64_t failed = 0;
  std::vector<std::pair<std::string, int64_t>> statuses;  ///< complete responses: "500" → n
  std::vector<std::pair<std::string, int64_t>> errors;    ///< failures by kind: "status" → n
  std::vector<BodySample> samples;                        ///< one body per failing status
  std::vector<ErrorReason> reasons;                       ///< one message per failure kind
};
BOOST_DESCRIBE_STRUCT(RouteOutcome, (),
                      (route, requests, failed, statuses, errors, samples, reasons))

struct LoadStats {
  int64_t iterations = 0;
  int64_t requests = 0;
  int64_t errors = 0;
  std::vector<std::pair<std::string, int64_t>> errors_by_kind;
  std::vector<RouteOutcome> routes;  ///< per route of the flow, in the YAML's order
  double requests_per_second = 0;
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;
};
// The latency_*_ms fields are written as `latency_ms` (run/result_json.cc, kLatencyFields).
BOOST_DESCRIBE_STRUCT(LoadStats, (),
                      (iterations, requests, errors, errors_by_kind, requests_per_second, routes))

/// Seconds spent per phase, for the time-to-verdict breakdown.
struct PhaseTimes {
  double startup = 0, warmup = 0, load = 0, gc_and_measure = 0, snapshots = 0, analysis = 0,
         shutdown = 0;
};
BOOST_DESCRIBE_STRUCT(PhaseTimes, (),
                      (startup, warmup, load, gc_and_measure, snapshots, analysis, shutdown))

/// One Node process of the app (DESIGN.md "Processes"), when the app has more than one (or a
/// launcher): its own checkpoints, snapshots and checks. ScenarioResult::checks then holds, per
/// detector, the worst of these, its summary naming the process.
struct ProcessResult {
  int pid = 0;
  std::string role;    ///< "primary", "worker", "child", "thread", "launcher"
  std::string script;  ///< "server.js"
  std::string label;   ///< how reports name it: "worker 1234 (server.js)"
  bool measured = true;
  std::string problem;  ///< why it was not measured (a launcher; no inspector; lost)
  std::vector<CheckResult> checks;
  std::vector<CheckpointSample> checkpoints;
  std::vector<std::string> snapshots;  ///< kept snapshot files
  int thread_id = 0;  ///< role "thread": worker_threads' threadId inside process `pid`; else 0
  /// Found after startup (a worker thread started during the run): the iteration of the
  /// checkpoint that found it, its first; nullopt when it was there from the start.
  std::optional<int64_t> found_at;
  /// It exited (its thread ended) during the run: the iteration of the checkpoint that found it
  /// gone; its checks use what was measured until then. nullopt when it ran to the end.
  std::optional<int64_t> exited_at;
};
BOOST_DESCRIBE_STRUCT(ProcessResult, (),
                      (pid, role, script, label, measured, problem, checks, checkpoints, snapshots,
                       thread_id, found_at, exited_at))

/// How the warm-up ended (docs/verdicts.md "Warm-up"); its traffic is ScenarioResult::warmup.
struct WarmupEnd {
  /// "settled" (the post-GC heap stopped changing), "cap" (it had not by the cap: the run
  /// measures anyway), "count" or "duration" (the scenario's `warmup:`, run exactly).
  std::string stopped;
  std::string reason;  ///< the sentence that says why ("the last 3 post-GC readings …")
  /// Post-GC heapUsed less code space after each warm-up batch (bytes); empty for "count"
  /// and "duration".
  std::vector<double> readings;
};
BOOST_DESCRIBE_STRUCT(WarmupEnd, (), (stopped, reason, readings))

/// One weighted flow of a scenario (`flows:`) and how many iterations ran it.
struct FlowCount {
  std::string name;
  int weight = 0;
  int64_t iterations = 0;  ///< warm-up, measured run and extensions
  bool operator==(const FlowCount&) const = default;
};
BOOST_DESCRIBE_STRUCT(FlowCount, (), (name, weight, iterations))

struct ScenarioResult {
  std::string name;
  SourceLocation location;
  bool passed = true;
  /// Set when the run itself failed (app crashed, never ready, inspector lost): exit 3.
  std::optional<std::string> infrastructure_error;
  std::string infrastructure_stage;
  std::string app_stderr_tail;
  int app_pid = 0;  ///< the app's pid (= its process group id); 0 when it never started
  std::vector<CheckResult> checks;
  std::vector<CheckpointSample> checkpoints;
  LoadStats warmup, load;
  PhaseTimes times;
  double duration_seconds = 0;
  std::vector<std::string> snapshots;  ///< kept snapshot files
  /// Extensions of the measured run (docs/verdicts.md "Extension"): one entry per extension,
  /// saying which check was undecided and why. Empty when every check decided at once.
  std::vector<std::string> extensions;
  /// Every Node process of the app, the primary first, when there is more than one (or a
  /// launcher); empty for a single-process app (then `checks` and `checkpoints` are its own).
  std::vector<ProcessResult> processes;
  WarmupEnd warmup_end;  ///< how the warm-up ended
  /// Weighted flows (`flows:`); empty for a scenario with one `flow:`.
  std::vector<FlowCount> flows;
  /// The seed of the weighted choice (the same seed picks the same flow for each iteration).
  int64_t flow_seed = 0;
};
BOOST_DESCRIBE_STRUCT(ScenarioResult, (),
                      (name, location, passed, infrastructure_error, infrastructure_stage,
                       app_stderr_tail, app_pid, duration_seconds, checks, checkpoints, warmup,
                       load, times, snapshots, extensions, processes, warmup_end, flows, flow_seed))

struct RunResult {
  std::string scenario_file;
  std::string leakcheck_version;
  std::string node_version;
  std::string git_commit;  ///< when known
  std::string started_at;  ///< ISO 8601 UTC
  double duration_seconds = 0;
  std::string run_dir;
  std::vector<ScenarioResult> scenarios;
  bool interrupted = false;
  std::string baseline_file;  ///< results.json compared against (`--baseline`), when any
  /// How an inconclusive check counts: "pass" (exit 0, the default) or "fail" (exit 1).
  std::string inconclusive = "pass";

  /// 0 all passed, 1 a leak check failed (or was inconclusive under `inconclusive: fail`), 3
  /// infrastructure failure, 130 interrupted.
  int ExitCode() const;
};
BOOST_DESCRIBE_STRUCT(RunResult, (),
                      (scenario_file, leakcheck_version, node_version, git_commit, started_at,
                       duration_seconds, run_dir, interrupted, baseline_file, inconclusive,
                       scenarios))

/// Replaces secrets (redact::Global(), or `redactor`) in every free-text field of a scenario's
/// result: the infrastructure error, the app's stderr tail, check summaries, allow reasons and
/// evidence, the routes' sample bodies. Paths and names are left alone. Every reporter renders from
/// these fields.
void RedactScenarioResult(ScenarioResult& s);

std::string_view CheckStatusName(CheckStatus s);
std::string_view EvidenceKindName(Evidence::Kind k);

}  // namespace leakcheck::run
