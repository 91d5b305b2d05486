// `leakcheck capture`: launch any Node app under the inspector, wait until it is ready, and
// write checkpoint measurements and heap snapshots into a folder.
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>

#include "harness/cdp/checkpoint.h"
#include "harness/cdp/json_text.h"
#include "harness/cdp/session.h"
#include "harness/cli/cli.h"
#include "harness/common/duration.h"
#include "harness/common/error.h"
#include "harness/common/format.h"
#include "harness/common/redact.h"
#include "harness/config/secrets.h"
#include "harness/process/node_app.h"

namespace leakcheck {
namespace {

using std::chrono::milliseconds;

struct CaptureOptions {
  std::vector<std::string> command;
  std::vector<std::string> node_args;
  int snapshots = 1;
  std::string out = "leakcheck-capture";
  std::string ready_http;
  std::string ready_log;
  std::string timeout = "20s";
  std::string stop_timeout = "5s";
  std::string interval = "0s";
  int port = 0;
  int gc_rounds = 3;
  bool sampling = false;
  std::string snapshot_method = "app";
};

std::atomic<bool> g_usr1{false};

// A duration option: the one syntax of harness/common/duration.h ("250ms", "20s", "2m"; a unit is
// required, as in the YAML).
milliseconds DurationOption(const std::string& text, const std::string& option) {
  std::optional<milliseconds> d = ParseDuration(text);
  if (!d || d->count() < 0) {
    throw InputError("capture", option + ": not a duration: `" + text + "` (use ms, s or m)");
  }
  return *d;
}

// Without a ready option the user says when: Enter on stdin (EOF counts) or SIGUSR1.
void WaitForUser(const process::NodeApp& app) {
  std::fprintf(stderr,
               "capture: press Enter (or `kill -USR1 %d`) when the app is ready to be measured\n",
               static_cast<int>(::getpid()));
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_usr1 = true; };
  ::sigaction(SIGUSR1, &sa, nullptr);
  while (!g_usr1) {
    if (auto exit = app.DescribeExit(milliseconds(0))) throw HarnessError("process: ready", *exit);
    pollfd p{0, POLLIN, 0};
    int r = ::poll(&p, 1, 200);
    if (r > 0) {
      char c;
      ssize_t n = ::read(0, &c, 1);
      if (n <= 0 || c == '\n') break;
    } else if (r < 0 && errno != EINTR) {
      break;
    }
  }
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw HarnessError("capture", "cannot write " + path.string());
}

std::string SitesToJson(const cdp::SamplingProfile& profile, size_t max_sites) {
  std::string out =
      "{\n  \"total_bytes\": " + std::to_string(profile.total_bytes) + ",\n  \"sites\": [";
  for (size_t i = 0; i < profile.sites.size() && i < max_sites; ++i) {
    const auto& s = profile.sites[i];
    out += (i ? ",\n    " : "\n    ") + std::string("{\"function\": ") +
           cdp::QuoteJson(s.function_name) + ", \"url\": " + cdp::QuoteJson(s.url) +
           ", \"line\": " + std::to_string(s.line) + ", \"column\": " + std::to_string(s.column) +
           ", \"self_size\": " + std::to_string(s.self_size) + "}";
  }
  return out + "\n  ]\n}\n";
}

process::AppSpec MakeSpec(const CaptureOptions& o, const std::filesystem::path& out) {
  process::AppSpec spec;
  spec.argv = o.command;
  spec.node_args = o.node_args;
  if (o.port > 0) spec.port = static_cast<uint16_t>(o.port);
  spec.ready.http_path = o.ready_http;
  spec.ready.log_regex = o.ready_log;
  spec.ready.timeout = DurationOption(o.timeout, "--timeout");
  spec.stop_timeout = DurationOption(o.stop_timeout, "--stop-timeout");
  spec.log_dir = out;
  return spec;
}

int RunCapture(const CaptureOptions& o) {
  // No scenario file: only secret-looking environment variables and the header rule apply.
  config::RegisterSecrets(config::ScenarioFile{}, redact::Global());
  if (o.command.empty())
    throw InputError("capture", "no command: use `leakcheck capture -- node app.js`");
  if (o.snapshots < 0) throw InputError("capture", "--snapshots must be 0 or more");
  std::filesystem::path out = o.out;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw InputError("capture", "cannot create " + out.string() + ": " + ec.message());
  ::chmod(out.c_str(), 0700);  // snapshots hold whatever the app held
  process::AppSpec spec = MakeSpec(o, out);
  milliseconds interval = DurationOption(o.interval, "--interval");
  const std::optional<cdp::SnapshotMethod> parsed_method =
      cdp::ParseSnapshotMethod(o.snapshot_method);
  if (!parsed_method) {
    throw InputError("capture",
                     "--snapshot-method: `" + o.snapshot_method + "` is not app or stream");
  }
  const cdp::SnapshotMethod method = *parsed_method;

  process::NodeApp app(spec);
  app.Start();
  std::fprintf(stderr, "capture: started app pid %d (process group %d), port %u\n",
               static_cast<int>(app.pid()), static_cast<int>(app.pgid()), app.port());
  if (o.ready_http.empty() && o.ready_log.empty()) {
    app.WaitInspector(spec.ready.timeout);
    WaitForUser(app);
  } else {
    app.WaitReady();
  }
  std::fprintf(stderr, "capture: app ready; inspector %s\n", app.inspector_url().c_str());

  cdp::Session session;
  session.SetAppMonitor([&app](milliseconds grace) { return app.DescribeExit(grace); });
  session.Connect(app.inspector_url());
  if (o.sampling) session.StartSampling();

  std::vector<cdp::Measurement> measurements;
  int rounds = std::max(o.snapshots, 1);
  for (int i = 1; i <= rounds; ++i) {
    if (i > 1 && interval.count() > 0) {
      if (auto exit = app.DescribeExit(interval)) throw HarnessError("capture", *exit);
    }
    cdp::CheckpointOptions cp;
    cp.gc_rounds = o.gc_rounds;
    cp.label = "checkpoint-" + std::to_string(i);
    cp.app_pid = app.pid();
    cp.snapshot_method = method;
    if (i <= o.snapshots)
      cp.snapshot_path = out / ("snapshot-" + std::to_string(i) + ".heapsnapshot");
    measurements.push_back(cdp::TakeCheckpoint(session, cp));
    const cdp::Measurement& m = measurements.back();
    std::fprintf(
        stderr, "capture: %s: heapUsed %s, external %s%s\n", m.label.c_str(),
        FormatBytes(static_cast<double>(m.heap_used)).c_str(),
        FormatBytes(static_cast<double>(m.external)).c_str(),
        m.snapshot.empty()
            ? ""
            : (", snapshot " + FormatBytes(static_cast<double>(m.snapshot_bytes))).c_str());
  }
  WriteFile(out / "measurements.json", cdp::MeasurementsToJson(measurements));
  if (o.sampling)
    WriteFile(out / "allocation-sites.json", SitesToJson(session.StopSampling(), 200));
  session.Close();

  process::StopResult stop = app.Stop();
  if (!stop.was_running) {
    throw HarnessError("process: stop",
                       "app " + stop.exit_description + " before leakcheck stopped it");
  }
  if (stop.killed) {
    throw HarnessError("process: stop", "app ignored SIGTERM for " + o.stop_timeout +
                                            "; its process group was killed with SIGKILL");
  }
  std::printf("measurements: %s\n", (out / "measurements.json").c_str());
  for (const auto& m : measurements) {
    if (!m.snapshot.empty()) std::printf("snapshot:     %s\n", m.snapshot.c_str());
  }
  if (o.sampling) std::printf("allocations:  %s\n", (out / "allocation-sites.json").c_str());
  std::printf("app stdout:   %s\napp stderr:   %s\n", app.stdout_log().c_str(),
              app.stderr_log().c_str());
  return kExitOk;
}

}  // namespace

void RegisterCaptureCommand(CLI::App& root, CommandAction& action) {
  auto* cmd = root.add_subcommand(
      "capture",
      "Launch a Node app under the inspector and capture measurements and heap snapshots");
  auto o = std::make_shared<CaptureOptions>();
  cmd->add_option("--snapshots", o->snapshots,
                  "Heap snapshots to take, one per checkpoint (default 1)");
  cmd->add_option("--out", o->out, "Folder for measurements.json, snapshots and logs");
  auto* http = cmd->add_option("--ready-http", o->ready_http, "GET this path until it answers 2xx");
  auto* log = cmd->add_option("--ready-log", o->ready_log,
                              "Wait for an output line matching this regex (group 1: the port)");
  http->excludes(log);
  cmd->add_option("--timeout", o->timeout, "Readiness timeout, e.g. 20s (default 20s)");
  cmd->add_option("--stop-timeout", o->stop_timeout,
                  "SIGTERM, then SIGKILL after this (default 5s)");
  cmd->add_option("--interval", o->interval, "Pause between checkpoints (default 0s)");
  cmd->add_option("--port", o->port, "The app's port, passed as $PORT (default: a free port)");
  cmd->add_option("--node-arg", o->node_args, "Extra node flag (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--gc-rounds", o->gc_rounds, "Full GCs per checkpoint (default 3)");
  cmd->add_option("--snapshot-method", o->snapshot_method,
                  "app: the app writes it (v8.writeHeapSnapshot, fast); stream: chunks over CDP")
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(cdp::kSnapshotMethodNames),
                                                     std::end(cdp::kSnapshotMethodNames))));
  cmd->add_flag("--sampling", o->sampling,
                "Run the sampling heap profiler; write allocation-sites.json");
  cmd->add_option("command", o->command, "The app: -- node app.js …")->required();
  cmd->callback([&action, o] { action = [o] { return RunCapture(*o); }; });
}

}  // namespace leakcheck
