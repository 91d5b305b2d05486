#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakcheck::cdp {

using std::chrono::milliseconds;

/// Deadlines for the session's network steps. Every step has one; none waits forever.
struct SessionOptions {
  milliseconds connect_timeout{10000};  ///< TCP connect + WebSocket handshake
  milliseconds call_timeout{60000};     ///< one request until its response (GC, evaluate, …)
  /// takeHeapSnapshot: the longest silence (no progress event, no chunk) tolerated. A large heap
  /// takes minutes in total, so the deadline is per message, not for the whole snapshot.
  milliseconds snapshot_idle_timeout{180000};
  /// WriteHeapSnapshotInApp: the whole write (the app sends nothing until it is done).
  milliseconds app_snapshot_timeout{900000};
};

/// Asked when a step fails or while it waits: returns "app exited with code N …" (with the
/// app's stderr tail) once the app is gone, waiting up to `grace` for it to go. nullopt while
/// it runs. NodeApp::DescribeExit fits.
using AppMonitor = std::function<std::optional<std::string>(milliseconds grace)>;

/// Runtime.getHeapUsage.
struct HeapUsage {
  int64_t used = 0;   ///< usedSize: V8 heap bytes in use
  int64_t total = 0;  ///< totalSize: V8 heap bytes reserved
};

/// A Runtime.evaluate result, returned by value.
struct RemoteValue {
  std::string type;  ///< "number", "string", "object", "undefined", …
  std::string json;  ///< the value as JSON text ("null" for undefined; values JSON cannot hold
                     ///< come as CDP's unserializableValue string: "\"NaN\"", "\"12n\"")
};

/// Options for one Runtime.evaluate.
struct EvaluateOptions {
  bool await_promise = false;  ///< wait for a returned promise and return its value
  milliseconds timeout{0};     ///< 0: SessionOptions::call_timeout
  /// Node's command-line API: makes `require` available to the expression.
  bool include_command_line_api = false;
};

/// What a snapshot capture wrote.
struct SnapshotFile {
  std::filesystem::path path;
  uint64_t bytes = 0;
  uint64_t chunks = 0;
};

/// One allocation site of the sampling heap profiler (bytes still live when sampled).
struct AllocationSite {
  std::string function_name;  ///< "" for anonymous functions, "(root)" etc. for V8's own
  std::string url;            ///< script URL, "" for native code
  int line = 0;               ///< 1-based (CDP's lineNumber + 1); 0 when unknown
  int column = 0;             ///< 1-based; 0 when unknown
  int64_t self_size = 0;      ///< bytes allocated here and not yet collected
};

/// A sampling heap profile flattened into sites, largest self_size first.
struct SamplingProfile {
  std::vector<AllocationSite> sites;
  int64_t total_bytes = 0;
};

/// The stage of the error thrown when a snapshot file cannot be written because the disk is
/// full or a file-size limit was hit (ENOSPC, EFBIG, EDQUOT), whoever wrote it. Retrying with
/// the other snapshot method would fail the same way, so TakeCheckpoint does not.
inline constexpr std::string_view kSnapshotWriteStage = "snapshot: write";

/// A worker thread of the inspected process (NodeWorker.attachedToWorker).
struct WorkerInfo {
  std::string session_id;  ///< the nested session's id, for NodeWorker.sendMessageToWorker
  std::string worker_id;   ///< worker_threads' threadId, as a string ("1")
  std::string type;        ///< "worker"
  std::string title;       ///< "[worker 1] /app/worker.js" or the Worker's `name`
  std::string url;         ///< "file:///app/worker.js"
};

/// One Chrome DevTools Protocol session over a WebSocket to a Node inspector.
/// Synchronous API; every network step runs under a deadline. A failure (timeout, closed
/// connection, protocol error) throws HarnessError whose stage names the method
/// ("cdp: HeapProfiler.takeHeapSnapshot"); after a transport failure the session is broken and
/// further calls fail at once. Not thread-safe: use it from one thread.
class Session {
 public:
  explicit Session(SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Connects to "ws://127.0.0.1:PORT/UUID" and enables the HeapProfiler domain.
  /// Runtime.enable is deliberately not sent: it makes the inspector keep console messages
  /// (and the objects they reference) alive, which would look like a leak.
  void Connect(const std::string& ws_url);
  /// Lets failures say "app exited with code N" instead of "connection closed"/"timed out".
  void SetAppMonitor(AppMonitor monitor);
  /// Closes the WebSocket politely (bounded); never throws.
  void Close() noexcept;
  bool connected() const;

  /// Sends `method` with `params_json` (an object) and returns the response's `result` as JSON
  /// text. `timeout` 0 means SessionOptions::call_timeout.
  std::string Call(std::string_view method, std::string_view params_json = "{}",
                   milliseconds timeout = milliseconds(0));

  /// HeapProfiler.collectGarbage: one full, non-incremental GC.
  void CollectGarbage();
  /// Runtime.getHeapUsage.
  HeapUsage GetHeapUsage();
  /// Runtime.evaluate with returnByValue in the object group "leakcheck", released afterwards
  /// (Runtime.releaseObjectGroup) so the inspector keeps nothing alive. An exception thrown by
  /// the expression becomes HarnessError("cdp: Runtime.evaluate", "… threw: …").
  RemoteValue Evaluate(std::string_view expression, EvaluateOptions options = {});
  /// HeapProfiler.takeHeapSnapshot, streaming each addHeapSnapshotChunk straight to `path`
  /// (written as `path.part`, renamed when complete; removed on failure).
  SnapshotFile TakeHeapSnapshot(const std::filesystem::path& path);
  /// Asks the app to write its own snapshot to `path` with `require('v8').writeHeapSnapshot`
  /// (one Runtime.evaluate; the app's main thread writes the file directly, as fast as V8 can,
  /// while the chunk stream of TakeHeapSnapshot costs the app about twice as long in the
  /// inspector's message encoding). Same heap profiler, so object ids match TakeHeapSnapshot's.
  /// The app must be able to write `path`. Errors name the stage "cdp: v8.writeHeapSnapshot".
  SnapshotFile WriteHeapSnapshotInApp(const std::filesystem::path& path);
  /// The worker threads attached since the last call, each with a nested session
  /// (docs/DESIGN.md "Processes"): the first call sends NodeWorker.enable
  /// (waitForDebuggerOnStart false), which attaches every thread running then; after it, a
  /// thread started later is attached by the inspector as it starts (its attachedToWorker event
  /// is kept whichever call it arrives during) and returned by the next call. Threads that
  /// ended before being returned are left out.
  std::vector<WorkerInfo> AttachWorkers();
  /// True once the thread of `worker` (from AttachWorkers) has ended
  /// (NodeWorker.detachedFromWorker seen on this session, after one round trip to collect it);
  /// calls to its session then fail at once with "the worker thread ended". False also when
  /// this session itself fails.
  bool WorkerEnded(const WorkerInfo& worker);
  /// A session inside worker thread `worker` (from AttachWorkers), carried over this session's
  /// WebSocket as NodeWorker.sendMessageToWorker / receivedMessageFromWorker. This session must
  /// outlive it and is used from the same thread. It enables the thread's HeapProfiler; every
  /// call works as on a process (a thread that ended fails with "cdp: …" naming it).
  std::unique_ptr<Session> AttachToWorker(const WorkerInfo& worker);
  /// HeapProfiler.startSampling with the mean sampling interval in bytes.
  void StartSampling(int64_t interval_bytes = 32768);
  /// HeapProfiler.getSamplingProfile: the profile so far, sampling goes on.
  SamplingProfile GetSamplingProfile();
  /// HeapProfiler.stopSampling: the final profile.
  SamplingProfile StopSampling();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Parses a HeapProfiler sampling profile ({"profile": {"head": …}} or the bare profile) into
/// sites; identical (function, url, line, column) are merged. Throws HarnessError on bad JSON.
SamplingProfile ParseSamplingProfile(std::string_view json);

}  // namespace leakcheck::cdp
