// Session against a fake inspector: a Beast WebSocket server on 127.0.0.1 that plays a script.
#include "harness/cdp/session.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"

namespace leakcheck::cdp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

using Ws = websocket::stream<tcp::socket>;
/// Answers one request; returns false to close the connection.
using Script = std::function<bool(Ws& ws, const std::string& id, const std::string& method)>;

void SendText(Ws& ws, const std::string& text) {
  ws.text(true);
  ws.write(asio::buffer(text));
}

std::string Field(const std::string& msg, const std::string& key) {
  size_t at = msg.find("\"" + key + "\":");
  if (at == std::string::npos) return {};
  at += key.size() + 3;
  if (msg[at] == '"') return msg.substr(at + 1, msg.find('"', at + 1) - at - 1);
  return msg.substr(at, msg.find_first_of(",}", at) - at);
}

class FakeInspector {
 public:
  explicit FakeInspector(Script script)
      : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        thread_([this, script = std::move(script)] { Serve(script); }) {}
  ~FakeInspector() { thread_.join(); }

  std::string url() const {
    return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/fake-uuid";
  }

 private:
  void Serve(const Script& script) {
    beast::error_code ec;
    tcp::socket socket(ioc_);
    acceptor_.accept(socket, ec);
    if (ec) return;
    Ws ws(std::move(socket));
    ws.accept(ec);
    while (!ec) {
      beast::flat_buffer buffer;
      ws.read(buffer, ec);
      if (ec) return;
      std::string msg = beast::buffers_to_string(buffer.data());
      std::string id = Field(msg, "id"), method = Field(msg, "method");
      if (method == "HeapProfiler.enable" || method == "Runtime.releaseObjectGroup") {
        SendText(ws, R"({"id":)" + id + R"(,"result":{}})");
        continue;
      }
      try {
        if (!script(ws, id, method)) {
          ws.next_layer().close(ec);  // abrupt, like a crashed app
          return;
        }
      } catch (const std::exception&) {
        return;
      }
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::filesystem::path TempPath(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("leakcheck-session-" + std::to_string(::getpid()) + "-" + name);
}

TEST(Session, StreamsSnapshotChunksUnescapedToTheFile) {
  FakeInspector fake([](Ws& ws, const std::string& id, const std::string& method) {
    if (method != "HeapProfiler.takeHeapSnapshot") return false;
    SendText(
        ws,
        R"({"method":"HeapProfiler.reportHeapSnapshotProgress","params":{"done":1,"total":2}})");
    SendText(
        ws,
        R"({"method":"HeapProfiler.addHeapSnapshotChunk","params":{"chunk":"{\"snapshot\":{\"a\":\"\\u00e9\"},\n"}})");
    // Same event with the fields in another order: the slow path must handle it too.
    SendText(
        ws,
        R"({"params":{"chunk":"\"nodes\":[1,2]"},"method":"HeapProfiler.addHeapSnapshotChunk"})");
    SendText(ws, R"({"method":"HeapProfiler.addHeapSnapshotChunk","params":{"chunk":"}"}})");
    SendText(ws, R"({"id":)" + id + R"(,"result":{}})");
    return true;
  });
  Session session;
  session.Connect(fake.url());
  auto path = TempPath("ok.heapsnapshot");
  SnapshotFile file = session.TakeHeapSnapshot(path);
  EXPECT_EQ(file.chunks, 3u);
  EXPECT_EQ(ReadFile(path), "{\"snapshot\":{\"a\":\"\\u00e9\"},\n\"nodes\":[1,2]}");
  EXPECT_EQ(file.bytes, ReadFile(path).size());
  session.Close();
  std::filesystem::remove(path);
}

TEST(Session, ConnectionClosedMidSnapshotNamesTheStageAndLeavesNoFile) {
  FakeInspector fake([](Ws& ws, const std::string&, const std::string& method) {
    if (method != "HeapProfiler.takeHeapSnapshot") return false;
    SendText(
        ws, R"({"method":"HeapProfiler.addHeapSnapshotChunk","params":{"chunk":"{\"snapshot\""}})");
    return false;  // close the TCP connection mid-snapshot
  });
  Session session;
  session.Connect(fake.url());
  auto path = TempPath("closed.heapsnapshot");
  try {
    session.TakeHeapSnapshot(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.stage(), "cdp: HeapProfiler.takeHeapSnapshot");
    EXPECT_EQ(e.status(), kExitFailure);
    EXPECT_THAT(e.detail(), HasSubstr("connection closed"));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".part"));
  // The session is broken now: later calls fail at once, saying why.
  try {
    session.CollectGarbage();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.detail(), HasSubstr("lost earlier"));
  }
}

TEST(Session, AppMonitorTurnsAClosedSocketIntoTheAppsExit) {
  FakeInspector fake([](Ws&, const std::string&, const std::string&) { return false; });
  Session session;
  session.Connect(fake.url());
  session.SetAppMonitor(
      [](milliseconds) -> std::optional<std::string> { return "app exited with code 9"; });
  try {
    session.CollectGarbage();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.stage(), "cdp: HeapProfiler.collectGarbage");
    EXPECT_EQ(e.detail(), "app exited with code 9");
  }
}

TEST(Session, TimesOutAndNamesTheMethod) {
  FakeInspector fake(
      [](Ws&, const std::string&, const std::string&) { return true; });  // never answers
  Session session(SessionOptions{.call_timeout = milliseconds(300)});
  session.Connect(fake.url());
  try {
    session.CollectGarbage();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.stage(), "cdp: HeapProfiler.collectGarbage");
    EXPECT_THAT(e.detail(), HasSubstr("timed out after 300ms"));
  }
}

TEST(Session, ProtocolErrorsNameTheMethodAndMessage) {
  FakeInspector fake([](Ws& ws, const std::string& id, const std::string&) {
    SendText(ws,
             R"({"id":)" + id + R"(,"error":{"code":-32601,"message":"'Foo.bar' wasn't found"}})");
    return true;
  });
  Session session;
  session.Connect(fake.url());
  try {
    session.Call("Foo.bar");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.stage(), "cdp: Foo.bar");
    EXPECT_THAT(e.detail(), HasSubstr("'Foo.bar' wasn't found (-32601)"));
  }
  session.Close();
}

TEST(Session, EvaluateReturnsValuesAndReportsExceptions) {
  int calls = 0;
  FakeInspector fake([&calls](Ws& ws, const std::string& id, const std::string& method) {
    if (method != "Runtime.evaluate") return false;
    if (calls++ == 0) {
      SendText(ws,
               R"({"id":)" + id + R"(,"result":{"result":{"type":"object","value":{"a":[1,2]}}}})");
    } else {
      SendText(
          ws,
          R"({"id":)" + id +
              R"(,"result":{"result":{"type":"object","subtype":"error"},)"
              R"("exceptionDetails":{"text":"Uncaught","exception":{"description":"ReferenceError: nope is not defined"}}}})");
    }
    return true;
  });
  Session session;
  session.Connect(fake.url());
  RemoteValue v = session.Evaluate("({a: [1, 2]})");
  EXPECT_EQ(v.type, "object");
  EXPECT_EQ(v.json, R"({"a":[1,2]})");
  try {
    session.Evaluate("nope");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.stage(), "cdp: Runtime.evaluate");
    EXPECT_THAT(e.detail(), HasSubstr("ReferenceError: nope is not defined"));
  }
  session.Close();
}

TEST(Session, ConnectFailsFastWhenNothingListens) {
  uint16_t port;
  {
    asio::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  Session session;
  try {
    session.Connect("ws://127.0.0.1:" + std::to_string(port) + "/x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.stage(), "cdp: connect");
  }
}

}  // namespace
}  // namespace leakcheck::cdp
