// Security requirements through the real binary and real Node apps: secrets never reach what
// leakcheck writes (heap snapshots excepted), the run folder and its files are owner-only, the
// app is never started through a shell, and the inspector listens on 127.0.0.1 only.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "harness/process/node_app.h"
#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kFixtures = LEAKCHECK_FIXTURES_DIR;
constexpr std::string_view kMarker = "[redacted]";

// Sets environment variables for the commands this test runs; restores them at scope exit.
class ScopedEnv {
 public:
  void Set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

std::string RandomHex(size_t n) {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) out += kHex[static_cast<unsigned char>(urandom.get()) & 15];
  return out;
}

mode_t Mode(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// Every text leakcheck wrote: its stdout and stderr, the report files, and every file of the
// run folder except heap snapshots (the app's memory, byte-exact by design).
std::map<std::string, std::string> WrittenTexts(const CommandResult& r,
                                                const std::vector<std::string>& files,
                                                const fs::path& run_dir) {
  std::map<std::string, std::string> texts{{"stdout", r.out}, {"stderr", r.err}};
  for (const auto& f : files) texts[f] = ReadWholeFile(f);
  for (const auto& entry : fs::recursive_directory_iterator(run_dir)) {
    if (!entry.is_regular_file() || entry.path().extension() == ".heapsnapshot") continue;
    texts[entry.path().string()] = ReadWholeFile(entry.path().string());
  }
  return texts;
}

TEST(Security, SecretsNeverReachAnythingLeakcheckWrites) {
  TempDir tmp;
  const fs::path run_dir = tmp.File("run");
  fs::create_directories(run_dir);
  ::chmod(run_dir.c_str(), 0755);  // an existing folder of the user's keeps its mode
  // JUnit inside the run folder, as the GitHub Action writes it.
  const std::string junit = (run_dir / "junit.xml").string(), summary = tmp.File("summary.md"),
                    output = tmp.File("output.txt");
  const std::string nonce = RandomHex(16);
  // Known to leakcheck before the run: `secrets:` env names, an app.env name that looks secret.
  const std::string bearer = "bearer-" + RandomHex(24);
  const std::string sid = "sid-" + RandomHex(24);
  const std::string signing_key = "signing-key-5f2a9c81d4e7";  // app.env in secrets.yaml
  // Only seen at run time: the app's Set-Cookie session and a captured `secrets:` name.
  const std::string session = "sess-" + nonce + "-s";
  const std::string csrf = "csrf-" + nonce + "-c";
  CommandResult r;
  {
    ScopedEnv env;
    env.Set("LEAKCHECK_E2E_BEARER", bearer);
    env.Set("LEAKCHECK_E2E_SID", sid);
    env.Set("LEAKCHECK_E2E_NONCE", nonce);
    env.Set("GITHUB_STEP_SUMMARY", summary);
    env.Set("GITHUB_OUTPUT", output);
    r = RunCommand({LEAKCHECK_BIN, "run", kFixtures + "/security/secrets.yaml", "--out",
                    run_dir.string(), "--junit", junit, "--github", "--keep-snapshots",
                    "--no-sampling", "--color", "never"});
  }
  // The leaking scenario fails its checks, the crashing one is an infrastructure error.
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  const std::string results = ReadWholeFile(run_dir / "results.json");
  ASSERT_NE(results.find("\"status\": \"failed\""), std::string::npos)
      << "the run failed with evidence";
  ASSERT_NE(results.find("\"infrastructure_stage\": \"load\""), std::string::npos)
      << "the crash was reported";

  auto texts = WrittenTexts(r, {summary, output}, run_dir);
  const fs::path leak_dir = run_dir / "leaks-with-secrets";
  ASSERT_TRUE(texts.count((leak_dir / "stdout.log").string()))
      << "the app's logs are in the run folder";
  for (const auto& [name, text] : texts) {
    for (const std::string& secret : {bearer, sid, signing_key, session, csrf})
      EXPECT_THAT(text, Not(HasSubstr(secret))) << name << " holds a secret";
    EXPECT_THAT(text, Not(HasSubstr(nonce))) << name;
  }
  // The marker is where the secrets were: the test would see them if they were not replaced.
  const std::string app_stdout = texts[(leak_dir / "stdout.log").string()];
  const std::string app_stderr = texts[(leak_dir / "stderr.log").string()];
  EXPECT_THAT(app_stdout, HasSubstr("starting with signing key [redacted]"));
  EXPECT_THAT(app_stdout, HasSubstr("authorization: '[redacted]'")) << "console.log(req.headers)";
  EXPECT_THAT(app_stdout, HasSubstr("token [redacted] session [redacted] csrf [redacted]"));
  EXPECT_THAT(app_stderr, HasSubstr("raw stderr: [redacted] [redacted] [redacted]"));
  EXPECT_THAT(app_stderr, HasSubstr("Authorization: [redacted]\nCookie: [redacted]\n"));
  EXPECT_THAT(results, HasSubstr("fatal: token [redacted]"))
      << "the crash's stderr tail in the report";
  EXPECT_THAT(r.out, HasSubstr("fatal: token [redacted]")) << "and on the console";
  EXPECT_THAT(texts[junit], HasSubstr("fatal: token [redacted]"));
  EXPECT_THAT(r.out, HasSubstr("::error")) << "GitHub annotations were written";
  EXPECT_THAT(texts[summary], Not(::testing::IsEmpty())) << "the step summary was written";
  EXPECT_THAT(texts[output], HasSubstr("results-json")) << "the outputs were written";
  // Heap snapshots are the app's memory, not redacted: the bearer token it kept is in there.
  std::vector<fs::path> snapshots;
  for (const auto& entry : fs::directory_iterator(leak_dir))
    if (entry.path().extension() == ".heapsnapshot") snapshots.push_back(entry.path());
  ASSERT_FALSE(snapshots.empty());
  EXPECT_THAT(ReadWholeFile(snapshots.back().string()), HasSubstr(bearer));

  // Owner-only: the scenario folders leakcheck created and every file; the run folder the user
  // made keeps its 0755 (leakcheck changes the mode only of folders it creates).
  EXPECT_EQ(Mode(run_dir), 0755u);
  for (const auto& entry : fs::recursive_directory_iterator(run_dir)) {
    if (entry.is_directory()) {
      EXPECT_EQ(Mode(entry.path()), 0700u) << entry.path();
    } else if (entry.is_regular_file()) {
      EXPECT_EQ(Mode(entry.path()) & 077, 0u) << entry.path();
    }
  }
}

TEST(Security, ErrorMessagesOnStderrAreRedacted) {
  TempDir tmp;
  const std::string password = "pw-" + RandomHex(20);
  CommandResult r;
  {
    ScopedEnv env;
    env.Set("LEAKCHECK_E2E_DB_PASSWORD", password);  // redacted by default: the name looks secret
    env.Set("SECRET_ECHO_EXIT_AT_START", "1");
    r = RunCommand({LEAKCHECK_BIN, "capture", "--out", tmp.File("out"), "--ready-log", "never",
                    "--", "node", kFixtures + "/apps/secret_echo.js"});
  }
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("leakcheck: process: start: app exited with code 4"));
  EXPECT_THAT(r.err, HasSubstr("fatal: cannot connect with password [redacted]"));
  for (const auto& [name, text] : WrittenTexts(r, {}, tmp.File("out")))
    EXPECT_THAT(text, Not(HasSubstr(password))) << name;
  EXPECT_EQ(Mode(tmp.File("out")), 0700u);
}

// A scenario file in `dir` running `command` (a string: split like a shell, never run by one).
std::string WriteScenario(const TempDir& dir, const std::string& app_block) {
  std::string path = dir.File("s.yaml");
  std::ofstream(path) << "version: 1\napp:\n"
                      << app_block
                      << "  ready: { log: 'listening on (\\d+)', timeout: 20s }\n"
                         "scenarios:\n  - name: s\n    warmup: { iterations: 0 }\n"
                         "    run: { iterations: 4, concurrency: 1 }\n    checkpoints: 2\n"
                         "    flow: [ { get: { url: / } } ]\n";
  return path;
}

TEST(Security, ShellMetacharactersInTheCommandReachNodeAsLiteralArguments) {
  TempDir dir;
  const std::string app = kFixtures + "/apps/secret_echo.js";
  const std::string marker = dir.File("pwned");
  const std::string command = "node " + app + " ; touch " + marker + "1 && touch " + marker +
                              "2 '$(touch " + marker + "3)' '`touch " + marker + "4`' '|' tee " +
                              marker + "5 '>' " + marker + "6";
  std::string yaml = WriteScenario(dir, "  command: \"" + command + "\"\n");
  auto r = RunCommand({LEAKCHECK_BIN, "run", yaml, "--out", dir.File("run"), "--no-sampling"});
  EXPECT_THAT(r.exit_code, ::testing::AnyOf(0, 1)) << "the app ran (it leaks a little)\n"
                                                   << r.out << r.err;
  for (int i = 1; i <= 6; ++i)
    EXPECT_FALSE(fs::exists(marker + std::to_string(i))) << "a shell ran: " << i;
  // node got every word as an argument of the app, verbatim.
  std::string log = ReadWholeFile(dir.File("run") + "/s/stdout.log");
  EXPECT_THAT(log, HasSubstr("argv [\";\",\"touch\",\"" + marker + "1\",\"&&\","));
  EXPECT_THAT(log,
              HasSubstr("\"$(touch " + marker + "3)\",\"`touch " + marker + "4`\",\"|\",\"tee\""));
  EXPECT_THAT(log, HasSubstr("\">\",\"" + marker + "6\"]"));
}

TEST(Security, InspectorFlagsThatWouldLeaveLoopbackAreUsageErrors) {
  const std::string app = kFixtures + "/apps/secret_echo.js";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"node_args", "  command: node " + app + "\n  node_args: [--inspect=0.0.0.0:9229]\n"},
      {"command", "  command: node --inspect=0.0.0.0 " + app + "\n"},
      {"NODE_OPTIONS",
       "  command: node " + app + "\n  env: { NODE_OPTIONS: \"--inspect-port=0.0.0.0:9230\" }\n"},
      {"ipv6 any", "  command: node " + app + "\n  node_args: [\"--inspect=[::]:9229\"]\n"},
  };
  for (const auto& [what, block] : cases) {
    TempDir dir;
    auto r = RunCommand({LEAKCHECK_BIN, "run", WriteScenario(dir, block), "--out", dir.File("run"),
                         "--no-sampling"});
    EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("127.0.0.1"))
        << what << ": the message says where the inspector may listen";
    EXPECT_FALSE(fs::exists(dir.File("run") + "/s/stdout.log")) << what << ": no app was started";
  }
}

// Listening TCP sockets on `port` from /proc/net/tcp{,6}: "127.0.0.1", "0.0.0.0", "::", ….
std::vector<std::string> ListeningAddresses(uint16_t port) {
  std::vector<std::string> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if (state != "0A") continue;  // TCP_LISTEN
      size_t colon = local.find(':');
      if (std::stoul(local.substr(colon + 1), nullptr, 16) != port) continue;
      std::string hex = local.substr(0, colon);
      char text[INET6_ADDRSTRLEN] = {};
      if (hex.size() == 8) {
        in_addr a{static_cast<in_addr_t>(std::stoul(hex, nullptr, 16))};  // already network order
        ::inet_ntop(AF_INET, &a, text, sizeof text);
      } else {
        in6_addr a{};
        for (int w = 0; w < 4; ++w) {
          uint32_t word = static_cast<uint32_t>(
              std::stoul(hex.substr(static_cast<size_t>(w) * 8, 8), nullptr, 16));
          std::memcpy(&a.s6_addr[w * 4], &word, 4);
        }
        ::inet_ntop(AF_INET6, &a, text, sizeof text);
      }
      out.push_back(text);
    }
  }
  return out;
}

TEST(Security, TheInspectorListensOnLoopbackOnly) {
  TempDir dir;
  process::AppSpec spec;
  spec.argv = {"node", kFixtures + "/apps/server.js"};
  spec.ready.log_regex = R"(listening on (\d+))";
  spec.log_dir = dir.path();
  process::NodeApp app(spec);
  app.Start();
  app.WaitReady();
  const std::string url = app.inspector_url();
  ASSERT_THAT(url, ::testing::StartsWith("ws://127.0.0.1:"));
  const auto port =
      static_cast<uint16_t>(std::stoi(url.substr(std::string("ws://127.0.0.1:").size())));
  EXPECT_THAT(ListeningAddresses(port), ::testing::ElementsAre("127.0.0.1"))
      << "one listening socket on the inspector port, bound to loopback";
  // Not reachable on the machine's other addresses (when it has any).
  ifaddrs* addrs = nullptr;
  ASSERT_EQ(::getifaddrs(&addrs), 0);
  int tried = 0;
  for (ifaddrs* a = addrs; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    sockaddr_in sin = *reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if ((ntohl(sin.sin_addr.s_addr) >> 24) == 127) continue;
    sin.sin_port = htons(port);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    EXPECT_NE(rc, 0) << "the inspector answered on " << ::inet_ntoa(sin.sin_addr);
    ::close(fd);
    ++tried;
  }
  ::freeifaddrs(addrs);
  RecordProperty("non_loopback_addresses_tried", tried);
  app.Stop();
}

}  // namespace
}  // namespace leakcheck::testing
