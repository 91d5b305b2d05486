#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness/common/line_pattern.h"
#include "harness/process/output_tail.h"
#include "harness/process/proc_tree.h"

namespace leakcheck::process {

/// How leakcheck decides the app is ready to take traffic.
struct ReadyCheck {
  std::string http_path;  ///< GET this path on 127.0.0.1:port until a 2xx; or
  std::string log_regex;  ///< wait for a stdout/stderr line matching this regex (RE2 syntax);
                          ///< its group 1, if present, is the app's port.
  /// Bounds the whole wait, the inspector URL included.
  std::chrono::milliseconds timeout{20000};
};

/// Everything needed to launch the app (the scenario's `app:` block, resolved).
struct AppSpec {
  /// The command, no shell: `node server.js`, or any launcher (`npm run start`, `npx tsx
  /// server.ts`, a script); PATH is searched for argv[0]. Every Node process it starts gets the
  /// inspector through NODE_OPTIONS (BuildNodeOptions).
  std::vector<std::string> argv;
  std::filesystem::path cwd;  ///< empty: leakcheck's own working directory
  std::vector<std::pair<std::string, std::string>> env;  ///< added to the inherited environment
  /// Extra node flags, checked by ValidateNodeArgs: on node's command line when argv[0] is node,
  /// else in NODE_OPTIONS (so they reach every Node process of the app).
  std::vector<std::string> node_args;
  std::optional<uint16_t> port;  ///< nullopt: auto (a free port); passed as $PORT
  ReadyCheck ready;              ///< neither http_path nor log_regex: only the inspector
  std::chrono::milliseconds stop_timeout{5000};  ///< SIGTERM, then SIGKILL to the group
  std::filesystem::path log_dir;  ///< stdout.log and stderr.log go here; empty: no log files
};

/// How Stop() ended the app.
struct StopResult {
  bool was_running = false;      ///< false: the app had already exited before Stop()
  bool killed = false;           ///< it ignored SIGTERM for stop_timeout and got SIGKILL
  std::string exit_description;  ///< "exited with code 0", "killed by signal 9 (SIGKILL)"
};

/// The Node app under test: its own process group, inspector on 127.0.0.1, output captured.
/// The destructor kills the whole group (SIGKILL) if it is still alive: no orphan `node`.
/// Start() makes leakcheck a child subreaper (PR_SET_CHILD_SUBREAPER) so the app's own children
/// are reaped too (and descendants that left the group with setsid() are killed once the app is
/// gone), and sets PR_SET_DEATHSIG on the app: call Start() from a thread that
/// outlives the app (the kernel kills the app when the spawning thread exits).
/// Thread-safe for the const accessors; Start/Stop/Kill are called from one thread.
class NodeApp {
 public:
  explicit NodeApp(AppSpec spec);
  ~NodeApp();
  NodeApp(const NodeApp&) = delete;
  NodeApp& operator=(const NodeApp&) = delete;

  /// The input checks of Start() without starting anything: node_args, flags in a node command
  /// and NODE_OPTIONS are allowed, the ready regex compiles, and the executable exists (PATH
  /// searched). Any command is accepted. Throws InputError naming the problem.
  static void CheckSpec(const AppSpec& spec);

  /// Validates the spec (CheckSpec), spawns the app (no shell) and returns at once.
  /// Throws InputError for bad input (forbidden flags, executable not found) and
  /// HarnessError("process: start", …) when it cannot be started.
  void Start();
  /// Waits for the inspector URL and the ready check. Throws HarnessError("process: ready", …)
  /// naming the probe on timeout, or "app exited with code N …" plus the stderr tail.
  void WaitReady();
  /// Waits only for the inspector URL (used when readiness is decided elsewhere).
  void WaitInspector(std::chrono::milliseconds timeout);

  /// Graceful stop: SIGTERM to the group, SIGKILL after stop_timeout. Idempotent.
  StopResult Stop();
  /// SIGKILL to the group and reap. Idempotent, never throws.
  void Kill() noexcept;

  pid_t pid() const { return pid_; }
  /// The app's process group id (== pid()).
  pid_t pgid() const { return pid_; }
  /// The port the app listens on ($PORT, or group 1 of the ready log regex).
  uint16_t port() const;
  /// "ws://127.0.0.1:PORT/UUID", empty until the inspector announced it (the first announced:
  /// the command's own process).
  std::string inspector_url() const;
  /// Every inspector URL announced on stderr so far, in order (one per Node process whose
  /// stderr reaches ours).
  std::vector<std::string> announced_inspectors() const;
  /// The app's Node processes (its process tree: FindNodeProcesses), looked at until two looks
  /// agree and each has an inspector, at most `settle`. Never throws.
  std::vector<NodeProcess> FindProcesses(std::chrono::milliseconds settle) const;
  /// Throws HarnessError("process: port", …) naming the process (pid, command line) when
  /// 127.0.0.1:port()'s listening socket belongs to a process outside the app's tree.
  void CheckPortOwner() const;
  bool running() const;
  /// "exited with code N" / "killed by signal N (NAME)"; nullopt while running.
  std::optional<std::string> ExitDescription() const;
  /// If the app has exited or exits within `grace`, "app exited with code N" followed by its
  /// stderr tail (for error messages); nullopt if it is still running. An app that finished but
  /// waits for the inspector client to disconnect (node prints "Waiting for the debugger to
  /// disconnect...") is reported as "app is exiting …": the caller should hang up, then ask again.
  std::optional<std::string> DescribeExit(std::chrono::milliseconds grace) const;
  /// The last `lines` lines of the app's stderr / stdout.
  std::string StderrTail(size_t lines = 50) const;
  std::string StdoutTail(size_t lines = 50) const;
  /// Where stdout/stderr were written (empty when AppSpec::log_dir is empty).
  std::filesystem::path stdout_log() const;
  std::filesystem::path stderr_log() const;
  const AppSpec& spec() const { return spec_; }

 private:
  void Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env);
  void ReadOutput(int out_fd, int err_fd);
  void AppendOutput(int stream, std::string_view data);
  void OnLine(bool is_stderr, const std::string& line);
  void WatchExit();
  bool WaitExitedFor(std::chrono::milliseconds timeout) const;
  void JoinThreads();
  void ReapGroup();
  [[noreturn]] void FailNotReady(const std::string& what) const;

  AppSpec spec_;
  std::filesystem::path preload_;  // WriteClusterPreload(); its folder is removed with the app
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int log_fd_[2] = {-1, -1};  // stdout.log, stderr.log (owned by the reader thread)
  std::unique_ptr<LinePattern> ready_regex_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::string inspector_url_;
  std::vector<std::string> announced_;
  bool log_matched_ = false;
  bool exited_ = false;
  bool output_closed_ = false;
  bool stop_reading_ = false;
  bool waiting_for_debugger_ = false;  // "Waiting for the debugger to disconnect..." seen
  bool joined_ = false;                // threads joined, group unregistered: nothing left to kill
  int wait_status_ = 0;
  OutputTail stdout_tail_;
  OutputTail stderr_tail_;
  std::string pending_[2];  // partial lines of stdout, stderr

  std::thread reader_;
  std::thread waiter_;
};

/// Formats a waitpid status: "exited with code 3", "killed by signal 9 (SIGKILL)".
std::string DescribeWaitStatus(int status);

}  // namespace leakcheck::process
