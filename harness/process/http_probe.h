#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace leakcheck::process {

/// The outcome of one readiness probe.
struct ProbeResult {
  bool ok = false;    ///< a 2xx status arrived
  int status = 0;     ///< the HTTP status, 0 when none arrived
  std::string error;  ///< why it failed ("connection refused", "status 503", "timed out")
  std::string body;   ///< HttpGet only: the response body (the connection is read to its end)
};

/// One `GET path` to 127.0.0.1:port over a fresh connection, bounded by `timeout` as a whole.
/// Never throws.
ProbeResult ProbeHttp(uint16_t port, const std::string& path, std::chrono::milliseconds timeout);

/// Like ProbeHttp, and keeps the body (at most 1 MiB; the server closes the connection).
/// Never throws.
ProbeResult HttpGet(uint16_t port, const std::string& path, std::chrono::milliseconds timeout);

/// Binds 127.0.0.1:0 and returns the port the kernel chose (then closes the socket).
/// Throws HarnessError("process: port", …) if no socket can be bound.
uint16_t PickFreePort();

}  // namespace leakcheck::process
