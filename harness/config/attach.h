#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// Attach mode's addresses (`app.url`, `app.inspect`; docs/scenarios.md "Attach mode").
namespace leakcheck::config {

/// A host and a port as written in `app.inspect`.
struct HostPort {
  std::string host;  ///< "127.0.0.1", "localhost", "::1" (brackets removed), "db.internal"
  uint16_t port = 0;
};

/// "host:port", "[v6]:port"; nullopt when the port is missing, not a number or outside 1..65535,
/// or the host is empty.
std::optional<HostPort> ParseHostPort(std::string_view text);

/// True for the names of this machine's loopback interface: "localhost", 127.0.0.0/8 written as
/// four decimal parts, "::1". The inspector runs any code it is sent, so only these are accepted
/// without `app.allow_remote_inspector`.
bool IsLoopbackHost(std::string_view host);

}  // namespace leakcheck::config
