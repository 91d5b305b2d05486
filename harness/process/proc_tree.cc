#include "harness/process/proc_tree.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "harness/process/http_probe.h"

namespace leakcheck::process {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

template <typename T>
bool ParseHex(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && end == s.data() + s.size();
}

// /proc/net/tcp writes each 32-bit word of the address in host byte order as hex.
std::optional<std::string> HexAddress(std::string_view hex, bool v6) {
  const size_t words = v6 ? 4 : 1;
  if (hex.size() != words * 8) return std::nullopt;
  std::array<unsigned char, 16> bytes{};
  for (size_t w = 0; w < words; ++w) {
    uint32_t word = 0;
    if (!ParseHex(hex.substr(w * 8, 8), word)) return std::nullopt;
    std::memcpy(bytes.data() + w * 4, &word, 4);
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text) == nullptr)
    return std::nullopt;
  return std::string(text);
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* e = ::readdir(proc)) {
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(e->d_name, e->d_name + std::strlen(e->d_name), pid);
    if (ec == std::errc() && *end == '\0' && pid > 0) out.push_back(pid);
  }
  ::closedir(proc);
  return out;
}

pid_t ParentOf(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');  // the command name may contain anything
  if (paren == std::string::npos) return 0;
  std::istringstream in(stat.substr(paren + 1));
  char state = 0;
  pid_t ppid = 0;
  in >> state >> ppid;
  return ppid;
}

std::vector<std::string> SplitNul(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nul = text.find('\0', start);
    if (nul == std::string::npos) nul = text.size();
    out.push_back(text.substr(start, nul - start));
    start = nul + 1;
  }
  return out;
}

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// npm, npx, yarn and pnpm run as `node …/npm-cli.js …` (or their own name via a shebang).
bool IsPackageManagerScript(std::string_view script) {
  for (std::string_view name : {"npm-cli.js", "npx-cli.js", "npm", "npx", "yarn", "yarn.js",
                                "yarn.cjs", "pnpm", "pnpm.cjs", "pnpm.js", "pnpx"}) {
    if (script == name) return true;
  }
  return false;
}

bool IsLoopbackReachable(const TcpListener& l) {
  return l.address.rfind("127.", 0) == 0 || l.address == "0.0.0.0" || l.address == "::" ||
         l.address.rfind("::ffff:127.", 0) == 0 || l.address == "::ffff:0.0.0.0";
}

bool IsLoopbackOnly(const TcpListener& l) {
  return l.address.rfind("127.", 0) == 0 || l.address == "::1" ||
         l.address.rfind("::ffff:127.", 0) == 0;
}

// The inspector's port in "ws://127.0.0.1:PORT/UUID"; 0 when none.
uint16_t PortOfUrl(std::string_view url) {
  size_t colon = url.find(':', 5);
  if (colon == std::string_view::npos) return 0;
  size_t slash = url.find('/', colon);
  uint16_t port = 0;
  std::string_view digits = url.substr(colon + 1, slash - colon - 1);
  std::from_chars(digits.data(), digits.data() + digits.size(), port);
  return port;
}

// GET /json/list on 127.0.0.1:port: the first target's webSocketDebuggerUrl, or "".
std::string InspectorUrlAt(uint16_t port) {
  ProbeResult r = HttpGet(port, "/json/list", std::chrono::milliseconds(500));
  if (!r.ok) return {};
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_array()) return {};
  for (const auto& target : v.as_array()) {
    if (!target.is_object()) continue;
    const auto* url = target.as_object().if_contains("webSocketDebuggerUrl");
    if (url != nullptr && url->is_string()) {
      std::string s(url->as_string());
      if (s.rfind("ws://127.0.0.1:", 0) == 0) return s;
    }
  }
  return {};
}

}  // namespace

std::vector<TcpListener> ParseProcNetTcp(std::string_view text, bool v6) {
  std::vector<TcpListener> out;
  std::istringstream in{std::string(text)};
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode))
      continue;
    if (state != "0A") continue;
    size_t colon = local.find(':');
    if (colon == std::string::npos) continue;
    TcpListener l;
    auto address = HexAddress(std::string_view(local).substr(0, colon), v6);
    if (!address || !ParseHex(std::string_view(local).substr(colon + 1), l.port)) continue;
    auto [end, ec] = std::from_chars(inode.data(), inode.data() + inode.size(), l.inode);
    if (ec != std::errc() || end != inode.data() + inode.size()) continue;
    l.address = *address;
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<TcpListener> ListeningSockets() {
  std::vector<TcpListener> out = ParseProcNetTcp(ReadFile("/proc/net/tcp"), false);
  for (auto& l : ParseProcNetTcp(ReadFile("/proc/net/tcp6"), true)) out.push_back(std::move(l));
  return out;
}

std::vector<uint64_t> SocketInodes(pid_t pid) {
  std::vector<uint64_t> out;
  std::error_code ec;
  const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/fd";
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code link_ec;
    std::string target = std::filesystem::read_symlink(it->path(), link_ec).string();
    if (link_ec || target.rfind("socket:[", 0) != 0 || target.back() != ']') continue;
    uint64_t inode = 0;
    std::from_chars(target.data() + 8, target.data() + target.size() - 1, inode);
    if (inode != 0) out.push_back(inode);
  }
  return out;
}

std::vector<ProcEntry> ReadProcessTree(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  for (pid_t pid : AllPids()) children.emplace(ParentOf(pid), pid);
  std::vector<ProcEntry> out;
  std::vector<pid_t> queue = {root};
  std::set<pid_t> seen;
  for (size_t i = 0; i < queue.size(); ++i) {
    const pid_t pid = queue[i];
    if (!seen.insert(pid).second) continue;
    const std::string base = "/proc/" + std::to_string(pid);
    ProcEntry e;
    e.pid = pid;
    e.ppid = ParentOf(pid);
    e.argv = SplitNul(ReadFile(base + "/cmdline"));
    if (e.argv.empty()) continue;  // gone, or a zombie
    std::error_code ec;
    e.exe = std::filesystem::read_symlink(base + "/exe", ec).string();
    for (const auto& kv : SplitNul(ReadFile(base + "/environ")))
      if (kv.rfind("NODE_UNIQUE_ID=", 0) == 0) e.cluster_worker = true;
    out.push_back(std::move(e));
    auto [first, last] = children.equal_range(pid);
    for (auto it = first; it != last; ++it) queue.push_back(it->second);
  }
  return out;
}

bool IsNodeExecutableName(std::string_view path) {
  std::string base = BaseName(path);
  if (base == "nodejs") return true;
  if (base.rfind("node", 0) != 0) return false;
  return std::all_of(base.begin() + 4, base.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '-'; });
}

std::string ScriptOf(const std::vector<std::string>& argv) {
  // Node flags whose value is the next argument.
  constexpr std::array<std::string_view, 9> kWithValue = {
      "-r",           "--require", "--import",   "--loader", "--experimental-loader",
      "--conditions", "-C",        "--env-file", "--title"};
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-e" || a == "--eval" || a == "-p" || a == "--print") return a;
    if (a == "--") return i + 1 < argv.size() ? BaseName(argv[i + 1]) : "";
    if (a.rfind('-', 0) == 0) {
      if (std::find(kWithValue.begin(), kWithValue.end(), a) != kWithValue.end()) ++i;
      continue;
    }
    return BaseName(a);
  }
  return {};
}

std::vector<NodeProcess> AssignRoles(const std::vector<ProcEntry>& tree) {
  std::vector<NodeProcess> out;
  bool have_primary = false;
  for (const ProcEntry& e : tree) {
    if (!IsNodeExecutableName(e.exe) && (e.argv.empty() || !IsNodeExecutableName(e.argv[0])))
      continue;
    NodeProcess p;
    p.pid = e.pid;
    p.ppid = e.ppid;
    p.script = ScriptOf(e.argv);
    p.command = JoinArgv(e.argv);
    // npm sets process.title ("npm run start"), which rewrites its /proc cmdline.
    const std::string first =
        BaseName(e.argv.empty() ? "" : e.argv[0].substr(0, e.argv[0].find(' ')));
    if (IsPackageManagerScript(first)) p.script = first;
    if (IsPackageManagerScript(p.script)) {
      p.role = "launcher";
      p.problem = "launcher (the package manager that started the app), not measured";
    } else if (e.cluster_worker) {
      p.role = "worker";
    } else if (!have_primary) {
      p.role = "primary";
      have_primary = true;
    } else {
      p.role = "child";
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<NodeProcess> FindNodeProcesses(pid_t root, uint16_t app_port,
                                           const std::vector<std::string>& announced) {
  std::vector<NodeProcess> out = AssignRoles(ReadProcessTree(root));
  std::map<uint64_t, uint16_t> loopback_ports;  // inode -> port
  for (const auto& l : ListeningSockets())
    if (IsLoopbackOnly(l) && l.port != app_port) loopback_ports[l.inode] = l.port;
  std::map<uint16_t, std::string> announced_by_port;
  for (const auto& url : announced) announced_by_port[PortOfUrl(url)] = url;
  for (NodeProcess& p : out) {
    if (p.role == "launcher") continue;
    std::vector<uint16_t> ports;
    for (uint64_t inode : SocketInodes(p.pid))
      if (auto it = loopback_ports.find(inode); it != loopback_ports.end())
        ports.push_back(it->second);
    for (uint16_t port : ports)
      if (auto it = announced_by_port.find(port); it != announced_by_port.end())
        p.inspector_url = it->second;
    // Its stderr did not reach us (a child spawned with piped stdio): ask each of its ports.
    for (size_t i = 0; i < ports.size() && p.inspector_url.empty(); ++i)
      p.inspector_url = InspectorUrlAt(ports[i]);
    if (p.inspector_url.empty()) {
      p.problem =
          "no inspector found (NODE_OPTIONS removed from its environment, or its inspector "
          "port was taken)";
    }
  }
  return out;
}

std::optional<std::string> ForeignPortOwner(uint16_t port, pid_t root) {
  std::vector<TcpListener> candidates;
  for (auto& l : ListeningSockets())
    if (l.port == port && IsLoopbackReachable(l)) candidates.push_back(l);
  if (candidates.empty()) return std::nullopt;
  // A connection to 127.0.0.1 reaches an exact 127.x listener before a wildcard one.
  std::stable_partition(candidates.begin(), candidates.end(),
                        [](const TcpListener& l) { return IsLoopbackOnly(l); });
  const TcpListener& target = candidates.front();
  for (const ProcEntry& e : ReadProcessTree(root)) {
    for (uint64_t inode : SocketInodes(e.pid))
      if (inode == target.inode) return std::nullopt;
  }
  for (pid_t pid : AllPids()) {
    for (uint64_t inode : SocketInodes(pid)) {
      if (inode != target.inode) continue;
      std::string command =
          JoinArgv(SplitNul(ReadFile("/proc/" + std::to_string(pid) + "/cmdline")));
      return "pid " + std::to_string(pid) + " (`" + command + "`)";
    }
  }
  return "a process leakcheck cannot inspect (another user's; socket inode " +
         std::to_string(target.inode) + ")";
}

bool ProcessGone(pid_t pid) {
  if (pid <= 0) return false;
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');  // the command name may contain anything
  if (paren == std::string::npos) return true;
  std::istringstream in(stat.substr(paren + 1));
  char state = 0;
  in >> state;
  return state == 'Z' || state == 'X';
}

std::string ProcessLabel(std::string_view role, int pid, std::string_view script) {
  std::string out = std::string(role) + " " + std::to_string(pid);
  if (!script.empty()) out += " (" + std::string(script) + ")";
  return out;
}

}  // namespace leakcheck::process
