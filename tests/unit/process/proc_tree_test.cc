// The app's processes from /proc: listening sockets, roles, scripts, the port's owner.
#include "harness/process/proc_tree.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/process/command_line.h"

namespace leakcheck::process {
namespace {

using ::testing::HasSubstr;

TEST(ParseProcNetTcp, ReadsListeningSocketsOnly) {
  const char* v4 =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 0100007F:1004 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        "
      "0 12345 1 0000000000000000 100 0 0 10 0\n"
      "   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
      "0 222 1 0000000000000000 100 0 0 10 0\n"
      "   2: 0100007F:9C40 0100007F:1004 01 00000000:00000000 00:00000000 00000000  1000        "
      "0 333 1 0000000000000000 20 4 30 10 -1\n"
      "   3: garbage\n";
  auto l = ParseProcNetTcp(v4, false);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].address, "127.0.0.1");
  EXPECT_EQ(l[0].port, 4100);
  EXPECT_EQ(l[0].inode, 12345u);
  EXPECT_EQ(l[1].address, "0.0.0.0");
  EXPECT_EQ(l[1].port, 80);
  const char* v6 =
      "  sl  local_address                         remote_address                        st "
      "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A "
      "00000000:00000000 00:00000000 00000000  1000        0 999 1 0000000000000000 100 0 0 10 0\n"
      "   1: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A "
      "00000000:00000000 00:00000000 00000000  1000        0 998 1 0000000000000000 100 0 0 10 0\n";
  auto l6 = ParseProcNetTcp(v6, true);
  ASSERT_EQ(l6.size(), 2u);
  EXPECT_EQ(l6[0].address, "::1");
  EXPECT_EQ(l6[0].port, 8080);
  EXPECT_EQ(l6[1].address, "::");
  EXPECT_EQ(l6[1].port, 3000);
}

TEST(ScriptOf, SkipsFlagsAndTheirValues) {
  EXPECT_EQ(ScriptOf({"node", "server.js"}), "server.js");
  EXPECT_EQ(ScriptOf({"/usr/bin/node", "--inspect=127.0.0.1:0", "-r", "dotenv/config",
                      "/srv/app/dist/main.js", "--port", "3"}),
            "main.js");
  EXPECT_EQ(ScriptOf({"node", "--import", "tsx", "src/server.ts"}), "server.ts");
  EXPECT_EQ(ScriptOf({"node", "-e", "1"}), "-e");
  EXPECT_EQ(ScriptOf({"node"}), "");
}

TEST(IsNodeExecutableName, NodeAndVersionedNodeOnly) {
  for (const char* yes : {"node", "/usr/bin/node", "nodejs", "node22", "/opt/node-24.1"})
    EXPECT_TRUE(IsNodeExecutableName(yes)) << yes;
  for (const char* no : {"nodemon", "npm", "tsx", "/usr/bin/env", "", "node-gyp"})
    EXPECT_FALSE(IsNodeExecutableName(no)) << no;
}

TEST(AssignRoles, LauncherPrimaryWorkersAndChildren) {
  std::vector<ProcEntry> tree = {
      {10, 1, {"npm run start"}, "/usr/bin/node", false},  // npm rewrites its title
      {11, 10, {"sh", "-c", "node server.js"}, "/usr/bin/dash", false},
      {12, 11, {"node", "server.js"}, "/usr/bin/node", false},
      {13, 12, {"/usr/bin/node", "server.js"}, "/usr/bin/node", true},
      {14, 12, {"/usr/bin/node", "thumbnailer.js"}, "/usr/bin/node", false},
      {15, 12, {"convert", "a.png"}, "/usr/bin/convert", false},
  };
  auto p = AssignRoles(tree);
  ASSERT_EQ(p.size(), 4u);  // sh and convert are not Node processes
  EXPECT_EQ(p[0].role, "launcher");
  EXPECT_EQ(p[0].script, "npm");
  EXPECT_THAT(p[0].problem, HasSubstr("not measured"));
  EXPECT_EQ(p[1].role, "primary");
  EXPECT_EQ(p[1].pid, 12);
  EXPECT_EQ(p[2].role, "worker");
  EXPECT_EQ(p[3].role, "child");
  EXPECT_EQ(p[3].script, "thumbnailer.js");
  for (size_t i = 1; i < p.size(); ++i) EXPECT_EQ(p[i].problem, "");
  EXPECT_EQ(ProcessLabel(p[2].role, p[2].pid, p[2].script), "worker 13 (server.js)");
}

TEST(BuildNodeOptions, KeepsTheUsersAndPutsTheInspectorLast) {
  EXPECT_EQ(BuildNodeOptions("", {}), "--inspect=127.0.0.1:0 --expose-gc");
  EXPECT_EQ(BuildNodeOptions("--max-old-space-size=512", {"--trace-gc", "--title=a b"}),
            "--max-old-space-size=512 --trace-gc \"--title=a b\" --inspect=127.0.0.1:0 "
            "--expose-gc");
  EXPECT_TRUE(IsNodeCommand({"/usr/bin/node", "x.js"}));
  EXPECT_FALSE(IsNodeCommand({"npm", "run", "start"}));
}

// A socket this test binds on 127.0.0.1 is not in another process's tree: its owner is named.
TEST(ForeignPortOwner, NamesTheOwnerOutsideTheTree) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const uint16_t port = ntohs(addr.sin_port);
  EXPECT_EQ(ForeignPortOwner(port, ::getpid()), std::nullopt);  // ours: in our own tree
  pid_t other = ::fork();
  if (other == 0) {
    ::close(fd);
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(other, 0);
  auto owner = ForeignPortOwner(port, other);
  ::kill(other, SIGKILL);
  ::waitpid(other, nullptr, 0);
  ::close(fd);
  ASSERT_TRUE(owner.has_value());
  EXPECT_THAT(*owner, HasSubstr("pid " + std::to_string(::getpid()) + " (`"));
  EXPECT_EQ(ForeignPortOwner(port, ::getpid()), std::nullopt);  // nothing listens any more
}

}  // namespace
}  // namespace leakcheck::process
