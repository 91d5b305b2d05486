#include "harness/cdp/checkpoint_proc.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace leakcheck::cdp {
namespace {

TEST(DescriptorKind, FromTheFdLink) {
  EXPECT_EQ(DescriptorKind("socket:[4711]"), "socket");
  EXPECT_EQ(DescriptorKind("pipe:[12]"), "pipe");
  EXPECT_EQ(DescriptorKind("anon_inode:[eventfd]"), "anon_inode");
  EXPECT_EQ(DescriptorKind("/dev/null"), "device");
  EXPECT_EQ(DescriptorKind("/srv/public/app.js"), "file");
  EXPECT_EQ(DescriptorKind("/srv/app.log (deleted)"), "file");
  EXPECT_EQ(DescriptorKind("net:[4026531840]"), "other");
  EXPECT_EQ(SocketInode("socket:[4711]"), 4711u);
  EXPECT_EQ(SocketInode("socket:[x]"), 0u);
  EXPECT_EQ(SocketInode("pipe:[12]"), 0u);
}

TEST(ProcNetTcp, ReadsAddressesStatesAndInodes) {
  const char* tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 0100007F:1004 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        "
      "0 111 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0100007F:1004 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        "
      "0 222 1 0000000000000000 20 4 30 10 -1\n"
      "   2: 0100007F:9C40 0100007F:1388 01 00000000:00000000 00:00000000 00000000  1000        "
      "0 333 1 0000000000000000 20 4 30 10 -1\n"
      "garbage\n";
  auto rows = ParseProcNetTcp(tcp);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows.at(111).listening);
  EXPECT_EQ(rows.at(111).local, "127.0.0.1:4100");
  EXPECT_EQ(rows.at(222).remote, "127.0.0.1:54321");
  EXPECT_EQ(rows.at(333).remote, "127.0.0.1:5000");
  const char* tcp6 =
      "  sl  local_address                         remote_address                        st\n"
      "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A "
      "00000000:00000000 00:00000000 00000000  1000        0 444 1\n"
      "   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:C000 01 "
      "00000000:00000000 00:00000000 00000000  1000        0 555 1\n";
  auto rows6 = ParseProcNetTcp(tcp6);
  ASSERT_EQ(rows6.size(), 2u);
  EXPECT_EQ(rows6.at(444).local, "[::1]:8080");
  EXPECT_EQ(rows6.at(555).local, "127.0.0.1:8080") << "IPv4-mapped";

  // Grouped: the listener, a connection accepted on its port, one opened to a peer.
  std::map<uint64_t, int64_t> inodes{{111, 1}, {222, 1}, {333, 2}, {999, 1}, {777, 1}};
  auto groups = GroupSockets(inodes, rows, {{777, true}});
  EXPECT_EQ(groups.at("tcp listening 127.0.0.1:4100"), 1);
  EXPECT_EQ(groups.at("tcp inbound 127.0.0.1:4100"), 1);
  EXPECT_EQ(groups.at("tcp outbound 127.0.0.1:5000"), 2);
  EXPECT_EQ(groups.at("unix"), 1);
  EXPECT_EQ(groups.at("other"), 1);
  // A cluster worker holds connections its primary accepted on the primary's listener: inbound,
  // though the worker itself listens on nothing.
  auto worker = GroupSockets({{222, 1}, {333, 1}}, rows, {});
  EXPECT_EQ(worker.at("tcp inbound 127.0.0.1:4100"), 1);
  EXPECT_EQ(worker.count("tcp outbound 127.0.0.1:54321"), 0u);
  EXPECT_EQ(worker.at("tcp outbound 127.0.0.1:5000"), 1);
}

TEST(ReadDescriptors, SeesThisProcesssFilesAndSockets) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("leakcheck-fd-test-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << "x";
  Descriptors before = ReadDescriptors(::getpid());
  ASSERT_TRUE(before.readable);
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) fds.push_back(::open(path.c_str(), O_RDONLY));
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  Descriptors after = ReadDescriptors(::getpid());
  EXPECT_EQ(after.kinds["file"] - before.kinds["file"], 5);
  EXPECT_EQ(after.files[path.string()], 5);
  EXPECT_EQ(after.kinds["socket"] - before.kinds["socket"], 1);
  EXPECT_EQ(after.sockets["tcp listening 127.0.0.1:" + std::to_string(ntohs(addr.sin_port))], 1);
  for (int fd : fds) ::close(fd);
  ::close(listener);
  std::filesystem::remove(path);
  EXPECT_FALSE(ReadDescriptors(-1).readable);
}

}  // namespace
}  // namespace leakcheck::cdp
