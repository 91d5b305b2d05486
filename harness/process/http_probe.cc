#include "harness/process/http_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/common/error.h"

namespace leakcheck::process {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Waits for `events` on fd until `deadline`; false on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

}  // namespace

namespace {

// One GET over a fresh connection; with `want_body`, reads the response to its end (at most
// kMaxBody bytes) into ProbeResult::body.
ProbeResult Get(uint16_t port, const std::string& path, std::chrono::milliseconds timeout,
                bool want_body) {
  constexpr size_t kMaxBody = 1 << 20;
  auto deadline = Clock::now() + timeout;
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return {false, 0, std::strerror(errno), {}};
  sockaddr_in addr = Loopback(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
      errno != EINPROGRESS) {
    return {false, 0, std::strerror(errno), {}};
  }
  if (!WaitFor(fd.get(), POLLOUT, deadline)) return {false, 0, "connect timed out", {}};
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return {false, 0, std::strerror(err), {}};

  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nUser-Agent: leakcheck\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return {false, 0, "send timed out", {}};
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return {false, 0, std::strerror(errno), {}};
    if (n > 0) sent += static_cast<size_t>(n);
  }
  // Only the status line matters for a probe: "HTTP/1.1 200 OK".
  std::string head;
  while (want_body ? head.size() < kMaxBody
                   : head.find("\r\n") == std::string::npos && head.size() < 4096) {
    if (!WaitFor(fd.get(), POLLIN, deadline)) return {false, 0, "no response (timed out)", {}};
    char buf[1024];
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return {false, 0, std::strerror(errno), {}};
    if (n > 0) head.append(buf, static_cast<size_t>(n));
  }
  if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12)
    return {false, 0, "not an HTTP response", {}};
  int status = std::atoi(head.c_str() + 9);
  ProbeResult r{status >= 200 && status < 300, status, {}, {}};
  if (!r.ok) r.error = "status " + std::to_string(status);
  if (size_t end = head.find("\r\n\r\n"); want_body && end != std::string::npos)
    r.body = head.substr(end + 4);
  return r;
}

}  // namespace

ProbeResult ProbeHttp(uint16_t port, const std::string& path, std::chrono::milliseconds timeout) {
  return Get(port, path, timeout, false);
}

ProbeResult HttpGet(uint16_t port, const std::string& path, std::chrono::milliseconds timeout) {
  return Get(port, path, timeout, true);
}

uint16_t PickFreePort() {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  if (fd.get() < 0 || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw HarnessError("process: port",
                       std::string("cannot bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  return ntohs(addr.sin_port);
}

}  // namespace leakcheck::process
