#include "harness/process/node_app.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "harness/common/duration.h"
#include "harness/common/error.h"
#include "harness/common/line_pattern.h"
#include "harness/common/redact.h"
#include "harness/process/app_registry.h"
#include "harness/process/command_line.h"
#include "harness/process/http_probe.h"

extern char** environ;

namespace leakcheck::process {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxLine = 64 * 1024;
constexpr size_t kTailLines = 50;
constexpr std::string_view kInspectorAnnounce = "Debugger listening on ";
constexpr size_t kMaxAnnounced = 4096;  // an app that forks without end must not grow us

// Lines node's inspector prints; kept in the log files, left out of the tails in messages.
bool IsInspectorNoise(std::string_view line) {
  return line.rfind(kInspectorAnnounce, 0) == 0 ||
         line.rfind("For help, see: https://nodejs.org/", 0) == 0 || line == "Debugger attached." ||
         line == "Debugger ending on ws://" ||
         line.rfind("Waiting for the debugger to disconnect", 0) == 0;
}

std::string LookupEnv(const std::vector<std::string>& env, std::string_view name) {
  for (const std::string& kv : env) {
    if (kv.size() > name.size() && kv.compare(0, name.size(), name) == 0 && kv[name.size()] == '=')
      return kv.substr(name.size() + 1);
  }
  return {};
}

// The inherited environment with `additions` applied (later entries win).
std::vector<std::string> BuildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& additions) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  for (const auto& [name, value] : additions) {
    std::erase_if(env, [&](const std::string& kv) {
      return kv.size() > name.size() && kv.compare(0, name.size(), name) == 0 &&
             kv[name.size()] == '=';
    });
    env.push_back(name + "=" + value);
  }
  return env;
}

bool IsExecutable(const std::filesystem::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// Resolves argv[0] on PATH before forking (execvp is not async-signal-safe).
std::string ResolveExecutable(const std::string& name, const std::string& path_var,
                              const std::filesystem::path& cwd) {
  if (name.find('/') != std::string::npos) {
    std::filesystem::path p = name;
    if (p.is_relative() && !cwd.empty()) p = cwd / p;
    if (!IsExecutable(p)) throw InputError("process: start", "cannot execute `" + name + "`");
    return p.string();
  }
  std::string_view rest = path_var;
  while (true) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    std::filesystem::path candidate = (dir.empty() ? "." : dir) + std::string("/") + name;
    if (IsExecutable(candidate)) return candidate.string();
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  throw InputError("process: start", "executable `" + name + "` not found on PATH");
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int OpenLog(const std::filesystem::path& dir, const char* name) {
  if (dir.empty()) return -1;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Owner-only, like the run folder: the app's output may hold what it was sent.
  int fd = ::open((dir / name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw HarnessError("process: start",
                       "cannot write " + (dir / name).string() + ": " + std::strerror(errno));
  }
  return fd;
}

// Processes that were re-parented to leakcheck (the subreaper) and live in another session: the
// app's descendants that called setsid() (`spawn(…, {detached: true})`, daemons) and so left its
// process group. leakcheck's own children never leave its session, so nothing else matches.
// Returns their (pid, pgid).
std::vector<std::pair<pid_t, pid_t>> ReparentedStrays() {
  std::vector<std::pair<pid_t, pid_t>> out;
  const pid_t self = ::getpid();
  const pid_t session = ::getsid(0);
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* e = ::readdir(proc)) {
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(e->d_name, e->d_name + std::strlen(e->d_name), pid);
    if (ec != std::errc() || *end != '\0' || pid <= 0) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) continue;
    buf[n] = '\0';
    const char* paren = std::strrchr(buf, ')');  // the command name may contain anything
    char state = 0;
    int ppid = 0, pgrp = 0, sid = 0;
    if (paren == nullptr ||
        std::sscanf(paren + 1, " %c %d %d %d", &state, &ppid, &pgrp, &sid) != 4) {
      continue;
    }
    if (ppid == self && sid != session) out.emplace_back(pid, static_cast<pid_t>(pgrp));
  }
  ::closedir(proc);
  return out;
}

// Kills and reaps the app's descendants that escaped its process group (see ReparentedStrays);
// their own children are re-parented to us in turn, so this repeats until none is left.
void KillReparentedStrays() {
  for (int round = 0; round < 100; ++round) {
    auto strays = ReparentedStrays();
    if (strays.empty()) return;
    for (auto [pid, pgid] : strays) {
      if (pgid > 1) ::kill(-pgid, SIGKILL);
      ::kill(pid, SIGKILL);
      int status;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
}

void WriteAll(int fd, const char* data, size_t size) {
  while (fd >= 0 && size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses log lines, not the run
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(const char* exe, char** argv, char** envp, const char* cwd, int out_fd,
                            int err_fd, int report_fd, pid_t parent, const sigset_t* old_mask) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2, SIGQUIT, SIGXFSZ}) {
    ::signal(sig, SIG_DFL);
  }
  ::sigprocmask(SIG_SETMASK, old_mask, nullptr);
  ::setpgid(0, 0);
  // Backstop for a leakcheck killed by SIGKILL: the kernel kills the app with it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  int err = 0;
  if (cwd && ::chdir(cwd) != 0) err = errno;
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (err == 0 &&
      (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0)) {
    err = errno;
  }
  if (err == 0) {
    ::execve(exe, argv, envp);
    err = errno;
  }
  ssize_t ignored = ::write(report_fd, &err, sizeof err);
  (void)ignored;
  ::_exit(127);
}

LinePattern CompileReadyRegex(const std::string& pattern) {
  std::string error;
  auto compiled = LinePattern::Compile(pattern, &error);
  if (!compiled)
    throw InputError("process: ready", "invalid log regex `" + pattern + "`: " + error);
  return std::move(*compiled);
}

}  // namespace

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = ::sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) +
           (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "ended with status " + std::to_string(status);
}

NodeApp::NodeApp(AppSpec spec) : spec_(std::move(spec)) {}

NodeApp::~NodeApp() {
  Kill();
  std::error_code ec;
  if (!preload_.empty()) std::filesystem::remove_all(preload_.parent_path(), ec);
}

void NodeApp::CheckSpec(const AppSpec& spec) {
  if (spec.argv.empty()) throw InputError("process: command", "empty command");
  // Any command runs (`npm run start`, `npx tsx server.ts`, a launcher script): every Node
  // process it starts gets the inspector through NODE_OPTIONS.
  ValidateNodeArgs(spec.node_args, "node_args");
  if (IsNodeCommand(spec.argv)) {
    // Flags written into the command itself (`node --inspect-brk app.js`) count as node_args.
    std::vector<std::string> inline_flags;
    for (size_t i = 1; i < spec.argv.size() && spec.argv[i].rfind("-", 0) == 0; ++i) {
      inline_flags.push_back(spec.argv[i]);
    }
    ValidateNodeArgs(inline_flags, "node flag");
  }
  if (!spec.ready.log_regex.empty()) CompileReadyRegex(spec.ready.log_regex);
  std::vector<std::string> env = BuildEnvironment(spec.env);
  std::string node_options = LookupEnv(env, "NODE_OPTIONS");
  if (!node_options.empty()) ValidateNodeArgs(SplitCommandLine(node_options), "NODE_OPTIONS");
  ResolveExecutable(spec.argv[0], LookupEnv(env, "PATH"), spec.cwd);
}

void NodeApp::Start() {
  if (pid_ > 0) throw HarnessError("process: start", "the app was already started");
  CheckSpec(spec_);
  if (!spec_.ready.log_regex.empty()) {
    ready_regex_ = std::make_unique<LinePattern>(CompileReadyRegex(spec_.ready.log_regex));
  }

  port_ = spec_.port ? *spec_.port : PickFreePort();
  auto additions = spec_.env;
  additions.emplace_back("PORT", std::to_string(port_));
  std::string node_options = LookupEnv(BuildEnvironment(additions), "NODE_OPTIONS");
  if (!node_options.empty()) ValidateNodeArgs(SplitCommandLine(node_options), "NODE_OPTIONS");
  // Every Node process the command starts (launchers, cluster workers, children) inherits the
  // inspector; node's own flags go on its command line when the command is node itself.
  const bool node_command = IsNodeCommand(spec_.argv);
  std::vector<std::string> extra = node_command ? std::vector<std::string>{} : spec_.node_args;
  // Cluster workers' inspectors on free ports too (kClusterPreloadSource).
  if (preload_.empty()) preload_ = WriteClusterPreload();
  extra.insert(extra.begin(), {"--require", preload_.string()});
  additions.emplace_back("NODE_OPTIONS", BuildNodeOptions(node_options, extra));
  std::vector<std::string> env = BuildEnvironment(additions);

  std::vector<std::string> argv =
      node_command ? BuildNodeArgv(spec_.argv, spec_.node_args) : spec_.argv;
  argv[0] = ResolveExecutable(argv[0], LookupEnv(env, "PATH"), spec_.cwd);
  InstallExitSafetyNet();
  // Become a subreaper: the app's own children are re-parented to us when it dies, so Stop()
  // and Kill() can reap them and return only once nothing of the group is left, zombies too.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  Spawn(argv, env);
}

void NodeApp::Spawn(const std::vector<std::string>& argv_in,
                    const std::vector<std::string>& env_in) {
  std::vector<std::string> argv_strings = argv_in;
  std::vector<std::string> env_strings = env_in;
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);
  std::string cwd = spec_.cwd.string();

  int out_log = OpenLog(spec_.log_dir, "stdout.log");
  int err_log = OpenLog(spec_.log_dir, "stderr.log");
  int out[2], err[2], report[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      ::pipe2(report, O_CLOEXEC) != 0) {
    throw HarnessError("process: start", std::string("pipe: ") + std::strerror(errno));
  }
  // Block the signals whose handlers kill registered groups until the new group is registered.
  sigset_t block, old_mask;
  sigemptyset(&block);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, sig);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ExecChild(argv[0], argv.data(), envp.data(), cwd.empty() ? nullptr : cwd.c_str(), out[1],
              err[1], report[1], parent, &old_mask);
  }
  int fork_errno = errno;
  if (pid > 0) {
    ::setpgid(pid, pid);  // also done by the child; whichever runs first wins the race
    RegisterAppGroup(pid);
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  for (int fd : {out[1], err[1], report[1]}) ::close(fd);
  if (pid < 0) {
    for (int fd : {out[0], err[0], report[0], out_log, err_log})
      if (fd >= 0) ::close(fd);
    throw HarnessError("process: start", std::string("fork: ") + std::strerror(fork_errno));
  }
  pid_ = pid;
  log_fd_[0] = out_log;
  log_fd_[1] = err_log;
  int exec_errno = 0;
  ssize_t n;
  do n = ::read(report[0], &exec_errno, sizeof exec_errno);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  waiter_ = std::thread([this] { WatchExit(); });
  reader_ = std::thread([this, o = out[0], e = err[0]] { ReadOutput(o, e); });
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    Kill();
    throw HarnessError("process: start",
                       "cannot run `" + argv_in[0] + "`: " + std::strerror(exec_errno));
  }
}

void NodeApp::ReadOutput(int out_fd, int err_fd) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  char buf[16384];
  int open_count = 2;
  // The log files get the output with secrets redacted (lines split across reads included).
  redact::StreamRedactor clean[2] = {redact::StreamRedactor(redact::Global()),
                                     redact::StreamRedactor(redact::Global())};
  while (open_count > 0) {
    {
      std::lock_guard lock(mu_);
      if (stop_reading_) break;
    }
    int r = ::poll(fds, 2, 100);
    if (r < 0 && errno != EINTR) break;
    for (int i = 0; i < 2 && r > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open_count;
        std::string rest = clean[i].Finish();
        WriteAll(log_fd_[i], rest.data(), rest.size());
        std::lock_guard lock(mu_);
        if (!pending_[i].empty()) OnLine(i == 1, pending_[i]), pending_[i].clear();
        continue;
      }
      std::string text = clean[i].Feed(std::string_view(buf, static_cast<size_t>(n)));
      WriteAll(log_fd_[i], text.data(), text.size());
      std::lock_guard lock(mu_);
      AppendOutput(i, std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0) continue;  // already flushed at its end of file
    std::string rest = clean[i].Finish();
    WriteAll(log_fd_[i], rest.data(), rest.size());
  }
  for (int fd : {out_fd, err_fd, log_fd_[0], log_fd_[1]}) {
    if (fd >= 0) ::close(fd);
  }
  std::lock_guard lock(mu_);
  output_closed_ = true;
  cv_.notify_all();
}

void NodeApp::AppendOutput(int stream, std::string_view data) {
  std::string& pending = pending_[stream];
  while (!data.empty()) {
    size_t nl = data.find('\n');
    size_t take =
        std::min(nl == std::string_view::npos ? data.size() : nl, kMaxLine - pending.size());
    pending.append(data.substr(0, take));
    data.remove_prefix(take);
    bool newline = !data.empty() && data.front() == '\n';
    if (newline || pending.size() >= kMaxLine) {
      if (newline) data.remove_prefix(1);
      if (!pending.empty() && pending.back() == '\r') pending.pop_back();
      OnLine(stream == 1, pending);
      pending.clear();
    }
  }
}

void NodeApp::OnLine(bool is_stderr, const std::string& line) {
  if (is_stderr && line.rfind(kInspectorAnnounce, 0) == 0) {
    // Every Node process of the app announces its own; the first is the command's.
    std::string url = line.substr(kInspectorAnnounce.size());
    url = url.substr(0, url.find_first_of(" \t"));
    if (url.rfind("ws://", 0) == 0 && announced_.size() < kMaxAnnounced) {
      if (inspector_url_.empty()) inspector_url_ = url;
      announced_.push_back(url);
    }
  }
  if (is_stderr && line.rfind("Waiting for the debugger to disconnect", 0) == 0) {
    // The app is done (process.exit, or its event loop ran dry) but node holds the exit until
    // the inspector client disconnects: the session must hang up for it to finish exiting.
    waiting_for_debugger_ = true;
  }
  if (IsInspectorNoise(line)) {
    cv_.notify_all();
    return;  // neither in the tails nor matched against the ready regex
  }
  // The tails end up in error messages and reports: redacted like everything leakcheck writes.
  (is_stderr ? stderr_tail_ : stdout_tail_).Append(redact::Redact(line) + "\n");
  if (ready_regex_ && !log_matched_) {
    std::string g;
    if (ready_regex_->Search(line, &g)) {
      log_matched_ = true;
      int port = 0;
      if (!g.empty()) {
        auto [ptr, ec] = std::from_chars(g.data(), g.data() + g.size(), port);
        if (ec == std::errc() && ptr == g.data() + g.size() && port > 0 && port < 65536)
          port_ = static_cast<uint16_t>(port);
      }
    }
  }
  cv_.notify_all();
}

void NodeApp::WatchExit() {
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, 0);
  while (r < 0 && errno == EINTR);
  std::lock_guard lock(mu_);
  exited_ = true;
  wait_status_ = r == pid_ ? status : 0;
  cv_.notify_all();
}

bool NodeApp::WaitExitedFor(milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return exited_; });
}

[[noreturn]] void NodeApp::FailNotReady(const std::string& what) const {
  // Give the reader a moment to collect the last lines the app wrote.
  std::string tail;
  bool exited;
  {
    std::unique_lock lock(mu_);
    exited = exited_;
    if (exited) cv_.wait_for(lock, milliseconds(500), [this] { return output_closed_; });
    tail = stderr_tail_.LastLines(kTailLines);
    if (tail.empty()) tail = stdout_tail_.LastLines(kTailLines);
  }
  std::string msg = what;
  if (!tail.empty()) msg += "\n--- last lines of the app's output ---\n" + tail;
  throw HarnessError(exited ? "process: start" : "process: ready", msg);
}

void NodeApp::WaitInspector(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [this] { return !inspector_url_.empty() || exited_; });
  if (!inspector_url_.empty()) return;
  bool exited = exited_;
  lock.unlock();
  if (exited) FailNotReady("app " + DescribeWaitStatus(wait_status_) + " before it was ready");
  FailNotReady("the inspector did not announce its URL within " + FormatDuration(timeout) +
               " (no `Debugger listening on ws://…` line on stderr)");
}

void NodeApp::WaitReady() {
  if (pid_ <= 0) throw HarnessError("process: ready", "the app was not started");
  auto start = Clock::now();
  auto deadline = start + spec_.ready.timeout;
  WaitInspector(spec_.ready.timeout);
  auto left = [&] { return std::chrono::duration_cast<milliseconds>(deadline - Clock::now()); };
  auto fail_exited = [&] {
    FailNotReady("app " + DescribeWaitStatus(wait_status_) + " before it was ready");
  };
  if (ready_regex_) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [this] { return log_matched_ || exited_; });
    if (log_matched_) return;
    bool exited = exited_;
    lock.unlock();
    if (exited) fail_exited();
    FailNotReady("app not ready after " + FormatDuration(spec_.ready.timeout) +
                 ": no output line matched the ready log regex /" + spec_.ready.log_regex + "/");
  }
  if (spec_.ready.http_path.empty()) return;
  std::string last = "no attempt";
  bool answered = false;  // once the app answered with a status, that is the news worth telling
  for (;;) {
    if (WaitExitedFor(milliseconds(0))) fail_exited();
    milliseconds budget = std::min(left(), milliseconds(1000));
    if (budget.count() <= 0) break;
    ProbeResult r = ProbeHttp(port(), spec_.ready.http_path, budget);
    if (r.ok) return;
    if (r.status != 0 || !answered) last = r.error;
    answered = answered || r.status != 0;
    if (WaitExitedFor(std::min(left(), milliseconds(100)))) fail_exited();
  }
  // Another process holding the port answers the probe (not with a 2xx here): name it.
  CheckPortOwner();
  FailNotReady("app not ready after " + FormatDuration(spec_.ready.timeout) +
               ": GET http://127.0.0.1:" + std::to_string(port()) + spec_.ready.http_path +
               " never answered 2xx (last: " + last + ")");
}

StopResult NodeApp::Stop() {
  StopResult result;
  if (pid_ <= 0) return result;
  if (joined_) {
    result.exit_description = DescribeWaitStatus(wait_status_);
    return result;
  }
  result.was_running = !WaitExitedFor(milliseconds(0));
  if (result.was_running) {
    ::kill(-pid_, SIGTERM);
    if (!WaitExitedFor(spec_.stop_timeout)) {
      ::kill(-pid_, SIGKILL);
      result.killed = true;
      WaitExitedFor(milliseconds(60000));
    }
  }
  ::kill(-pid_, SIGKILL);  // whatever else is left in the group
  JoinThreads();
  result.exit_description = DescribeWaitStatus(wait_status_);
  return result;
}

void NodeApp::Kill() noexcept {
  if (pid_ <= 0 || joined_) return;
  ::kill(-pid_, SIGKILL);
  JoinThreads();
}

void NodeApp::JoinThreads() {
  if (waiter_.joinable()) waiter_.join();
  ReapGroup();
  KillReparentedStrays();
  {
    // Grandchildren outside the group could hold the pipes open; don't wait for them forever.
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, milliseconds(1000), [this] { return output_closed_; });
    stop_reading_ = true;
  }
  if (reader_.joinable()) reader_.join();
  UnregisterAppGroup(pid_);
  joined_ = true;
}

void NodeApp::ReapGroup() {
  // The leader is reaped (by WatchExit); what is left of its group was re-parented to us.
  auto deadline = Clock::now() + milliseconds(5000);
  while (Clock::now() < deadline) {
    ::kill(-pid_, SIGKILL);
    int status;
    pid_t r = ::waitpid(-pid_, &status, WNOHANG);
    if (r > 0) continue;
    if (r < 0 && errno == ECHILD && ::kill(-pid_, 0) != 0)
      return;  // nothing left, not even zombies
    std::this_thread::sleep_for(milliseconds(5));
  }
}

uint16_t NodeApp::port() const {
  std::lock_guard lock(mu_);
  return port_;
}

std::vector<std::string> NodeApp::announced_inspectors() const {
  std::lock_guard lock(mu_);
  return announced_;
}

std::vector<NodeProcess> NodeApp::FindProcesses(std::chrono::milliseconds settle) const {
  if (pid_ <= 0) return {};
  // Cluster workers and children may still be starting when the app is ready: look until two
  // looks agree and every Node process has its inspector, at most `settle`.
  auto deadline = Clock::now() + settle;
  auto key = [](const std::vector<NodeProcess>& ps) {
    std::string k;
    for (const auto& p : ps) k += std::to_string(p.pid) + ":" + p.inspector_url + ";";
    return k;
  };
  std::vector<NodeProcess> found = FindNodeProcesses(pid_, port(), announced_inspectors());
  for (;;) {
    if (Clock::now() >= deadline || WaitExitedFor(milliseconds(250))) return found;
    std::vector<NodeProcess> again = FindNodeProcesses(pid_, port(), announced_inspectors());
    const bool complete = std::all_of(again.begin(), again.end(), [](const NodeProcess& p) {
      return p.role == "launcher" || !p.inspector_url.empty();
    });
    const bool same = key(again) == key(found);
    found = std::move(again);
    if (same && complete) return found;
  }
}

void NodeApp::CheckPortOwner() const {
  if (pid_ <= 0) return;
  if (auto owner = ForeignPortOwner(port(), pid_)) {
    throw HarnessError(
        "process: port",
        "127.0.0.1:" + std::to_string(port()) + " is held by another process: " + *owner +
            ", not by the app (pid " + std::to_string(pid_) +
            " and its children); every request would go there. Stop that process or give the "
            "app another `port:`");
  }
}

std::string NodeApp::inspector_url() const {
  std::lock_guard lock(mu_);
  return inspector_url_;
}

bool NodeApp::running() const {
  std::lock_guard lock(mu_);
  return pid_ > 0 && !exited_;
}

std::optional<std::string> NodeApp::ExitDescription() const {
  std::lock_guard lock(mu_);
  if (!exited_) return std::nullopt;
  return DescribeWaitStatus(wait_status_);
}

std::optional<std::string> NodeApp::DescribeExit(milliseconds grace) const {
  if (pid_ <= 0) return std::nullopt;
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, grace, [this] { return exited_; });
  if (!exited_) {
    if (!waiting_for_debugger_) return std::nullopt;
    return "app is exiting (node is waiting for the debugger to disconnect)\n"
           "--- last lines of the app's stderr ---\n" +
           stderr_tail_.LastLines(kTailLines);
  }
  cv_.wait_for(lock, milliseconds(500), [this] { return output_closed_; });
  std::string msg = "app " + DescribeWaitStatus(wait_status_);
  std::string tail = stderr_tail_.LastLines(kTailLines);
  if (!tail.empty()) msg += "\n--- last lines of the app's stderr ---\n" + tail;
  return msg;
}

std::string NodeApp::StderrTail(size_t lines) const {
  std::lock_guard lock(mu_);
  return stderr_tail_.LastLines(lines);
}

std::string NodeApp::StdoutTail(size_t lines) const {
  std::lock_guard lock(mu_);
  return stdout_tail_.LastLines(lines);
}

std::filesystem::path NodeApp::stdout_log() const {
  return spec_.log_dir.empty() ? std::filesystem::path() : spec_.log_dir / "stdout.log";
}

std::filesystem::path NodeApp::stderr_log() const {
  return spec_.log_dir.empty() ? std::filesystem::path() : spec_.log_dir / "stderr.log";
}

}  // namespace leakcheck::process
