#pragma once
// Helpers for the process/cdp end-to-end tests: run the leakcheck binary (or node) with its
// output captured, find the app's process group in its output, and check the group is gone.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace leakcheck::e2e {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::filesystem::path TestDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("leakcheck-e2e-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Runs argv with stdin from /dev/null and stdout/stderr captured. `while_running`, if given,
/// is called with the child's pid before waiting (e.g. to send it a signal).
inline RunResult RunCommand(const std::vector<std::string>& args, const std::filesystem::path& dir,
                            const std::function<void(pid_t)>& while_running = nullptr) {
  auto out_path = dir / "run.out", err_path = dir / "run.err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  RunResult r;
  if (posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) return r;
  posix_spawn_file_actions_destroy(&fa);
  if (while_running) while_running(pid);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out_path);
  r.err = Slurp(err_path);
  return r;
}

inline std::string App(const std::string& name) {
  return std::string(LEAKCHECK_FIXTURES_DIR) + "/apps/" + name;
}

/// Runs `leakcheck capture <options> -- node <app>` with its output folder in `dir`.
inline RunResult Capture(const std::filesystem::path& dir, std::vector<std::string> options,
                         const std::string& app,
                         const std::function<void(pid_t)>& while_running = nullptr) {
  std::vector<std::string> args = {LEAKCHECK_BIN, "capture", "--out", (dir / "out").string()};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"--", "node", App(app)});
  return RunCommand(args, dir, while_running);
}

/// The app's process group from "capture: started app pid N (process group G)"; 0 if absent.
inline pid_t AppGroup(const std::string& err) {
  constexpr std::string_view kKey = "process group ";
  size_t at = err.find(kKey);
  if (at == std::string::npos) return 0;
  return static_cast<pid_t>(std::atol(err.c_str() + at + kKey.size()));
}

/// True when no process of the group remains: kill(-pgid, 0) fails with ESRCH.
inline bool GroupGone(pid_t pgid) { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }

}  // namespace leakcheck::e2e
