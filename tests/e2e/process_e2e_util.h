#pragma once
// Helpers for the process/cdp end-to-end tests: run the leakcheck binary (or node) with its
// output captured, find the app's process group in its output, and check the group is gone.

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/run_command.h"

namespace leakcheck::e2e {

using RunResult = testing::CommandResult;

/// The whole file ("" when it cannot be read).
inline std::string Slurp(const std::filesystem::path& p) { return testing::ReadWholeFile(p); }

inline std::filesystem::path TestDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("leakcheck-e2e-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Runs argv (testing::RunCommand) with its output files run.out / run.err in `dir`.
/// `while_running`, if given, is called with the child's pid before waiting.
inline RunResult RunCommand(const std::vector<std::string>& args, const std::filesystem::path& dir,
                            const std::function<void(pid_t)>& while_running = nullptr) {
  testing::SpawnOptions options;
  options.output_dir = dir;
  return testing::RunCommand(args, options, while_running);
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
