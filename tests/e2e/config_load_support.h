#pragma once
// Helpers shared by the validate_* and load_* end-to-end tests.

#include <string>
#include <vector>

#include "tests/support/run_command.h"

namespace leakcheck::e2e {

using testing::CommandResult;

/// Runs the leakcheck binary with `args` (no shell); stderr goes into CommandResult::out with
/// stdout, in the order written, unless `merge_stderr` is false.
inline CommandResult RunLeakcheck(std::vector<std::string> args, bool merge_stderr = true) {
  args.insert(args.begin(), LEAKCHECK_BIN);
  testing::SpawnOptions options;
  options.merge_stderr = merge_stderr;
  return testing::RunCommand(args, options);
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

}  // namespace leakcheck::e2e

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <sstream>

namespace leakcheck::e2e {

/// tests/fixtures/servers/counting_server.js on a free 127.0.0.1 port, stopped (by its pid)
/// when this object goes away.
class CountingServer {
 public:
  /// `script`: another server of tests/fixtures/servers/ with the same "listening on" line.
  explicit CountingServer(const std::string& script_name = "counting_server.js") {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      std::string script = std::string(LEAKCHECK_FIXTURES_DIR) + "/servers/" + script_name;
      execlp("node", "node", script.c_str(), "0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    // "listening on PORT\n"
    std::string line;
    char c = 0;
    while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(out[0]);
    if (line.rfind("listening on ", 0) == 0) port_ = std::stoi(line.substr(13));
  }
  ~CountingServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  CountingServer(const CountingServer&) = delete;
  CountingServer& operator=(const CountingServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// One blocking HTTP/1.0-style exchange (Connection: close); returns the body.
  std::string Get(const std::string& path) const {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string response;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
      if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
        char buffer[4096];
        ssize_t n = 0;
        while ((n = read(fd, buffer, sizeof buffer)) > 0)
          response.append(buffer, static_cast<size_t>(n));
      }
    }
    close(fd);
    size_t body = response.find("\r\n\r\n");
    return body == std::string::npos ? "" : response.substr(body + 4);
  }

  /// The server's counters ("POST /users" -> 310, "connections" -> 8, ...).
  std::map<std::string, int64_t> Counts() const {
    std::map<std::string, int64_t> counts;
    std::istringstream in(Get("/__stats"));
    std::string line;
    while (std::getline(in, line)) {
      size_t space = line.rfind(' ');
      if (space != std::string::npos)
        counts[line.substr(0, space)] = std::stoll(line.substr(space + 1));
    }
    return counts;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace leakcheck::e2e
