#include "harness/run/attach.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "harness/common/error.h"
#include "harness/process/proc_tree.h"

namespace leakcheck::run {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpAnswer HttpGetFrom(const std::string& host, uint16_t port, const std::string& path,
                       std::chrono::milliseconds timeout, const std::string& stage) {
  const std::string where = fmt::format(
      "http://{}:{}{}", host.find(':') != std::string::npos ? "[" + host + "]" : host, port, path);
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::response<http::string_body> response;
  beast::flat_buffer buffer;
  beast::error_code failure;
  const char* step = "resolve";
  asio::ip::tcp::resolver resolver(io);
  http::request<http::empty_body> request{http::verb::get, path, 11};
  request.set(http::field::host, host.find(':') != std::string::npos
                                     ? fmt::format("[{}]:{}", host, port)
                                     : fmt::format("{}:{}", host, port));
  request.set(http::field::connection, "close");
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  stream.expires_after(timeout);
  resolver.async_resolve(host, std::to_string(port), [&](beast::error_code e1, auto results) {
    if (e1) return void(failure = e1);
    step = "connect";
    stream.async_connect(results, [&](beast::error_code e2, auto) {
      if (e2) return void(failure = e2);
      step = "send";
      http::async_write(stream, request, [&](beast::error_code e3, size_t) {
        if (e3) return void(failure = e3);
        step = "read";
        http::async_read(stream, buffer, parser, [&](beast::error_code e4, size_t) {
          if (e4) failure = e4;
        });
      });
    });
  });
  io.run_for(timeout + std::chrono::milliseconds(500));
  if (!io.stopped()) {
    io.stop();
    throw HarnessError(stage,
                       fmt::format("GET {}: no answer within {} ms", where, timeout.count()));
  }
  if (failure)
    throw HarnessError(stage, fmt::format("GET {}: {}: {}", where, step, failure.message()));
  HttpAnswer out;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  return out;
}

std::string AttachedInspectorUrl(const config::HostPort& inspect,
                                 std::chrono::milliseconds timeout) {
  const HttpAnswer answer =
      HttpGetFrom(inspect.host, inspect.port, "/json/list", timeout, "inspector");
  const std::string where = fmt::format("{}:{}", inspect.host, inspect.port);
  boost::system::error_code ec;
  const boost::json::value list = boost::json::parse(answer.body, ec);
  if (answer.status != 200 || ec || !list.is_array())
    throw HarnessError("inspector", fmt::format("{} is not a Node inspector: GET /json/list "
                                                "answered {} without a list of targets",
                                                where, answer.status));
  for (const auto& target : list.as_array()) {
    const auto* object = target.if_object();
    const auto* url = object ? object->if_contains("webSocketDebuggerUrl") : nullptr;
    if (!url || !url->is_string()) continue;
    // "ws://0.0.0.0:9229/3f6c…": keep the path, reach it where the user said.
    const std::string_view text = url->as_string();
    const size_t scheme = text.find("://");
    const size_t slash =
        scheme == std::string_view::npos ? std::string_view::npos : text.find('/', scheme + 3);
    if (slash == std::string_view::npos) continue;
    const std::string host =
        inspect.host.find(':') != std::string::npos ? "[" + inspect.host + "]" : inspect.host;
    return fmt::format("ws://{}:{}{}", host, inspect.port, text.substr(slash));
  }
  throw HarnessError("inspector", fmt::format("the inspector at {} lists no target to attach to "
                                              "(is another debugger attached?)",
                                              where));
}

int LocalNodeListening(uint16_t port) {
  std::vector<uint64_t> inodes;
  for (const process::TcpListener& l : process::ListeningSockets()) {
    if (l.port != port) continue;
    if (l.address == "127.0.0.1" || l.address == "0.0.0.0" || l.address == "::" ||
        l.address == "::1" || l.address == "::ffff:127.0.0.1" || l.address.starts_with("127."))
      inodes.push_back(l.inode);
  }
  if (inodes.empty()) return 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const int pid = std::atoi(name.c_str());
    for (uint64_t inode : process::SocketInodes(pid)) {
      if (std::find(inodes.begin(), inodes.end(), inode) == inodes.end()) continue;
      std::error_code link_ec;
      const auto exe = std::filesystem::read_symlink(entry.path() / "exe", link_ec);
      return !link_ec && process::IsNodeExecutableName(exe.string()) ? pid : 0;
    }
  }
  return 0;
}

}  // namespace leakcheck::run
