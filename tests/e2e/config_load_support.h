#pragma once
// Helpers shared by the validate_* and load_* end-to-end tests.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

namespace leakcheck::e2e {

struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout, and stderr when requested
};

/// Runs `command` through /bin/sh and captures its stdout (plus stderr with `merge_stderr`).
inline CommandResult RunCommand(const std::string& command, bool merge_stderr = true) {
  CommandResult result;
  std::string full = command + (merge_stderr ? " 2>&1" : "");
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// Splits on '\n', dropping a trailing empty line.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

inline std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace leakcheck::e2e
