#include "harness/cdp/checkpoint_proc.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace leakcheck::cdp {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "0100007F:1F90" (IPv4, the address in host byte order as written by the kernel on x86) or
// 32 hex digits for IPv6 (four 32-bit words, each in host order), ":" then the port in hex.
bool ParseAddress(std::string_view text, std::string& out, uint16_t& port) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view addr = text.substr(0, colon), port_hex = text.substr(colon + 1);
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port_hex.data(), port_hex.data() + port_hex.size(), p, 16);
  if (ec != std::errc() || p > 0xffff) return false;
  port = static_cast<uint16_t>(p);
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i + 1 < addr.size(); i += 2) {
    int hi = HexDigit(addr[i]), lo = HexDigit(addr[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  // Each 32-bit word is little-endian on the machines leakcheck runs on (x86-64, arm64).
  for (size_t w = 0; w + 4 <= bytes.size(); w += 4)
    std::reverse(bytes.begin() + w, bytes.begin() + w + 4);
  if (bytes.size() == 4) {
    out = fmt::format("{}.{}.{}.{}:{}", bytes[0], bytes[1], bytes[2], bytes[3], port);
    return true;
  }
  if (bytes.size() != 16) return false;
  // IPv4-mapped (::ffff:a.b.c.d) reads as IPv4.
  if (std::all_of(bytes.begin(), bytes.begin() + 10, [](uint8_t b) { return b == 0; }) &&
      bytes[10] == 0xff && bytes[11] == 0xff) {
    out = fmt::format("{}.{}.{}.{}:{}", bytes[12], bytes[13], bytes[14], bytes[15], port);
    return true;
  }
  std::string a;
  for (size_t i = 0; i < 16; i += 2)
    a += fmt::format("{}{:x}", i ? ":" : "", (bytes[i] << 8) | bytes[i + 1]);
  if (a == "0:0:0:0:0:0:0:1") a = "::1";
  if (a == "0:0:0:0:0:0:0:0") a = "::";
  out = fmt::format("[{}]:{}", a, port);
  return true;
}

}  // namespace

std::string_view DescriptorKind(std::string_view link) {
  if (StartsWith(link, "socket:")) return "socket";
  if (StartsWith(link, "pipe:")) return "pipe";
  if (StartsWith(link, "anon_inode:")) return "anon_inode";
  if (StartsWith(link, "/dev/")) return "device";
  if (StartsWith(link, "/")) return "file";
  return "other";
}

uint64_t SocketInode(std::string_view link) {
  if (!StartsWith(link, "socket:[") || link.back() != ']') return 0;
  std::string_view digits = link.substr(8, link.size() - 9);
  uint64_t inode = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
  return ec == std::errc() && ptr == digits.data() + digits.size() ? inode : 0;
}

std::map<uint64_t, TcpSocket> ParseProcNetTcp(std::string_view text) {
  std::map<uint64_t, TcpSocket> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    std::istringstream fields(line);
    std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode_text;
    if (!(fields >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >>
          inode_text))
      continue;
    TcpSocket s;
    uint16_t remote_port = 0;
    if (!ParseAddress(local, s.local, s.local_port) || !ParseAddress(remote, s.remote, remote_port))
      continue;
    s.listening = state == "0A";
    uint64_t inode = 0;
    auto [ptr, ec] =
        std::from_chars(inode_text.data(), inode_text.data() + inode_text.size(), inode);
    if (ec != std::errc() || inode == 0) continue;
    out.emplace(inode, std::move(s));
  }
  return out;
}

std::map<std::string, int64_t> GroupSockets(const std::map<uint64_t, int64_t>& inodes,
                                            const std::map<uint64_t, TcpSocket>& tcp,
                                            const std::map<uint64_t, bool>& unix_inodes) {
  // The ports listened on in this network namespace (`tcp` is the whole table): a connection on
  // one of them was accepted, not opened — also when another process accepted it and handed it
  // over (a cluster primary's round-robin passes each connection to a worker).
  std::set<uint16_t> listening;
  for (const auto& [inode, s] : tcp)
    if (s.listening) listening.insert(s.local_port);
  std::map<std::string, int64_t> groups;
  for (const auto& [inode, n] : inodes) {
    auto it = tcp.find(inode);
    std::string key;
    if (it != tcp.end()) {
      const TcpSocket& s = it->second;
      if (s.listening)
        key = "tcp listening " + s.local;
      else if (listening.count(s.local_port))
        key = "tcp inbound " + s.local;
      else
        key = "tcp outbound " + s.remote;
    } else {
      key = unix_inodes.count(inode) ? "unix" : "other";
    }
    groups[key] += n;
  }
  return groups;
}

Descriptors ReadDescriptors(int pid) {
  Descriptors d;
  if (pid <= 0) return d;
  const std::string proc = "/proc/" + std::to_string(pid);
  DIR* dir = ::opendir((proc + "/fd").c_str());
  if (dir == nullptr) return d;
  d.readable = true;
  std::map<std::string, int64_t> paths;
  std::map<uint64_t, int64_t> socket_inodes;
  char target[4096];
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string link = proc + "/fd/" + entry->d_name;
    ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;  // closed since readdir
    std::string_view text(target, static_cast<size_t>(n));
    std::string_view kind = DescriptorKind(text);
    ++d.kinds[std::string(kind)];
    if (kind == "file" || kind == "device") ++paths[std::string(text)];
    if (uint64_t inode = SocketInode(text)) ++socket_inodes[inode];
  }
  ::closedir(dir);
  // The most-opened paths, so one leaked file stands out even among thousands of others.
  std::vector<std::pair<std::string, int64_t>> sorted(paths.begin(), paths.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (sorted.size() > kMaxFilePaths) sorted.resize(kMaxFilePaths);
  d.files = std::map<std::string, int64_t>(sorted.begin(), sorted.end());
  if (!socket_inodes.empty()) {
    auto tcp = ParseProcNetTcp(ReadText(proc + "/net/tcp"));
    tcp.merge(ParseProcNetTcp(ReadText(proc + "/net/tcp6")));
    std::map<uint64_t, bool> unix_inodes;
    std::istringstream unix_lines(ReadText(proc + "/net/unix"));
    std::string line;
    std::getline(unix_lines, line);
    while (std::getline(unix_lines, line)) {
      // Num RefCount Protocol Flags Type St Inode Path
      std::istringstream fields(line);
      std::string skip;
      uint64_t inode = 0;
      for (int i = 0; i < 6 && fields >> skip; ++i) {
      }
      if (fields >> inode && socket_inodes.count(inode)) unix_inodes[inode] = true;
    }
    d.sockets = GroupSockets(socket_inodes, tcp, unix_inodes);
  }
  return d;
}

}  // namespace leakcheck::cdp
