#include "harness/run/app_setup.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/common/interrupt.h"
#include "harness/common/redact.h"
#include "harness/config/app_template.h"

extern char** environ;

namespace leakcheck::run {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kStderrTail = 2048;

std::string CommandText(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += a.find_first_of(" \t\"'\\") == std::string::npos ? a : fmt::format("'{}'", a);
  }
  return out;
}

// The last lines of `text`, at most kStderrTail bytes.
std::string Tail(const std::string& text) {
  std::string t = text.size() > kStderrTail ? text.substr(text.size() - kStderrTail) : text;
  if (text.size() > kStderrTail) {
    size_t nl = t.find('\n');
    if (nl != std::string::npos && nl + 1 < t.size()) t = t.substr(nl + 1);
  }
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t;
}

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void CloseWrite() {
    if (fd[1] >= 0) ::close(fd[1]);
    fd[1] = -1;
  }
};

// Runs one command; returns its wait status. Output goes to `log` (redacted) and `stderr_text`.
int RunOne(const std::vector<std::string>& argv, const config::AppConfig& app, int port,
           std::ofstream& log, std::string& stderr_text) {
  const std::string what = CommandText(argv);
  Pipe out, err;
  if (::pipe2(out.fd, O_CLOEXEC) != 0 || ::pipe2(err.fd, O_CLOEXEC) != 0)
    throw HarnessError("setup", fmt::format("`{}`: pipe: {}", what, std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  if (!app.cwd.value.empty()) posix_spawn_file_actions_addchdir_np(&actions, app.cwd.value.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);

  // The environment: leakcheck's, then app.env (rendered), then PORT.
  std::vector<std::string> env_text;
  std::vector<std::string> overrides;
  for (const auto& [name, value] : app.env)
    overrides.push_back(name + "=" + config::RenderAppValue(value.value, port));
  if (port > 0) overrides.push_back("PORT=" + std::to_string(port));
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& o : overrides)
      replaced |= std::string_view(o).substr(0, o.find('=')) == name;
    if (!replaced) env_text.emplace_back(entry);
  }
  env_text.insert(env_text.end(), overrides.begin(), overrides.end());
  std::vector<char*> envp, args;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> rendered;
  for (const std::string& a : argv) rendered.push_back(config::RenderAppValue(a, port));
  for (std::string& a : rendered) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out.CloseWrite();
  err.CloseWrite();
  if (rc != 0)
    throw HarnessError(
        "setup", fmt::format("`{}` (app.setup) could not start: {}", what, std::strerror(rc)));

  redact::StreamRedactor out_redactor(redact::Global()), err_redactor(redact::Global());
  const Clock::time_point deadline = Clock::now() + kSetupTimeout;
  bool killed_for_time = false, interrupted = false;
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  int open_streams = 2;
  char buffer[16384];
  while (open_streams > 0) {
    if (InterruptRequested() || Clock::now() > deadline) {
      interrupted = InterruptRequested();
      killed_for_time = !interrupted;
      ::kill(-pid, SIGKILL);
      break;
    }
    int n = ::poll(fds, 2, 200);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        fds[i].fd = -1;
        --open_streams;
        continue;
      }
      std::string_view chunk(buffer, static_cast<size_t>(got));
      log << (i == 0 ? out_redactor : err_redactor).Feed(chunk);
      if (i == 1) {
        stderr_text.append(chunk);
        if (stderr_text.size() > 4 * kStderrTail)
          stderr_text.erase(0, stderr_text.size() - 2 * kStderrTail);
      }
    }
  }
  log << out_redactor.Finish() << err_redactor.Finish();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);  // anything the command left behind in its group
  if (interrupted) throw HarnessError("interrupted", fmt::format("`{}` (app.setup) stopped", what));
  if (killed_for_time)
    throw HarnessError("setup",
                       fmt::format("`{}` (app.setup) still ran after {} min: killed{}", what,
                                   kSetupTimeout.count(),
                                   stderr_text.empty() ? "" : "; stderr:\n" + Tail(stderr_text)));
  return status;
}

}  // namespace

void RunAppSetup(const config::AppConfig& app, const fs::path& log_dir, int port) {
  if (app.setup.empty()) return;
  const fs::path log_path = log_dir.empty() ? fs::path("/dev/null") : log_dir / "setup.log";
  std::ofstream log(log_path, std::ios::binary | std::ios::trunc);
  if (!log_dir.empty()) ::chmod(log_path.c_str(), 0600);
  for (size_t i = 0; i < app.setup.size(); ++i) {
    const std::vector<std::string>& argv = app.setup[i].value;
    std::string stderr_text;
    log << redact::Redact("$ " + CommandText(argv)) << '\n';
    log.flush();
    int status = RunOne(argv, app, port, log, stderr_text);
    log.flush();
    std::string how;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
    if (WIFEXITED(status))
      how = fmt::format("exited with code {}", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
      how = fmt::format("was killed by signal {} ({})", WTERMSIG(status),
                        sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
    else
      how = "failed";
    std::string tail = Tail(stderr_text);
    throw HarnessError("setup",
                       redact::Redact(fmt::format(
                           "`{}` (app.setup {} of {}) {}{}; its output is in {}", CommandText(argv),
                           i + 1, app.setup.size(), how,
                           tail.empty() ? " with no stderr" : "; stderr (last lines):\n" + tail,
                           log_path.string())));
  }
}

}  // namespace leakcheck::run
