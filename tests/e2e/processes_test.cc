// Every Node process of the app (issue 12 items 1-2): `leakcheck run` on apps whose leak is not
// in the process leakcheck starts — cluster workers, a child a launcher spawns, `npm run start` —
// and on a port another process holds. tests/fixtures/processes/README.md lists the fixtures.
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
};

class Processes : public ::testing::TestWithParam<ProcessCase> {};

TEST_P(Processes, TheLeakingProcessIsNamed) {
  const ProcessCase& c = GetParam();
  TempDir out;
  SpawnOptions options;
  options.env = {{"NPM_CONFIG_UPDATE_NOTIFIER", "false"}};
  auto r = RunCommand(
      {LEAKCHECK_BIN, "run", kFixtures + c.yaml, "--out", out.path(), "--json", "--no-sampling"},
      options);
  ASSERT_EQ(r.exit_code, c.exit_code) << r.err << "\n" << r.out.substr(0, 4000);
  auto scenario = boost::json::parse(r.out).at("scenarios").at(0).as_object();
  std::vector<std::string> roles;
  for (const auto& p : scenario.at("processes").as_array()) {
    roles.emplace_back(p.at("role").as_string());
    EXPECT_EQ(p.at("measured").as_bool(), p.at("role") != "launcher") << p;
  }
  EXPECT_EQ(roles, c.roles);
  std::string failed;
  for (const auto& check : scenario.at("checks").as_array())
    if (check.at("status") == "failed") failed += std::string(check.at("summary").as_string());
  if (c.role.empty()) {
    EXPECT_EQ(failed, "");
    return;
  }
  // "worker 1234 (leaky.js): …": the role and the pid of a process the run listed.
  bool named = false;
  for (const auto& p : scenario.at("processes").as_array()) {
    if (p.at("role").as_string() != c.role) continue;
    named |= failed.find(std::string(p.at("label").as_string()) + ": ") != std::string::npos;
  }
  EXPECT_TRUE(named) << failed;
  EXPECT_THAT(r.out, HasSubstr(c.culprit));
}

INSTANTIATE_TEST_SUITE_P(
    Apps, Processes,
    ::testing::Values(
        ProcessCase{"cluster/leaky.yaml", 1, "worker", "Array", {"primary", "worker", "worker"}},
        ProcessCase{"cluster/fixed.yaml", 0, "", "", {"primary", "worker", "worker"}},
        ProcessCase{"launcher/leaky.yaml", 1, "child", "history", {"primary", "child"}},
        ProcessCase{"launcher/fixed.yaml", 0, "", "", {"primary", "child"}},
        ProcessCase{"npm-start/leaky.yaml", 1, "primary", "cache", {"primary", "launcher"}},
        ProcessCase{"npm-start/fixed.yaml", 0, "", "", {"primary", "launcher"}},
        // worker_threads through the NodeWorker domain: the thread's own heap and snapshots.
        ProcessCase{"threads/leaky.yaml", 1, "thread", "ThreadJobRecord", {"primary", "thread"}},
        ProcessCase{"threads/fixed.yaml", 0, "", "", {"primary", "thread"}}),
    [](const auto& param_info) { return ReadableName(param_info.param.yaml); });

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
