#include "harness/cdp/checkpoint.h"

#include <simdjson.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>

#include "harness/cdp/json_text.h"
#include "harness/common/error.h"

namespace leakcheck::cdp {
namespace {

using Clock = std::chrono::steady_clock;

// One full event-loop turn: setImmediate runs after I/O, the setTimeout after the next timers
// phase, so pending promise jobs and FinalizationRegistry cleanup tasks get their chance.
constexpr const char* kTickExpression =
    "new Promise(resolve => setImmediate(() => setTimeout(resolve, 0)))";

// CPU seconds (user + system) used so far by process `pid` (Linux /proc), or by leakcheck
// itself when pid is 0. Returns 0 when unreadable.
double CpuSeconds(int pid) {
  if (pid == 0) {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
    return secs(usage.ru_utime) + secs(usage.ru_stime);
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');  // the command name may contain spaces
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

}  // namespace

std::optional<SnapshotMethod> ParseSnapshotMethod(std::string_view name) {
  if (name == kSnapshotMethodNames[0]) return SnapshotMethod::kAppWrites;
  if (name == kSnapshotMethodNames[1]) return SnapshotMethod::kStream;
  return std::nullopt;
}

std::string_view SnapshotMethodName(SnapshotMethod method) {
  return method == SnapshotMethod::kStream ? kSnapshotMethodNames[1] : kSnapshotMethodNames[0];
}

const char* const kMeasureExpression = R"JS((() => {
  const m = process.memoryUsage();
  const resources = {};
  const info = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo() : [];
  for (const type of info) resources[type] = (resources[type] || 0) + 1;
  // Code spaces hold JIT output, which keeps growing for a while under new traffic: report
  // them apart so the leak detectors can leave compiled code out of the app's heap.
  let code = 0, heapLimit = 0;
  if (typeof require === 'function') {
    const v8 = require('v8');
    for (const s of v8.getHeapSpaceStatistics())
      if (s.space_name.startsWith('code')) code += s.space_used_size;
    heapLimit = v8.getHeapStatistics().heap_size_limit;
  }
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external,
           arrayBuffers: m.arrayBuffers, code, heapLimit, resources };
})())JS";

void ParseMeasureResult(const std::string& json, Measurement& m) {
  const std::string stage = "cdp: checkpoint";
  simdjson::padded_string copy(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser.iterate(copy).get(doc) || doc.get_object().get(obj)) {
    throw HarnessError(stage, "unexpected memory reading: " + json);
  }
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) continue;
    if (key == "resources") {
      simdjson::ondemand::object res;
      if (field.value().get_object().get(res)) continue;
      for (auto r : res) {
        std::string_view type;
        int64_t count = 0;
        if (!r.unescaped_key().get(type) && !r.value().get_int64().get(count)) {
          m.active_resources[std::string(type)] = count;
        }
      }
      continue;
    }
    double v = 0;
    if (field.value().get_double().get(v)) continue;
    auto n = static_cast<int64_t>(v);
    if (key == "rss")
      m.rss = n;
    else if (key == "heapUsed")
      m.heap_used = n;
    else if (key == "heapTotal")
      m.heap_total = n;
    else if (key == "external")
      m.external = n;
    else if (key == "code")
      m.code = n;
    else if (key == "arrayBuffers")
      m.array_buffers = n;
    else if (key == "heapLimit")
      m.heap_limit = n;
  }
}

Measurement TakeCheckpoint(Session& session, const CheckpointOptions& options) {
  Measurement m;
  m.label = options.label;
  auto start = Clock::now();
  for (int i = 0; i < options.gc_rounds; ++i) {
    session.Evaluate(kTickExpression, {.await_promise = true});
    session.CollectGarbage();
  }
  m.gc_seconds = Seconds(start);
  m.unix_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ParseMeasureResult(session.Evaluate(kMeasureExpression, {.include_command_line_api = true}).json,
                     m);
  if (options.app_pid) m.descriptors = ReadDescriptors(options.app_pid);
  if (!options.snapshot_path.empty()) {
    auto snap_start = Clock::now();
    double app_cpu = options.app_pid ? CpuSeconds(options.app_pid) : 0;
    double own_cpu = CpuSeconds(0);
    SnapshotFile file;
    m.snapshot_method = SnapshotMethodName(SnapshotMethod::kStream);
    if (options.snapshot_method == SnapshotMethod::kAppWrites) {
      try {
        file = session.WriteHeapSnapshotInApp(options.snapshot_path);
        m.snapshot_method = SnapshotMethodName(SnapshotMethod::kAppWrites);
      } catch (const Error& e) {
        // The app could not write it (no `require`, a read-only folder): stream it instead,
        // unless the inspector connection itself is gone or the disk is full.
        if (!session.connected() || e.stage() == kSnapshotWriteStage) throw;
      }
    }
    if (m.snapshot_method == SnapshotMethodName(SnapshotMethod::kStream))
      file = session.TakeHeapSnapshot(options.snapshot_path);
    // The app wrote it with its own umask: owner-only, it holds whatever the app held.
    ::chmod(file.path.c_str(), 0600);
    m.snapshot = file.path;
    m.snapshot_bytes = file.bytes;
    m.snapshot_seconds = Seconds(snap_start);
    if (options.app_pid) m.snapshot_app_cpu_seconds = CpuSeconds(options.app_pid) - app_cpu;
    m.snapshot_leakcheck_cpu_seconds = CpuSeconds(0) - own_cpu;
  }
  return m;
}

std::string MeasurementsToJson(const std::vector<Measurement>& measurements) {
  std::string out = "{\n  \"measurements\": [";
  for (size_t i = 0; i < measurements.size(); ++i) {
    const Measurement& m = measurements[i];
    out += i ? ",\n    {" : "\n    {";
    out += "\"label\": " + QuoteJson(m.label);
    out += ", \"unix_time\": " + std::to_string(m.unix_time);
    out += ", \"heap_used\": " + std::to_string(m.heap_used);
    out += ", \"heap_total\": " + std::to_string(m.heap_total);
    out += ", \"external\": " + std::to_string(m.external);
    out += ", \"array_buffers\": " + std::to_string(m.array_buffers);
    out += ", \"rss\": " + std::to_string(m.rss);
    out += ", \"heap_limit\": " + std::to_string(m.heap_limit);
    out += ", \"fds\": {";
    bool first_kind = true;
    for (const auto& [kind, count] : m.descriptors.kinds) {
      out += (first_kind ? "" : ", ") + QuoteJson(kind) + ": " + std::to_string(count);
      first_kind = false;
    }
    out += "}";
    out += ", \"active_resources\": {";
    bool first = true;
    for (const auto& [type, count] : m.active_resources) {
      out += (first ? "" : ", ") + QuoteJson(type) + ": " + std::to_string(count);
      first = false;
    }
    out += "}, \"gc_seconds\": " + std::to_string(m.gc_seconds);
    out += ", \"snapshot\": " +
           (m.snapshot.empty() ? std::string("null") : QuoteJson(m.snapshot.string()));
    out += ", \"snapshot_bytes\": " + std::to_string(m.snapshot_bytes);
    out += ", \"snapshot_seconds\": " + std::to_string(m.snapshot_seconds);
    out += ", \"snapshot_app_cpu_seconds\": " + std::to_string(m.snapshot_app_cpu_seconds);
    out +=
        ", \"snapshot_leakcheck_cpu_seconds\": " + std::to_string(m.snapshot_leakcheck_cpu_seconds);
    out += ", \"snapshot_method\": " +
           (m.snapshot_method.empty() ? std::string("null") : QuoteJson(m.snapshot_method)) + "}";
  }
  out += measurements.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace leakcheck::cdp
