#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

/// What a checkpoint reads about the app's process from Linux's /proc, by pid: its open file
/// descriptors grouped by kind, the files among them by path, and its sockets by peer
/// (/proc/<pid>/net/tcp, tcp6 and unix, matched by inode). Unlike
/// process.getActiveResourcesInfo(), this sees unref'd sockets and descriptors whose JS object
/// was garbage collected without closing them.
namespace leakcheck::cdp {

/// Open descriptors of one process at one moment.
struct Descriptors {
  /// Count per kind: "file", "device" (/dev/…), "socket", "pipe", "anon_inode" (eventfd, epoll,
  /// timerfd…), "other". Empty when /proc/<pid>/fd could not be read.
  std::map<std::string, int64_t> kinds;
  /// Count per path of the "file" and "device" descriptors, at most kMaxFilePaths paths (the
  /// ones open most often; ties by path).
  std::map<std::string, int64_t> files;
  /// Count per socket group: "tcp listening 127.0.0.1:4100", "tcp inbound 127.0.0.1:4100" (a
  /// connection accepted on a port the process listens on), "tcp outbound 127.0.0.1:5000" (by
  /// peer), "unix", "other" (UDP, netlink, or a socket /proc/net does not list).
  std::map<std::string, int64_t> sockets;
  bool readable = false;  ///< /proc/<pid>/fd was read (false: not Linux, no permission, gone)
};

/// How many file paths Descriptors::files keeps.
inline constexpr size_t kMaxFilePaths = 20;

/// The kind of one descriptor from its /proc/<pid>/fd symlink target ("socket:[123]" →
/// "socket", "pipe:[9]" → "pipe", "anon_inode:[eventfd]" → "anon_inode", "/dev/null" →
/// "device", "/srv/app.js" → "file", anything else → "other").
std::string_view DescriptorKind(std::string_view link);

/// The inode of a "socket:[123]" link (123); 0 for anything else.
uint64_t SocketInode(std::string_view link);

/// One row of /proc/net/tcp or tcp6.
struct TcpSocket {
  std::string local;   ///< "127.0.0.1:4100", "[::1]:4100"
  std::string remote;  ///< the peer, same form
  uint16_t local_port = 0;
  bool listening = false;  ///< state 0A (LISTEN)
};

/// Parses /proc/net/tcp or /proc/net/tcp6 text into inode → socket; rows it cannot read are
/// skipped.
std::map<uint64_t, TcpSocket> ParseProcNetTcp(std::string_view text);

/// Groups socket inodes as Descriptors::sockets does, given the TCP table and the inodes of
/// unix sockets.
std::map<std::string, int64_t> GroupSockets(const std::map<uint64_t, int64_t>& inodes,
                                            const std::map<uint64_t, TcpSocket>& tcp,
                                            const std::map<uint64_t, bool>& unix_inodes);

/// Reads /proc/<pid>/fd (readlink of each entry) and /proc/<pid>/net/{tcp,tcp6,unix}. Never
/// throws: an unreadable /proc leaves `readable` false.
Descriptors ReadDescriptors(int pid);

}  // namespace leakcheck::cdp
