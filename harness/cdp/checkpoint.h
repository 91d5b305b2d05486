#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/cdp/checkpoint_proc.h"
#include "harness/cdp/session.h"

namespace leakcheck::cdp {

/// How TakeCheckpoint takes its heap snapshot.
enum class SnapshotMethod {
  kAppWrites,  ///< Session::WriteHeapSnapshotInApp (fast; falls back to kStream if it cannot)
  kStream,     ///< Session::TakeHeapSnapshot: chunks over the WebSocket, written by leakcheck
};

/// The names of the snapshot methods on the command line (`--snapshot-method`) and in
/// measurements.json / results.json (`snapshot_method`): "app" and "stream".
inline constexpr std::string_view kSnapshotMethodNames[] = {"app", "stream"};

/// "app" -> kAppWrites, "stream" -> kStream; nullopt for anything else (case-sensitive).
std::optional<SnapshotMethod> ParseSnapshotMethod(std::string_view name);

/// kAppWrites -> "app", kStream -> "stream".
std::string_view SnapshotMethodName(SnapshotMethod method);

/// What TakeCheckpoint does.
struct CheckpointOptions {
  int gc_rounds = 3;                      ///< full GCs, each after an event-loop turn
  std::filesystem::path snapshot_path{};  ///< empty: no heap snapshot
  std::string label{};                    ///< copied into the Measurement ("baseline", "final")
  SnapshotMethod snapshot_method = SnapshotMethod::kAppWrites;
  /// The app's pid (NodeApp::pid()): its open descriptors are read from /proc/<pid> and the CPU
  /// time its snapshot costs is recorded; 0: neither.
  int app_pid = 0;
};

/// Post-GC memory of the app at one checkpoint (bytes; from process.memoryUsage()).
struct Measurement {
  std::string label;
  double unix_time = 0;  ///< when the measurement was taken (seconds since the epoch)
  int64_t heap_used = 0;
  int64_t heap_total = 0;
  int64_t external = 0;
  int64_t array_buffers = 0;
  int64_t code = 0;  ///< bytes in V8's code spaces (JIT output), part of heap_used
  int64_t rss = 0;
  /// V8's heap limit (v8.getHeapStatistics().heap_size_limit, bytes; --max-old-space-size).
  int64_t heap_limit = 0;
  /// The process's open descriptors (/proc/<app_pid>/fd; empty without app_pid or off Linux).
  Descriptors descriptors;
  /// process.getActiveResourcesInfo() counted per type ("Timeout", "TCPServerWrap", …).
  std::map<std::string, int64_t> active_resources;
  double gc_seconds = 0;           ///< time spent in the GC rounds and ticks
  std::filesystem::path snapshot;  ///< empty when no snapshot was taken
  uint64_t snapshot_bytes = 0;
  double snapshot_seconds = 0;
  std::string snapshot_method;  ///< "app" or "stream": how the snapshot was taken
  /// CPU seconds (user + system, all threads) the snapshot cost the app (needs app_pid) and
  /// leakcheck: unlike snapshot_seconds, not inflated by other load on the machine.
  double snapshot_app_cpu_seconds = 0;
  double snapshot_leakcheck_cpu_seconds = 0;
};

/// The checkpoint routine: `gc_rounds` times (an event-loop turn so FinalizationRegistry
/// callbacks and settled promises run, then HeapProfiler.collectGarbage), then one
/// Runtime.evaluate reading process.memoryUsage() and the active resources, then optionally a
/// heap snapshot. Throws HarnessError naming the CDP method that failed.
Measurement TakeCheckpoint(Session& session, const CheckpointOptions& options);

/// The expression TakeCheckpoint evaluates to read memory and active resources.
extern const char* const kMeasureExpression;

/// Parses the JSON value kMeasureExpression returns into `m`.
void ParseMeasureResult(const std::string& json, Measurement& m);

/// Measurements as a JSON document: {"measurements": [{…}, …]} (stable key order).
std::string MeasurementsToJson(const std::vector<Measurement>& measurements);

}  // namespace leakcheck::cdp
