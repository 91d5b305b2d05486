#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "harness/config/attach.h"

/// Attach mode's network side (docs/scenarios.md "Attach mode"): finding the inspector of an app
/// leakcheck did not start, and its pid when it runs on this machine.
namespace leakcheck::run {

/// The answer of one GET.
struct HttpAnswer {
  int status = 0;
  std::string body;  ///< at most 1 MiB
};

/// One `GET path` to host:port (resolved; IPv4 or IPv6) over a fresh connection with
/// `Connection: close`, bounded by `timeout` as a whole. Throws HarnessError(`stage`, …)
/// naming the address when it cannot connect, times out, or the answer is not HTTP.
HttpAnswer HttpGetFrom(const std::string& host, uint16_t port, const std::string& path,
                       std::chrono::milliseconds timeout, const std::string& stage);

/// The WebSocket URL of the inspector at `inspect`: GET /json/list, the first target's
/// `webSocketDebuggerUrl` path on the host and port as written in `app.inspect` (node names its
/// own address there, which a container's published port changes). HarnessError("inspector", …)
/// when nothing answers there or the answer lists no target.
std::string AttachedInspectorUrl(const config::HostPort& inspect,
                                 std::chrono::milliseconds timeout);

/// The pid of the Node process on this machine that listens on the loopback or wildcard TCP
/// `port` (/proc/net/tcp{,6}, then /proc/<pid>/fd of the processes we may read); 0 when none of
/// ours does (a container's port is held by docker-proxy; another user's process is not ours to
/// read). Never throws.
int LocalNodeListening(uint16_t port);

}  // namespace leakcheck::run
