// Every Node process of the app (issue 12 items 1-2): `leakcheck run` on apps whose leak is not
// in the process leakcheck starts — cluster workers, a child a launcher spawns, `npm run start` —
// worker threads (also one started lazily and recycled mid-run) — and on a port another process
// holds, on the machine's node and on Node 22, 24 and 26. tests/fixtures/processes/README.md
// lists the fixtures.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "tests/support/node_versions.h"
#include "tests/support/param_name.h"
#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

using ::testing::HasSubstr;

const std::string kFixtures = std::string(LEAKCHECK_SOURCE_DIR) + "/tests/fixtures/processes/";

struct ProcessCase {
  std::string yaml;  // under tests/fixtures/processes/
  int exit_code;
  std::string role;     // the role of the process that must be named as leaking ("" if fixed)
  std::string culprit;  // what must be named next to it
  std::vector<std::string> roles;  // every role the results must list, in order
  // threads-recycled: the first thread exits mid-run and a second starts after startup.
  bool recycled = false;
};

// A case and the Node major it runs on (0: the node on PATH; 22/24/26:
// tools/install-node-versions.sh's binary first on PATH, as the leak suite does).
struct ProcessRun {
  ProcessCase c;
  int node = 0;
};

class Processes : public ::testing::TestWithParam<ProcessRun> {};

// A recycled pool's threads: the first measured until it exited, the second from the
// checkpoint that found it; neither is an error of the run.
void ExpectRecycledThreads(const boost::json::array& processes) {
  std::vector<boost::json::object> threads;
  for (const auto& p : processes)
    if (p.at("role") == "thread") threads.push_back(p.as_object());
  // Two at least: an extension of the run (docs/verdicts.md) recycles the pool once more.
  ASSERT_GE(threads.size(), 2u) << processes;
  const auto& first = threads[0];
  const auto& second = threads[1];
  const size_t all = processes.at(0).at("checkpoints").as_array().size();
  ASSERT_TRUE(first.at("exited_at").is_int64()) << first;
  // Started lazily by the first job of the warm-up, after startup: found at the baseline.
  ASSERT_TRUE(first.at("found_at").is_int64()) << first;
  EXPECT_EQ(first.at("found_at").as_int64(), 0);
  const auto& measured = first.at("checkpoints").as_array();
  ASSERT_GE(measured.size(), 2u);
  EXPECT_LT(measured.size(), all);
  EXPECT_GT(first.at("exited_at").as_int64(), measured.back().at("iteration").as_int64());
  ASSERT_TRUE(second.at("found_at").is_int64()) << second;
  EXPECT_TRUE(threads.size() > 2 || second.at("exited_at").is_null()) << second;
  EXPECT_GT(second.at("found_at").as_int64(), 0);
  const auto& from = second.at("checkpoints").as_array();
  ASSERT_GE(from.size(), 2u);
  EXPECT_LT(from.size(), all);
  EXPECT_EQ(from.front().at("iteration").as_int64(), second.at("found_at").as_int64());
  EXPECT_NE(first.at("thread_id"), second.at("thread_id"));
  // A thread's descriptors and RSS are its process's: judged there, skipped here.
  for (const auto& thread : threads) {
    for (const auto& check : thread.at("checks").as_array()) {
      if (check.at("detector") == "rss" || check.at("detector") == "fds") {
        EXPECT_EQ(check.at("status"), "skipped") << check;
      }
    }
  }
}

TEST_P(Processes, TheLeakingProcessIsNamed) {
  const ProcessCase& c = GetParam().c;
  const int node = GetParam().node;
  TempDir out;
  SpawnOptions options;
  options.env = {{"NPM_CONFIG_UPDATE_NOTIFIER", "false"}};
  if (node != 0) {
    if (!NodeInstalled(node))
      GTEST_SKIP() << "node " << node << " is not installed in " << NodeBinDir(node)
                   << " (run tools/install-node-versions.sh; CI does)";
    options.env.emplace_back("PATH", PathWithNode(node));
  }
  auto r = RunCommand(
      {LEAKCHECK_BIN, "run", kFixtures + c.yaml, "--out", out.path(), "--json", "--no-sampling"},
      options);
  ASSERT_EQ(r.exit_code, c.exit_code) << r.err << "\n" << r.out.substr(0, 4000);
  const auto result = boost::json::parse(r.out);
  if (node != 0) {
    EXPECT_THAT(std::string(result.at("node_version").as_string()),
                ::testing::StartsWith("v" + std::to_string(node) + "."))
        << "the app ran on the Node of PATH's first folder";
  }
  auto scenario = result.at("scenarios").at(0).as_object();
  if (c.recycled) ExpectRecycledThreads(scenario.at("processes").as_array());
  std::vector<std::string> roles;
  for (const auto& p : scenario.at("processes").as_array()) {
    roles.emplace_back(p.at("role").as_string());
    EXPECT_EQ(p.at("measured").as_bool(), p.at("role") != "launcher") << p;
  }
  if (c.recycled && roles.size() > c.roles.size()) roles.resize(c.roles.size());  // extended
  EXPECT_EQ(roles, c.roles);
  std::string failed;
  for (const auto& check : scenario.at("checks").as_array())
    if (check.at("status") == "failed") failed += std::string(check.at("summary").as_string());
  if (c.role.empty()) {
    EXPECT_EQ(failed, "");
    return;
  }
  // "worker 1234 (leaky.js): …": the role and the pid of a process the run listed (a thread
  // found late or gone early: "thread 12:2 (leaky-worker.js) (exited by iteration …): …").
  bool named = false;
  for (const auto& p : scenario.at("processes").as_array()) {
    if (p.at("role").as_string() != c.role) continue;
    const std::string label(p.at("label").as_string());
    named |= failed.find(label + ": ") != std::string::npos ||
             failed.find(label + " (") != std::string::npos;
  }
  EXPECT_TRUE(named) << failed;
  EXPECT_THAT(r.out, HasSubstr(c.culprit));
}

std::vector<ProcessRun> RunsOn(int node) {
  const std::vector<ProcessCase> cases = {
      {"cluster/leaky.yaml", 1, "worker", "Array", {"primary", "worker", "worker"}},
      {"cluster/fixed.yaml", 0, "", "", {"primary", "worker", "worker"}},
      // The worker's default inspector port (the primary's + 1) is held: measured all the same.
      {"cluster-port-taken/fixed.yaml", 0, "", "", {"primary", "worker"}},
      {"launcher/leaky.yaml", 1, "child", "history", {"primary", "child"}},
      {"launcher/fixed.yaml", 0, "", "", {"primary", "child"}},
      {"npm-start/leaky.yaml", 1, "primary", "cache", {"primary", "launcher"}},
      {"npm-start/fixed.yaml", 0, "", "", {"primary", "launcher"}},
      // worker_threads through the NodeWorker domain: the thread's own heap and snapshots.
      {"threads/leaky.yaml", 1, "thread", "ThreadJobRecord", {"primary", "thread"}},
      {"threads/fixed.yaml", 0, "", "", {"primary", "thread"}},
      // A thread started lazily, recycled mid-run: one exits, the next starts after startup.
      {"threads-recycled/leaky.yaml",
       1,
       "thread",
       "ThreadJobRecord",
       {"primary", "thread", "thread"},
       true},
      {"threads-recycled/fixed.yaml", 0, "", "", {"primary", "thread", "thread"}, true}};
  std::vector<ProcessRun> out;
  for (const auto& c : cases) out.push_back({c, node});
  return out;
}

auto CaseName = [](const auto& param_info) { return ReadableName(param_info.param.c.yaml); };
INSTANTIATE_TEST_SUITE_P(Apps, Processes, ::testing::ValuesIn(RunsOn(0)), CaseName);
// The same apps on each Node major CI installs (skipped under the sanitizer stage, like the
// leak suite's Node copies: tools/test-sanitize.sh leaves out e2e.Node*/).
INSTANTIATE_TEST_SUITE_P(Node22, Processes, ::testing::ValuesIn(RunsOn(22)), CaseName);
INSTANTIATE_TEST_SUITE_P(Node24, Processes, ::testing::ValuesIn(RunsOn(24)), CaseName);
INSTANTIATE_TEST_SUITE_P(Node26, Processes, ::testing::ValuesIn(RunsOn(26)), CaseName);

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool Accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// leaks/port-taken: another server holds the app's fixed port. When it answers the ready probe
// (status 200) it would get every request; when it does not (404) the app never looks ready.
// Either way the run stops before traffic, exit 3, naming that process.
void ExpectPortOwnerNamed(int status) {
  TempDir dir;
  const uint16_t port = FreePort();
  std::string yaml = ReadWholeFile(kFixtures + "port-taken/slowlisten.yaml");
  for (size_t at; (at = yaml.find("4100")) != std::string::npos;)
    yaml.replace(at, 4, std::to_string(port));
  std::filesystem::copy_file(kFixtures + "port-taken/slowlisten.js", dir.File("slowlisten.js"));
  std::ofstream(dir.File("slowlisten.yaml")) << yaml;
  Spawned other =
      Spawn({"node", "-e",
             "require('http').createServer((q, s) => { s.statusCode = " + std::to_string(status) +
                 "; s.end('{}'); }).listen(" + std::to_string(port) + ", '127.0.0.1')"});
  ASSERT_GT(other.pid, 0);
  for (int i = 0; i < 500 && !Accepts(port); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto r = RunCommand({LEAKCHECK_BIN, "run", dir.File("slowlisten.yaml"), "--out", dir.File("out"),
                       "--no-sampling"});
  ::kill(other.pid, SIGKILL);
  Wait(other);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_THAT(all, HasSubstr("is held by another process: pid " + std::to_string(other.pid)));
  EXPECT_THAT(all, HasSubstr("require('http')"));                // its command line
  EXPECT_THAT(all, ::testing::Not(HasSubstr("checkpoint 1/")));  // stopped before traffic
}

TEST(PortOwner, AServerThatAnswersTheProbeIsNamed) { ExpectPortOwnerNamed(200); }

TEST(PortOwner, AServerThatFailsTheProbeIsNamed) { ExpectPortOwnerNamed(404); }

}  // namespace
}  // namespace leakcheck::testing
