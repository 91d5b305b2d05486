#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// The app's processes as Linux shows them in /proc: its process tree, which of them are Node
/// processes and what role each plays, their inspectors, and who owns a listening port.
/// Everything here reads /proc only; nothing is signalled or changed.
namespace leakcheck::process {

/// One process of the app's tree (/proc/<pid>/stat, cmdline, environ, exe).
struct ProcEntry {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::vector<std::string> argv;  ///< /proc/<pid>/cmdline split at NULs
  std::string exe;                ///< readlink /proc/<pid>/exe ("" when unreadable)
  bool cluster_worker = false;    ///< its environment has NODE_UNIQUE_ID (cluster.fork sets it)
};

/// A Node process of the app, with its role and its inspector.
struct NodeProcess {
  pid_t pid = 0;
  pid_t ppid = 0;
  /// "primary" (the app's first Node process that is not a launcher), "worker" (a cluster
  /// worker), "child" (any other Node process below it), "launcher" (npm, npx, yarn or pnpm:
  /// started the app, never measured).
  std::string role;
  std::string script;         ///< the script it runs ("server.js"), or "-e", or "" (REPL)
  std::string command;        ///< its whole command line, for messages
  std::string inspector_url;  ///< "ws://127.0.0.1:PORT/UUID"; empty when none was found
  /// Role "thread" (a worker_threads Worker of process `pid`, reached through its process's
  /// inspector): worker_threads' threadId. 0 for processes.
  int thread_id = 0;
  /// Why it is not measured ("launcher: npm, not the app"; "no inspector found …"); empty when
  /// it is measured.
  std::string problem;
};

/// A listening TCP socket from /proc/net/tcp or tcp6.
struct TcpListener {
  std::string address;  ///< "127.0.0.1", "0.0.0.0", "::", "::1", "::ffff:127.0.0.1"
  uint16_t port = 0;
  uint64_t inode = 0;
};

/// Parses the text of /proc/net/tcp (`v6` false) or /proc/net/tcp6 (true): the sockets in state
/// LISTEN (0A). Malformed lines are skipped.
std::vector<TcpListener> ParseProcNetTcp(std::string_view text, bool v6);

/// Every listening TCP socket of this network namespace (both files; a missing file is empty).
std::vector<TcpListener> ListeningSockets();

/// The socket inodes `pid` holds open (/proc/<pid>/fd links "socket:[N]"); empty when the
/// process is gone or not ours to read.
std::vector<uint64_t> SocketInodes(pid_t pid);

/// `root` and every descendant (by parent pid), root first, then breadth first.
std::vector<ProcEntry> ReadProcessTree(pid_t root);

/// True when `path`'s file name is a Node executable: "node", "nodejs", "node22", "node-24.1".
bool IsNodeExecutableName(std::string_view path);

/// The script a Node command line runs: the first argument after the executable that is not a
/// flag (flags that take a value, `-r x`, `--require x`, `--import x`, skip it), its file name
/// only; "-e" / "-p" for code given on the command line; "" when none.
std::string ScriptOf(const std::vector<std::string>& argv);

/// The Node processes of `tree` (ReadProcessTree's order) with their roles: npm/npx/yarn/pnpm
/// are launchers, cluster workers are workers, the first other Node process is the primary and
/// the rest are children. Inspector URLs and problems are left empty.
std::vector<NodeProcess> AssignRoles(const std::vector<ProcEntry>& tree);

/// The Node processes of the app whose leader is `root`, with their inspectors: for each, an
/// inspector URL node announced on stderr (`announced`) whose port the process holds, else the
/// webSocketDebuggerUrl of GET /json/list on another of its loopback listening ports (never
/// `app_port`). A Node process without one gets a `problem`.
std::vector<NodeProcess> FindNodeProcesses(pid_t root, uint16_t app_port,
                                           const std::vector<std::string>& announced);

/// Who owns 127.0.0.1:`port`'s listening socket, when it is not `root` or one of its
/// descendants: "pid 123 (`python3 -m http.server 4100`)" (or the inode, when the owner is not
/// ours to read). nullopt when the app's tree owns it or no such socket is listening.
std::optional<std::string> ForeignPortOwner(uint16_t port, pid_t root);

/// True when process `pid` no longer runs: /proc/<pid> is gone or it is a zombie (exited, not
/// yet reaped by its parent).
bool ProcessGone(pid_t pid);

/// "worker 1234 (server.js)": how reports name a process.
std::string ProcessLabel(std::string_view role, int pid, std::string_view script);

}  // namespace leakcheck::process
