#pragma once

// The one way tests start a program (the leakcheck binary, node, a shell tool): argv, no shell,
// stdin from /dev/null, stdout/stderr captured in files, optional extra environment variables,
// a file-size limit, a callback while it runs, and a hang guard. Every e2e helper builds on it.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace leakcheck::testing {

/// How a command ended and what it printed.
struct CommandResult {
  int exit_code = -1;    ///< exit status, 128 + signal, or -1 when it could not be started
  std::string out;       ///< stdout (and stderr too with SpawnOptions::merge_stderr)
  std::string err;       ///< stderr
  long max_rss_kib = 0;  ///< the child's peak RSS (getrusage), KiB
  bool hung = false;     ///< the hang guard killed it (SIGKILL after SpawnOptions::guard)
};

/// Options of Spawn / RunCommand; the defaults suit a quick command.
struct SpawnOptions {
  /// Added to (or overriding) the test's own environment: {"NAME", "value"}.
  std::vector<std::pair<std::string, std::string>> env;
  /// RLIMIT_FSIZE for the child (and what it starts): writes beyond it fail with EFBIG.
  rlim_t file_size_limit = RLIM_INFINITY;
  /// Where <output_name>.out / .err are written; empty: a temporary folder removed afterwards.
  std::filesystem::path output_dir;
  std::string output_name = "run";
  /// stderr goes into the same file as stdout (CommandResult::out), in the order written.
  bool merge_stderr = false;
  /// The child is killed (SIGKILL) after this long and CommandResult::hung is set: a hang fails
  /// the test instead of blocking it. Far above any run here, below the CTest timeout.
  std::chrono::seconds guard{180};
};

/// A started child: its pid and where its output goes.
struct Spawned {
  pid_t pid = -1;  ///< -1 when fork failed
  std::filesystem::path out_path, err_path;
  std::filesystem::path temp_dir;  ///< removed by Wait when SpawnOptions::output_dir was empty
  std::chrono::seconds guard{180};
};

/// The whole file as bytes ("" when it cannot be read).
inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Starts argv[0] (looked up in PATH when it has no '/') with `options`. fork + exec (not
/// posix_spawn) so the child can set its file-size limit before exec; everything the child
/// needs is prepared before the fork. An exec failure is exit code 127.
inline Spawned Spawn(std::vector<std::string> argv, const SpawnOptions& options = {}) {
  Spawned s;
  s.guard = options.guard;
  std::filesystem::path dir = options.output_dir;
  if (dir.empty()) {
    char tmpl[] = "/tmp/leakcheck-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return s;
    dir = s.temp_dir = tmpl;
  }
  s.out_path = dir / (options.output_name + ".out");
  s.err_path = dir / (options.output_name + ".err");
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    bool overridden = false;
    for (const auto& kv : options.env) overridden |= entry.rfind(kv.first + "=", 0) == 0;
    if (!overridden) env_strings.push_back(std::move(entry));
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string out_path = s.out_path.string(), err_path = s.err_path.string();
  const rlimit limit{options.file_size_limit, options.file_size_limit};
  const bool merge = options.merge_stderr;
  s.pid = ::fork();
  if (s.pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = merge ? out : ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
        ::dup2(err, 2) < 0)
      ::_exit(126);
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(126);
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  return s;
}

/// Waits for a Spawned child (polling, so the hang guard applies) and collects its output.
inline CommandResult Wait(const Spawned& s) {
  CommandResult r;
  if (s.pid <= 0) return r;
  const auto deadline = std::chrono::steady_clock::now() + s.guard;
  int status = 0;
  rusage usage{};
  for (;;) {
    pid_t done = ::wait4(s.pid, &status, WNOHANG, &usage);
    if (done == s.pid) break;
    if (done < 0 && errno != EINTR) return r;
    if (std::chrono::steady_clock::now() > deadline && !r.hung) {
      r.hung = true;
      ::kill(s.pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.max_rss_kib = usage.ru_maxrss;
  r.out = ReadWholeFile(s.out_path);
  r.err = ReadWholeFile(s.err_path);
  if (!s.temp_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(s.temp_dir, ec);
  }
  return r;
}

/// Runs argv to the end. `while_running`, if given, is called with the child's pid before
/// waiting (e.g. to send it a signal).
inline CommandResult RunCommand(const std::vector<std::string>& argv,
                                const SpawnOptions& options = {},
                                const std::function<void(pid_t)>& while_running = nullptr) {
  Spawned s = Spawn(argv, options);
  if (s.pid > 0 && while_running) while_running(s.pid);
  return Wait(s);
}

/// A temporary directory removed (with its files) when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/leakcheck-test-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace leakcheck::testing
