#include "harness/cdp/session.h"

#include <fcntl.h>
#include <unistd.h>

#include <simdjson.h>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cerrno>
#include <cstring>

#include "harness/cdp/json_text.h"
#include "harness/cdp/message.h"
#include "harness/common/duration.h"
#include "harness/common/error.h"

namespace leakcheck::cdp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kObjectGroup = "leakcheck";
// How often a waiting step wakes up to ask the AppMonitor whether the app is still there.
constexpr milliseconds kMonitorTick{200};

struct WsUrl {
  std::string host;
  uint16_t port = 0;
  std::string target;
};

WsUrl ParseWsUrl(const std::string& url) {
  constexpr std::string_view kScheme = "ws://";
  if (url.rfind(kScheme, 0) != 0) throw HarnessError("cdp: connect", "not a ws:// URL: " + url);
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  WsUrl out;
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos) throw HarnessError("cdp: connect", "no port in " + url);
  out.host = authority.substr(0, colon);
  if (!out.host.empty() && out.host.front() == '[')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host == "localhost") out.host = "127.0.0.1";
  int port = std::atoi(authority.c_str() + colon + 1);
  if (port <= 0 || port > 65535) throw HarnessError("cdp: connect", "bad port in " + url);
  out.port = static_cast<uint16_t>(port);
  return out;
}

std::string Stage(std::string_view method) { return "cdp: " + std::string(method); }

// The errno of a full disk or an exceeded file-size limit named in `text` (node's error message
// "EFBIG: file too large, write '…'"), or 0.
int DiskFullErrno(std::string_view text) {
  for (auto [name, code] : {std::pair{"ENOSPC", ENOSPC}, {"EFBIG", EFBIG}, {"EDQUOT", EDQUOT}}) {
    if (text.find(name) != std::string_view::npos) return code;
  }
  return 0;
}

bool IsDiskFull(int err) { return err == ENOSPC || err == EFBIG || err == EDQUOT; }

std::string ErrnoName(int err) {
  switch (err) {
    case ENOSPC:
      return "ENOSPC";
    case EFBIG:
      return "EFBIG";
    case EDQUOT:
      return "EDQUOT";
    default:
      return "errno " + std::to_string(err);
  }
}

// "cannot write /out/s/baseline.heapsnapshot: No space left on device (ENOSPC); …"
[[noreturn]] void ThrowDiskFull(const std::filesystem::path& path, int err,
                                std::string_view writer) {
  throw HarnessError(std::string(kSnapshotWriteStage),
                     "cannot write " + path.string() + ": " + std::strerror(err) + " (" +
                         ErrnoName(err) + ", written by " + std::string(writer) +
                         "); the disk is full or a file-size limit (ulimit -f) was reached: "
                         "free space or point --out at a larger disk");
}

}  // namespace

struct Session::Impl {
  explicit Impl(SessionOptions o) : options(o) {}

  SessionOptions options;
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  int64_t next_id = 1;
  bool connected = false;
  bool broken = false;
  std::string broken_reason;
  AppMonitor monitor;
  MessageParser messages;
  // A worker thread's session: requests go through `parent`'s WebSocket.
  Impl* parent = nullptr;
  std::string worker_session;
  // NodeWorker (root sessions): enabled once; threads attached since the last AttachWorkers
  // (NodeWorker.attachedToWorker arrives whenever a Worker starts, during any call), and the
  // nested sessions whose thread ended (detachedFromWorker).
  bool workers_enabled = false;
  std::vector<WorkerInfo> attached;
  std::vector<std::string> detached;

  // Handles an event that arrived while waiting for a response; may extend the deadline.
  using EventHandler = std::function<void(std::string_view message, std::string_view method)>;

  [[noreturn]] void Fail(const std::string& stage, const std::string& what, bool transport) {
    std::string msg = what;
    if (transport) broken = true;
    // The socket usually closes a moment before waitpid sees the exit: wait a little for it.
    if (auto gone = AskMonitor(transport ? milliseconds(2000) : milliseconds(0))) msg = *gone;
    if (broken) broken_reason = msg;
    throw HarnessError(stage, msg);
  }

  // Asks the AppMonitor whether the app is gone. If it is (or is exiting, waiting for us to
  // disconnect), hangs up so node can finish, and returns the final description.
  std::optional<std::string> AskMonitor(milliseconds grace) {
    if (!monitor) return std::nullopt;
    auto gone = monitor(grace);
    if (!gone) return std::nullopt;
    CloseSocket();
    broken = true;
    if (auto final_word = monitor(milliseconds(10000))) return final_word;
    return gone;
  }

  void CloseSocket() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
  }

  // Closes the socket so a pending operation completes, and drains it so no handler outlives us.
  void Abort(const bool& done) {
    CloseSocket();
    for (int i = 0; i < 50 && !done; ++i) ioc.run_one_for(std::chrono::milliseconds(100));
  }

  // Starts an async operation and runs the io_context until it completes or `deadline` passes.
  template <class Start>
  size_t Run(const std::string& stage, Clock::time_point deadline, milliseconds budget,
             Start&& start) {
    bool done = false;
    beast::error_code result;
    size_t bytes = 0;
    ioc.restart();
    start([&](beast::error_code ec, auto&&... rest) {
      done = true;
      result = ec;
      ((bytes = SizeOf(rest)), ...);
    });
    while (!done) {
      auto now = Clock::now();
      if (now >= deadline) {
        Abort(done);
        Fail(stage, "timed out after " + FormatDuration(budget), true);
      }
      ioc.run_one_for(std::min<Clock::duration>(deadline - now, kMonitorTick));
      if (!done && monitor && monitor(milliseconds(0))) {
        Abort(done);
        auto gone = AskMonitor(milliseconds(0));
        broken = true;
        broken_reason = gone.value_or("app exited");
        throw HarnessError(stage, broken_reason);
      }
    }
    if (result) {
      bool closed = result == websocket::error::closed || result == asio::error::eof ||
                    result == asio::error::connection_reset;
      Fail(stage,
           closed ? "connection closed by the inspector (" + result.message() + ")"
                  : result.message(),
           true);
    }
    return bytes;
  }

  template <class T>
  static size_t SizeOf(const T& v) {
    if constexpr (std::is_convertible_v<T, size_t>) {
      return static_cast<size_t>(v);
    } else {
      (void)v;
      return 0;
    }
  }

  void CheckUsable(const std::string& stage) {
    if (!connected) throw HarnessError(stage, "not connected to the inspector");
    if (broken)
      throw HarnessError(stage, "the inspector connection was lost earlier: " + broken_reason);
  }

  void Send(const std::string& stage, const std::string& text, Clock::time_point deadline,
            milliseconds budget) {
    ws.text(true);
    Run(stage, deadline, budget,
        [&](auto handler) { ws.async_write(asio::buffer(text), std::move(handler)); });
  }

  std::string_view Receive(const std::string& stage, Clock::time_point deadline,
                           milliseconds budget) {
    buffer.clear();
    size_t n = Run(stage, deadline, budget,
                   [&](auto handler) { ws.async_read(buffer, std::move(handler)); });
    (void)n;
    auto data = buffer.cdata();
    return {static_cast<const char*>(data.data()), data.size()};
  }

  // Sends one request and waits for its response; events go to `on_event`. When `idle` is
  // nonzero the deadline restarts at every message (snapshot streaming).
  std::string Call(std::string_view method, std::string_view params, milliseconds timeout,
                   milliseconds idle, const EventHandler& on_event) {
    std::string stage = Stage(method);
    if (parent != nullptr) return CallInWorker(stage, method, params, timeout, idle, on_event);
    CheckUsable(stage);
    milliseconds budget = timeout.count() > 0 ? timeout : options.call_timeout;
    auto deadline = Clock::now() + budget;
    int64_t id = next_id++;
    std::string request = "{\"id\":" + std::to_string(id) + ",\"method\":" + QuoteJson(method) +
                          ",\"params\":" + std::string(params.empty() ? "{}" : params) + "}";
    Send(stage, request, deadline, budget);
    for (;;) {
      std::string_view message = Receive(stage, deadline, budget);
      if (idle.count() > 0) deadline = Clock::now() + (budget = idle);
      if (message.rfind(kSnapshotChunkPrefix, 0) == 0) {
        if (on_event) on_event(message, "HeapProfiler.addHeapSnapshotChunk");
        continue;
      }
      if (auto result = HandleMessage(stage, message, id, on_event)) return *result;
    }
  }

  // Call for a worker thread's session: the request wrapped in NodeWorker.sendMessageToWorker on
  // the parent's WebSocket, the answer unwrapped from its receivedMessageFromWorker events.
  std::string CallInWorker(const std::string& stage, std::string_view method,
                           std::string_view params, milliseconds timeout, milliseconds idle,
                           const EventHandler& on_event) {
    milliseconds budget = timeout.count() > 0 ? timeout : parent->options.call_timeout;
    if (parent->Detached(worker_session)) Fail(stage, "the worker thread ended", false);
    int64_t id = next_id++;
    std::string request = "{\"id\":" + std::to_string(id) + ",\"method\":" + QuoteJson(method) +
                          ",\"params\":" + std::string(params.empty() ? "{}" : params) + "}";
    std::optional<std::string> answer;
    bool ended = false;
    auto from_worker = [&](std::string_view message, std::string_view event) {
      if (event == "NodeWorker.detachedFromWorker") {
        if (message.find(QuoteJson(worker_session)) != std::string_view::npos) ended = true;
        return;
      }
      if (event != "NodeWorker.receivedMessageFromWorker" || answer) return;
      simdjson::padded_string copy(message);
      simdjson::ondemand::parser parser;
      simdjson::ondemand::document doc;
      std::string_view sid, inner;
      if (parser.iterate(copy).get(doc) || doc["params"]["sessionId"].get_string().get(sid) ||
          sid != worker_session || doc["params"]["message"].get_string().get(inner))
        return;
      answer = HandleMessage(stage, inner, id, on_event);
    };
    parent->Call(
        "NodeWorker.sendMessageToWorker",
        "{\"sessionId\":" + QuoteJson(worker_session) + ",\"message\":" + QuoteJson(request) + "}",
        budget, milliseconds(0), from_worker);
    auto deadline = Clock::now() + budget;
    while (!answer) {
      if (ended) Fail(stage, "the worker thread ended", false);
      std::string_view message = parent->Receive(stage, deadline, budget);
      if (idle.count() > 0) deadline = Clock::now() + (budget = idle);
      std::string problem;
      auto decoded = parent->messages.Parse(message, &problem);
      if (decoded && decoded->id < 0) {
        parent->NoteWorkerEvent(message, decoded->method);
        from_worker(message, decoded->method);
      }
    }
    return *answer;
  }

  // Keeps NodeWorker's attach and detach events of a root session, whichever call they
  // interrupt.
  void NoteWorkerEvent(std::string_view message, std::string_view method) {
    if (method != "NodeWorker.attachedToWorker" && method != "NodeWorker.detachedFromWorker")
      return;
    simdjson::padded_string copy(message);
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    if (parser.iterate(copy).get(doc)) return;
    auto text = [&](std::string_view a, std::string_view b, std::string& to) {
      std::string_view v;
      auto field = b.empty() ? doc["params"][a] : doc["params"][a][b];
      if (!field.get_string().get(v)) to = v;
    };
    if (method == "NodeWorker.detachedFromWorker") {
      std::string session;
      text("sessionId", "", session);
      if (!session.empty()) detached.push_back(std::move(session));
      return;
    }
    WorkerInfo w;
    text("sessionId", "", w.session_id);
    text("workerInfo", "workerId", w.worker_id);
    text("workerInfo", "type", w.type);
    text("workerInfo", "title", w.title);
    text("workerInfo", "url", w.url);
    if (!w.session_id.empty()) attached.push_back(std::move(w));
  }

  bool Detached(const std::string& session) const {
    return std::find(detached.begin(), detached.end(), session) != detached.end();
  }

  // Returns the result JSON when `message` is the response to `id`; dispatches events.
  std::optional<std::string> HandleMessage(const std::string& stage, std::string_view message,
                                           int64_t id, const EventHandler& on_event) {
    std::string problem;
    auto decoded = messages.Parse(message, &problem);
    if (!decoded) Fail(stage, problem, false);
    if (decoded->id < 0) {
      if (parent == nullptr) NoteWorkerEvent(message, decoded->method);
      if (on_event && !decoded->method.empty()) on_event(message, decoded->method);
      return std::nullopt;
    }
    if (decoded->id != id) return std::nullopt;  // a late answer to an abandoned request
    if (!decoded->error.empty())
      Fail(stage, "the inspector answered with an error: " + InspectorErrorText(decoded->error),
           false);
    return decoded->result.empty() ? std::string("{}") : decoded->result;
  }
};

Session::Session(SessionOptions options) : impl_(std::make_unique<Impl>(options)) {}

Session::~Session() { Close(); }

void Session::SetAppMonitor(AppMonitor monitor) { impl_->monitor = std::move(monitor); }

bool Session::connected() const { return impl_->connected && !impl_->broken; }

void Session::Connect(const std::string& ws_url) {
  Impl& s = *impl_;
  const std::string stage = "cdp: connect";
  if (s.connected) throw HarnessError(stage, "already connected");
  WsUrl url = ParseWsUrl(ws_url);
  beast::error_code ec;
  auto address = asio::ip::make_address(url.host, ec);
  if (ec) throw HarnessError(stage, "not an IP address: " + url.host);
  milliseconds budget = s.options.connect_timeout;
  auto deadline = Clock::now() + budget;
  s.Run(stage, deadline, budget, [&](auto handler) {
    beast::get_lowest_layer(s.ws).async_connect(tcp::endpoint(address, url.port),
                                                std::move(handler));
  });
  s.ws.read_message_max(512u << 20);
  s.ws.auto_fragment(false);
  std::string host = url.host + ":" + std::to_string(url.port);
  s.Run(stage + " (WebSocket handshake)", deadline, budget,
        [&](auto handler) { s.ws.async_handshake(host, url.target, std::move(handler)); });
  s.connected = true;
  Call("HeapProfiler.enable");
}

void Session::Close() noexcept {
  Impl& s = *impl_;
  if (!s.connected) return;
  if (s.parent != nullptr) {  // a worker thread's: the parent's WebSocket is not ours to close
    s.connected = false;
    return;
  }
  s.connected = false;
  if (s.broken) return;
  try {
    auto deadline = Clock::now() + milliseconds(2000);
    s.Run("cdp: close", deadline, milliseconds(2000), [&](auto handler) {
      s.ws.async_close(websocket::close_code::normal, std::move(handler));
    });
  } catch (...) {
    // Closing is best effort: the app may be gone already.
  }
  beast::error_code ignored;
  beast::get_lowest_layer(s.ws).socket().close(ignored);
}

std::string Session::Call(std::string_view method, std::string_view params_json,
                          milliseconds timeout) {
  return impl_->Call(method, params_json, timeout, milliseconds(0), nullptr);
}

void Session::CollectGarbage() { Call("HeapProfiler.collectGarbage"); }

HeapUsage Session::GetHeapUsage() {
  std::string result = Call("Runtime.getHeapUsage");
  simdjson::padded_string json(result);
  simdjson::ondemand::parser parser;
  HeapUsage usage;
  simdjson::ondemand::document doc;
  double used = 0, total = 0;
  if (parser.iterate(json).get(doc) || doc["usedSize"].get_double().get(used) ||
      doc["totalSize"].get_double().get(total)) {
    throw HarnessError("cdp: Runtime.getHeapUsage", "unexpected result: " + result);
  }
  usage.used = static_cast<int64_t>(used);
  usage.total = static_cast<int64_t>(total);
  return usage;
}

RemoteValue Session::Evaluate(std::string_view expression, EvaluateOptions options) {
  const std::string stage = "cdp: Runtime.evaluate";
  std::string params =
      "{\"expression\":" + QuoteJson(expression) +
      ",\"returnByValue\":true,\"silent\":true,\"objectGroup\":" + QuoteJson(kObjectGroup) +
      ",\"awaitPromise\":" + (options.await_promise ? "true" : "false") +
      ",\"includeCommandLineAPI\":" + (options.include_command_line_api ? "true" : "false") + "}";
  std::string result = Call("Runtime.evaluate", params, options.timeout);
  Call("Runtime.releaseObjectGroup", "{\"objectGroup\":" + QuoteJson(kObjectGroup) + "}");

  simdjson::padded_string json(result);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(json).get(doc)) throw HarnessError(stage, "bad result: " + result);
  RemoteValue value;
  std::string exception;
  for (auto field : doc.get_object()) {
    std::string_view key;
    if (field.unescaped_key().get(key)) continue;
    if (key == "exceptionDetails") {
      std::string_view raw;
      if (!simdjson::to_json_string(field.value()).get(raw)) exception = raw;
      continue;
    }
    if (key != "result") continue;
    for (auto inner : field.value().get_object()) {
      std::string_view k, v;
      if (inner.unescaped_key().get(k)) continue;
      if (k == "type" && !inner.value().get_string().get(v))
        value.type = v;
      else if ((k == "value" || k == "unserializableValue") &&
               !simdjson::to_json_string(inner.value()).get(v))
        value.json = v;
    }
  }
  if (!exception.empty()) {
    simdjson::padded_string ex(exception);
    simdjson::ondemand::document exdoc;
    std::string_view text;
    std::string what = exception;
    if (!parser.iterate(ex).get(exdoc) &&
        !exdoc["exception"]["description"].get_string().get(text)) {
      what = text;
    }
    std::string shown(expression.substr(0, 80));
    throw HarnessError(stage,
                       "`" + shown + (expression.size() > 80 ? "…" : "") + "` threw: " + what);
  }
  while (!value.json.empty() && (value.json.back() == ' ' || value.json.back() == '\n'))
    value.json.pop_back();
  if (value.json.empty()) value.json = "null";
  return value;
}

SnapshotFile Session::TakeHeapSnapshot(const std::filesystem::path& path) {
  const std::string stage = "cdp: HeapProfiler.takeHeapSnapshot";
  std::filesystem::path part = path;
  part += ".part";
  int fd =
      ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);  // the app's memory
  if (fd < 0)
    throw HarnessError(stage, "cannot write " + part.string() + ": " + std::strerror(errno));
  UnescapingWriter writer(fd);
  SnapshotFile out{path, 0, 0};
  auto on_event = [&](std::string_view message, std::string_view method) {
    if (method != "HeapProfiler.addHeapSnapshotChunk") return;  // progress events just wake us
    ++out.chunks;
    if (auto body = EscapedSnapshotChunk(message)) {
      if (!writer.AppendEscaped(*body))
        impl_->Fail(stage, "malformed escape in a snapshot chunk", false);
      if (IsDiskFull(writer.error())) ThrowDiskFull(path, writer.error(), "leakcheck");
      return;
    }
    // Unusual layout: let simdjson find and unescape the chunk.
    std::string problem;
    auto chunk = impl_->messages.SnapshotChunk(message, &problem);
    if (!chunk) impl_->Fail(stage, problem, false);
    writer.AppendRaw(*chunk);
  };
  try {
    impl_->Call("HeapProfiler.takeHeapSnapshot", R"({"reportProgress":true})",
                impl_->options.snapshot_idle_timeout, impl_->options.snapshot_idle_timeout,
                on_event);
    if (!writer.Close()) {
      if (IsDiskFull(writer.error())) ThrowDiskFull(path, writer.error(), "leakcheck");
      throw HarnessError(stage, "writing " + part.string() + ": " + std::strerror(writer.error()));
    }
    std::filesystem::rename(part, path);
  } catch (...) {
    writer.Close();
    std::error_code ignored;
    std::filesystem::remove(part, ignored);
    throw;
  }
  out.bytes = writer.bytes();
  return out;
}

SnapshotFile Session::WriteHeapSnapshotInApp(const std::filesystem::path& path) {
  const std::string stage = "cdp: v8.writeHeapSnapshot";
  std::filesystem::path target = std::filesystem::absolute(path);
  std::filesystem::path part = target;
  part += ".part";
  EvaluateOptions options;
  options.include_command_line_api = true;
  options.timeout = impl_->options.app_snapshot_timeout;
  try {
    Evaluate("require('v8').writeHeapSnapshot(" + QuoteJson(part.string()) + ")", options);
    std::filesystem::rename(part, target);
  } catch (const Error& e) {
    std::error_code ignored;
    std::filesystem::remove(part, ignored);
    if (int err = DiskFullErrno(e.detail())) ThrowDiskFull(target, err, "the app's V8");
    throw HarnessError(stage, e.detail());
  } catch (const std::filesystem::filesystem_error& e) {
    std::error_code ignored;
    std::filesystem::remove(part, ignored);
    throw HarnessError(stage, e.what());
  }
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(target, ec);
  return SnapshotFile{target, ec ? 0 : size, 0};
}

std::vector<WorkerInfo> Session::AttachWorkers() {
  Impl& s = *impl_;
  if (!s.workers_enabled) {
    s.Call("NodeWorker.enable", R"({"waitForDebuggerOnStart":false})", milliseconds(0),
           milliseconds(0), nullptr);
    s.workers_enabled = true;
  }
  // The attach events may follow the response: one more round trip collects them.
  s.Call("Runtime.getHeapUsage", "{}", milliseconds(0), milliseconds(0), nullptr);
  std::vector<WorkerInfo> out;
  for (WorkerInfo& w : s.attached)
    if (!s.Detached(w.session_id)) out.push_back(std::move(w));
  s.attached.clear();
  return out;
}

bool Session::WorkerEnded(const WorkerInfo& worker) {
  if (impl_->Detached(worker.session_id)) return true;
  try {  // its detach event may still be on the way: one round trip collects it
    impl_->Call("Runtime.getHeapUsage", "{}", milliseconds(0), milliseconds(0), nullptr);
  } catch (const Error&) {
    return false;  // this session failed: the thread did not end on its own
  }
  return impl_->Detached(worker.session_id);
}

std::unique_ptr<Session> Session::AttachToWorker(const WorkerInfo& worker) {
  auto session = std::make_unique<Session>(impl_->options);
  session->impl_->parent = impl_.get();
  session->impl_->worker_session = worker.session_id;
  session->impl_->connected = true;
  session->Call("HeapProfiler.enable");
  return session;
}

void Session::StartSampling(int64_t interval_bytes) {
  Call("HeapProfiler.startSampling",
       "{\"samplingInterval\":" + std::to_string(interval_bytes) + "}");
}

SamplingProfile Session::GetSamplingProfile() {
  return ParseSamplingProfile(Call("HeapProfiler.getSamplingProfile"));
}

SamplingProfile Session::StopSampling() {
  return ParseSamplingProfile(Call("HeapProfiler.stopSampling"));
}

}  // namespace leakcheck::cdp
