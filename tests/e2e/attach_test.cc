// Attach mode (issue 14 item 10): an app started by the test with its own inspector on
// 127.0.0.1, measured by `leakcheck run` through `app.url` + `app.inspect`: the leaky app fails,
// the fixed one passes, and both keep running after leakcheck ends (it never stops or kills
// an app it did not start).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/e2e/config_load_support.h"
#include "tests/e2e/process_e2e_util.h"

namespace leakcheck::e2e {
namespace {

// `node --inspect=127.0.0.1:0 <script>` in its own process group, killed by the destructor.
class UserStartedApp {
 public:
  explicit UserStartedApp(const std::string& script) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
      close(out[0]);
      close(out[1]);
      setenv("PORT", "0", 1);
      execlp("node", "node", "--inspect=127.0.0.1:0", script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
    // "Debugger listening on ws://127.0.0.1:N/…" (stderr) and "listening on N" (stdout).
    std::string line;
    char c = 0;
    while ((port_ == 0 || inspect_port_ == 0) && read(out_, &c, 1) == 1) {
      if (c != '\n') {
        line.push_back(c);
        continue;
      }
      constexpr std::string_view kWs = "Debugger listening on ws://127.0.0.1:";
      if (line.starts_with(kWs)) inspect_port_ = std::stoi(line.substr(kWs.size()));
      if (line.starts_with("listening on ")) port_ = std::stoi(line.substr(13));
      line.clear();
    }
    // Keep draining its output so the app never blocks on a full pipe.
    fcntl(out_, F_SETFL, O_NONBLOCK);
  }
  ~UserStartedApp() {
    if (pid_ > 0) {
      kill(-pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) close(out_);
  }
  UserStartedApp(const UserStartedApp&) = delete;
  UserStartedApp& operator=(const UserStartedApp&) = delete;

  bool Running() {
    char buffer[4096];
    while (read(out_, buffer, sizeof buffer) > 0) {
    }
    int status = 0;
    return pid_ > 0 && waitpid(pid_, &status, WNOHANG) == 0;
  }
  int port() const { return port_; }
  int inspect_port() const { return inspect_port_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  int inspect_port_ = 0;
};

// One GET to 127.0.0.1:port with Connection: close; the whole response ("" when none).
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;)
        response.append(buffer, static_cast<size_t>(n));
    }
  }
  close(fd);
  return response;
}

struct AttachCase {
  std::string variant;  // "leaky" / "fixed" of tests/fixtures/leaks/request-log/
  int exit_code;
};

class Attach : public ::testing::TestWithParam<AttachCase> {};

TEST_P(Attach, MeasuresAnAppItDidNotStartAndLeavesItRunning) {
  const AttachCase& c = GetParam();
  UserStartedApp app(std::string(LEAKCHECK_FIXTURES_DIR) + "/leaks/request-log/" + c.variant +
                     ".js");
  ASSERT_GT(app.port(), 0);
  ASSERT_GT(app.inspect_port(), 0);
  const auto dir = TestDir("attach-" + c.variant);
  const std::string yaml = (dir / "attach.yaml").string();
  std::ofstream(yaml) << "version: 1\napp:\n  url: http://127.0.0.1:" << app.port()
                      << "\n  inspect: 127.0.0.1:" << app.inspect_port()
                      << "\n  ready: { http: /healthz, timeout: 10s }\n"
                         "scenarios:\n"
                         "  - name: item-requests\n"
                         "    warmup: { iterations: 1500 }\n"
                         "    run: { iterations: 2000, concurrency: 4 }\n"
                         "    flow:\n"
                         "      - get:\n"
                         "          url: \"/items/{{ $iteration }}?ref=campaign-{{ $vu }}\"\n"
                         "          expect: { status: 200 }\n"
                         "    thresholds: { heap_per_iteration: 256B }\n";
  auto r = RunCommand({LEAKCHECK_BIN, "run", yaml, "--out", (dir / "out").string()}, dir);
  EXPECT_EQ(r.exit_code, c.exit_code) << r.out << r.err;
  const std::string results = Slurp(dir / "out" / "results.json");
  EXPECT_NE(results.find("\"collections\""), std::string::npos) << results;
  if (c.exit_code == 1) {
    EXPECT_NE(r.out.find("requestLog"), std::string::npos) << r.out;
  }
  // The app is the user's: still running, still answering, after leakcheck ended.
  EXPECT_TRUE(app.Running());
  EXPECT_NE(HttpGet(app.port(), "/healthz").find("\"ok\":true"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(LeakAndNoLeak, Attach,
                         ::testing::Values(AttachCase{"leaky", 1}, AttachCase{"fixed", 0}),
                         [](const ::testing::TestParamInfo<AttachCase>& param) {
                           return param.param.variant;
                         });

TEST(AttachRefused, NoInspectorThereIsAHarnessErrorAndNothingIsStarted) {
  const auto dir = TestDir("attach-none");
  const std::string yaml = (dir / "attach.yaml").string();
  // A port nothing listens on (a server bound then closed would race; port 1 is never ours).
  std::ofstream(yaml) << "version: 1\napp: { url: 'http://127.0.0.1:1', inspect: '127.0.0.1:1', "
                         "ready: { timeout: 1s } }\n"
                         "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n";
  auto r = RunCommand({LEAKCHECK_BIN, "run", yaml, "--out", (dir / "out").string()}, dir);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("127.0.0.1:1"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace leakcheck::e2e
