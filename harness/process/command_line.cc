#include "harness/process/command_line.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "harness/common/error.h"
#include "harness/common/shell_words.h"
#include "harness/process/proc_tree.h"

namespace leakcheck::process {
namespace {

constexpr std::string_view kStage = "process: command";

// Node accepts `_` for `-` in option names (`--inspect_port`), so compare normalised names.
std::string NormalizeFlagName(std::string_view name) {
  std::string out(name);
  std::replace(out.begin() + std::min<size_t>(2, out.size()), out.end(), '_', '-');
  return out;
}

// Splits "HOST:PORT", "[V6]:PORT", "PORT" or "HOST" into its host ("" when only a port).
std::string_view HostOf(std::string_view value) {
  if (value.empty()) return {};
  if (value.front() == '[') {
    size_t close = value.find(']');
    return close == std::string_view::npos ? value : value.substr(1, close - 1);
  }
  size_t colon = value.rfind(':');
  std::string_view host = colon == std::string_view::npos ? value : value.substr(0, colon);
  if (colon == std::string_view::npos) {
    // A bare number is a port; anything else is a host.
    bool digits =
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    return digits ? std::string_view{} : value;
  }
  return host;
}

[[noreturn]] void Refuse(std::string_view origin, const std::string& arg, std::string_view why) {
  throw InputError("process: node_args",
                   std::string(origin) + " `" + arg + "` is not allowed: " + std::string(why) +
                       " (leakcheck opens the inspector on 127.0.0.1 itself; the inspector is a "
                       "remote-code-execution port)");
}

}  // namespace

std::vector<std::string> SplitCommandLine(std::string_view command) {
  std::string error;
  auto words = SplitShellWords(command, &error);
  if (!words) throw InputError(std::string(kStage), error);
  if (words->empty()) throw InputError(std::string(kStage), "empty command");
  return std::move(*words);
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
  // Any 127.x.y.z address is loopback.
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

void ValidateNodeArgs(const std::vector<std::string>& args, std::string_view origin) {
  // Flags that pause the app until a debugger attaches: never allowed.
  constexpr std::array<std::string_view, 3> kPausing = {"--inspect-brk", "--inspect-wait",
                                                        "--debug-brk"};
  // Flags that choose the inspector's address: allowed on loopback only.
  constexpr std::array<std::string_view, 4> kAddress = {"--inspect", "--inspect-port",
                                                        "--debug-port", "--debug"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) continue;
    size_t eq = arg.find('=');
    std::string name = NormalizeFlagName(std::string_view(arg).substr(0, eq));
    for (std::string_view p : kPausing) {
      if (name == p) Refuse(origin, arg, "it pauses the app until a debugger attaches");
    }
    if (std::find(kAddress.begin(), kAddress.end(), name) == kAddress.end()) continue;
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if ((name == "--inspect-port" || name == "--debug-port") && i + 1 < args.size()) {
      value = args[++i];
    }
    std::string_view host = HostOf(value);
    if (!host.empty() && !IsLoopbackHost(host)) {
      Refuse(origin, arg + (eq == std::string::npos && !value.empty() ? " " + value : ""),
             "it binds the inspector to `" + std::string(host) + "`, not loopback");
    }
  }
}

std::vector<std::string> BuildNodeArgv(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& node_args) {
  std::vector<std::string> out;
  out.reserve(argv.size() + node_args.size() + 2);
  if (argv.empty()) return out;
  out.push_back(argv[0]);
  out.push_back("--inspect=127.0.0.1:0");
  out.push_back("--expose-gc");
  out.insert(out.end(), node_args.begin(), node_args.end());
  out.insert(out.end(), argv.begin() + 1, argv.end());
  return out;
}

std::string BuildNodeOptions(std::string_view user_node_options,
                             const std::vector<std::string>& extra) {
  std::string out(user_node_options);
  auto add = [&out](std::string_view word) {
    if (!out.empty()) out += ' ';
    out += word;
  };
  for (const std::string& arg : extra) {
    if (arg.find_first_of(" \t\"\\") == std::string::npos && !arg.empty()) {
      add(arg);
      continue;
    }
    std::string quoted = "\"";
    for (char c : arg) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    add(quoted + "\"");
  }
  add(kInspectorNodeOptions);
  return out;
}

std::filesystem::path WriteClusterPreload() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/leakcheck-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw HarnessError("process: start", "cannot create a folder for the preload in " + pattern +
                                             ": " + std::strerror(errno));
  const std::filesystem::path file = std::filesystem::path(pattern) / "leakcheck-preload.cjs";
  std::ofstream out(file, std::ios::binary);
  out << kClusterPreloadSource;
  out.close();
  if (!out) throw HarnessError("process: start", "cannot write " + file.string());
  return file;
}

bool IsNodeCommand(const std::vector<std::string>& argv) {
  return !argv.empty() && IsNodeExecutableName(argv[0]);
}

}  // namespace leakcheck::process
