// GCC 12 reports false -Wmaybe-uninitialized positives inside Beast's basic_parser (a
// boost::optional temporary) when the sanitizers are on; they are not in this file's code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "harness/load/driver.h"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <random>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/read.hpp>

#include "harness/common/error.h"
#include "harness/common/interrupt.h"
#include "harness/common/redact.h"
#include "harness/load/json_capture.h"

namespace leakcheck::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using config::Template;

constexpr auto kWatchdogTick = std::chrono::milliseconds(10);
// A connection idle for longer than this is checked for a server-side close before reuse.
constexpr auto kIdleCheckAfter = std::chrono::milliseconds(20);
// A request on a connection idle at least this long is retried once when the server closed the
// connection before any byte of a response (docs/verdicts.md, "the driver").
constexpr auto kRetryIdleAfter = std::chrono::seconds(1);

// Parses one response without storing headers: status, one wanted header, body into a string.
class ResponseParser : public http::basic_parser<false> {
 public:
  ResponseParser(std::string& body, std::string_view wanted_header)
      : body_(body), wanted_header_(wanted_header) {
    body_.clear();
    body_limit(kMaxResponseBody);
  }

  int status = 0;
  bool header_found = false;
  std::string header_value;

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override { status = code; }
  void on_field_impl(http::field field, beast::string_view name, beast::string_view value,
                     error_code&) override {
    // Session cookies the app hands out are secrets in whatever leakcheck writes later.
    if (field == http::field::set_cookie)
      redact::Global().AddHeaderValue({value.data(), value.size()});
    if (!wanted_header_.empty() && beast::iequals(name, wanted_header_)) {
      header_found = true;
      header_value.assign(value.data(), value.size());
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) body_.reserve(static_cast<size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view s, error_code&) override {
    body_.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view s, error_code&) override {
    body_.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(error_code&) override {}

  std::string& body_;
  std::string_view wanted_header_;
};

struct VirtualUser {
  VirtualUser(asio::io_context& ioc, int vu_id, uint64_t seed)
      : id(vu_id), socket(ioc), timer(ioc), rng(seed) {}

  int id;
  tcp::socket socket;
  asio::steady_timer timer;
  bool connected = false;
  Clock::time_point last_used{};
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  bool iteration_failed = false;
  beast::flat_buffer buffer;
  std::string request;
  std::string body;
  std::string scratch;
  std::string uuid;
  config::Variables captures;
  std::mt19937_64 rng;
  JsonCapturer json;
};

struct TargetUrl {
  std::string host;
  std::string port;
  std::string base_path;  // without a trailing '/'
};

TargetUrl ParseTarget(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    throw HarnessError("load", fmt::format("target `{}` must start with http://", url));
  }
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  TargetUrl target;
  target.base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!target.base_path.empty() && target.base_path.back() == '/') target.base_path.pop_back();
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos || colon + 1 == authority.size() || authority.back() == ']') {
    if (colon != std::string::npos && colon + 1 == authority.size()) {
      throw HarnessError("load", fmt::format("target `{}` has no port (is app.port set?)", url));
    }
    target.host = authority;
    target.port = "80";
  } else {
    target.host = authority.substr(0, colon);
    target.port = authority.substr(colon + 1);
  }
  if (target.host.size() > 2 && target.host.front() == '[') {
    target.host = target.host.substr(1, target.host.size() - 2);
  }
  if (target.host.empty()) throw HarnessError("load", fmt::format("target `{}` has no host", url));
  return target;
}

bool UsesUuid(const Template& t) {
  for (const config::TemplatePart& part : t.parts()) {
    if (part.kind == config::TemplatePart::Kind::kUuid) return true;
  }
  return false;
}

// True when any template of the flow (or the default headers) uses {{ $uuid }}; a UUID is then
// made per iteration, otherwise never.
bool FlowUsesUuid(const std::vector<config::Step>& flow, const config::Defaults& defaults) {
  for (const config::Header& h : defaults.headers) {
    if (UsesUuid(h.value)) return true;
  }
  for (const config::Step& step : flow) {
    if (step.kind == config::Step::Kind::kLoop && FlowUsesUuid(step.loop.flow, {})) return true;
    if (step.kind != config::Step::Kind::kRequest) continue;
    const config::RequestStep& r = step.request;
    if (UsesUuid(r.url) || (r.body && UsesUuid(*r.body)) ||
        (r.expect.contains && UsesUuid(*r.expect.contains)) ||
        (r.expect.header_equals && UsesUuid(*r.expect.header_equals))) {
      return true;
    }
    for (const config::Header& h : r.headers) {
      if (UsesUuid(h.value)) return true;
    }
  }
  return false;
}

bool HasHeader(const std::vector<config::Header>& headers, std::string_view name) {
  for (const config::Header& h : headers) {
    if (beast::iequals(h.name, name)) return true;
  }
  return false;
}

// True when the server closed (or reset) an idle connection, or sent something unasked.
bool PeerClosed(tcp::socket& socket) {
  char c = 0;
  ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  return true;
}

// The errors of a connection the peer closed or reset.
bool ClosedByPeer(const error_code& ec) {
  return ec == asio::error::eof || ec == http::error::end_of_stream ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

}  // namespace

class Driver::Impl {
 public:
  Impl(const config::ScenarioFile& file, const config::Scenario& scenario, DriverOptions options)
      : target_template_(file.target.value),
        defaults_(file.defaults),
        scenario_(scenario),
        uses_uuid_(FlowUsesUuid(scenario.flow, file.defaults)),
        watchdog_(ioc_) {
    int concurrency =
        options.concurrency > 0 ? options.concurrency : scenario.run.concurrency.value;
    if (options.rate) {
      rate_ = options.rate;
    } else if (!options.ignore_scenario_rate && scenario.run.rate) {
      rate_ = scenario.run.rate->value;
    }
    std::mt19937_64 seeder(options.seed);
    for (int i = 0; i < concurrency; ++i) {
      vus_.push_back(std::make_unique<VirtualUser>(ioc_, i, seeder()));
    }
    total_.routes = EmptyRoutes();
  }

  ~Impl() { CloseConnections(); }

  void SetVariable(std::string_view name, std::string value) {
    globals_.Set(name, std::move(value));
    target_ready_ = false;
  }

  void SetTarget(std::string url) {
    target_template_ = Template::Literal(url);
    target_ready_ = false;
  }

  Stats Run(int64_t iterations, std::optional<config::Duration> duration) {
    PrepareTarget();
    stats_ = Stats();
    stats_.routes = EmptyRoutes();
    DropStaleConnections();
    batch_first_ = next_iteration_;
    limit_ = duration ? INT64_MAX : next_iteration_ + std::max<int64_t>(iterations, 0);
    batch_start_ = Clock::now();
    end_time_ = duration ? std::optional(batch_start_ + *duration) : std::nullopt;
    active_ = static_cast<int>(vus_.size());
    for (auto& vu : vus_) asio::co_spawn(ioc_, VuLoop(*vu), asio::detached);
    asio::co_spawn(ioc_, Watchdog(), asio::detached);
    ioc_.run();
    ioc_.restart();
    stats_.elapsed_seconds = std::chrono::duration<double>(Clock::now() - batch_start_).count();
    total_.Merge(stats_);
    return stats_;
  }

  void CloseConnections() {
    for (auto& vu : vus_) Disconnect(*vu);
  }

  const Stats& total() const { return total_; }
  int64_t next_iteration() const { return next_iteration_; }
  const std::string& target() const { return target_url_; }

 private:
  std::vector<RouteStats> EmptyRoutes() const {
    std::vector<RouteStats> routes(scenario_.routes.size());
    for (size_t i = 0; i < routes.size(); ++i) routes[i].route = scenario_.routes[i];
    return routes;
  }

  void PrepareTarget() {
    if (target_ready_) return;
    config::RenderContext context;
    context.globals = &globals_;
    target_url_ = target_template_.Render(context);
    TargetUrl target = ParseTarget(target_url_);
    error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(target.host, target.port, ec);
    if (ec || results.empty()) {
      throw HarnessError("load",
                         fmt::format("cannot resolve target `{}`: {}", target_url_, ec.message()));
    }
    endpoint_ = results.begin()->endpoint();
    host_header_ = target.host + ":" + target.port;
    base_path_ = target.base_path;
    target_ready_ = true;
    CloseConnections();
  }

  // The server may have closed idle keep-alive connections while the caller measured.
  void DropStaleConnections() {
    for (auto& vu : vus_) {
      if (vu->connected && PeerClosed(vu->socket)) {
        Disconnect(*vu);
        ++stats_.server_closes;
      }
    }
  }

  void Disconnect(VirtualUser& vu) {
    error_code ec;
    if (vu.socket.is_open()) {
      vu.socket.shutdown(tcp::socket::shutdown_both, ec);
      vu.socket.close(ec);
    }
    vu.connected = false;
    vu.buffer.clear();
  }

  // Hands out the next iteration number, or nothing when the batch is over.
  std::optional<int64_t> NextIteration() {
    if (InterruptRequested()) return std::nullopt;  // the user pressed Ctrl-C: end the batch now
    if (end_time_ ? Clock::now() >= *end_time_ : next_iteration_ >= limit_) return std::nullopt;
    return next_iteration_++;
  }

  asio::awaitable<void> VuLoop(VirtualUser& vu) {
    while (auto iteration = NextIteration()) {
      if (rate_) co_await Pace(vu, *iteration);
      co_await RunIteration(vu, *iteration);
    }
    if (--active_ == 0) watchdog_.cancel();
  }

  asio::awaitable<void> Pace(VirtualUser& vu, int64_t iteration) {
    auto offset =
        std::chrono::duration<double>(static_cast<double>(iteration - batch_first_) / *rate_);
    auto at = batch_start_ + std::chrono::duration_cast<Clock::duration>(offset);
    if (at <= Clock::now()) co_return;
    error_code ec;
    vu.timer.expires_at(at);
    co_await vu.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> RunIteration(VirtualUser& vu, int64_t iteration) {
    if (uses_uuid_) vu.uuid = config::MakeUuid(vu.rng);
    vu.iteration_failed = false;
    config::RenderContext context;
    context.iteration = iteration;
    context.vu = vu.id;
    context.uuid = vu.uuid;
    context.rng = &vu.rng;
    context.variables = &vu.captures;
    context.globals = &globals_;
    co_await RunSteps(vu, scenario_.flow, context);
    ++stats_.iterations;
    if (vu.iteration_failed) ++stats_.failed_iterations;
  }

  // Returns false when the iteration must be abandoned (a later step could not work).
  asio::awaitable<bool> RunSteps(VirtualUser& vu, const std::vector<config::Step>& steps,
                                 const config::RenderContext& context) {
    for (const config::Step& step : steps) {
      switch (step.kind) {
        case config::Step::Kind::kRequest:
          if (!co_await Request(vu, step.request, context)) co_return false;
          break;
        case config::Step::Kind::kThink: {
          error_code ec;
          vu.timer.expires_after(step.think);
          co_await vu.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          break;
        }
        case config::Step::Kind::kLoop:
          for (int64_t i = 1; i <= step.loop.count.value; ++i) {
            config::RenderContext inner = context;
            inner.loop_count = i;
            if (!co_await RunSteps(vu, step.loop.flow, inner)) co_return false;
          }
          break;
      }
    }
    co_return true;
  }

  void BuildRequest(VirtualUser& vu, const config::RequestStep& step,
                    const config::RenderContext& context) {
    std::string& out = vu.request;
    out.clear();
    out += config::MethodName(step.method);
    out += ' ';
    out += base_path_;
    step.url.RenderTo(context, out);
    out += " HTTP/1.1\r\nHost: ";
    out += host_header_;
    out += "\r\n";
    for (const config::Header& h : defaults_.headers) {
      if (HasHeader(step.headers, h.name)) continue;
      out += h.name;
      out += ": ";
      h.value.RenderTo(context, out);
      out += "\r\n";
    }
    for (const config::Header& h : step.headers) {
      out += h.name;
      out += ": ";
      h.value.RenderTo(context, out);
      out += "\r\n";
    }
    if (step.body) {
      vu.scratch.clear();
      step.body->RenderTo(context, vu.scratch);
      if (step.json_body && !HasHeader(step.headers, "content-type") &&
          !HasHeader(defaults_.headers, "content-type")) {
        out += "Content-Type: application/json\r\n";
      }
      fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n\r\n", vu.scratch.size());
      out += vu.scratch;
    } else {
      out += "\r\n";
    }
  }

  void Fail(VirtualUser& vu, RouteStats& route, ErrorKind kind) {
    ++stats_.errors[static_cast<size_t>(kind)];
    ++stats_.failed_requests;
    ++route.failed;
    vu.iteration_failed = true;
    Disconnect(vu);
  }

  // Sends one request and checks its response. Returns false to abandon the iteration.
  asio::awaitable<bool> Request(VirtualUser& vu, const config::RequestStep& step,
                                const config::RenderContext& context) {
    // Yield once before sending, so the responses that arrived together are all read before
    // the next requests go out together: the server then wakes once for a batch instead of
    // once per request (wrk sends from the next event-loop turn for the same reason).
    co_await asio::post(ioc_, asio::use_awaitable);
    BuildRequest(vu, step, context);
    RouteStats& route = stats_.routes[static_cast<size_t>(step.route)];
    ++stats_.requests;
    ++route.requests;
    const Clock::time_point start = Clock::now();
    vu.deadline = start + step.timeout.value_or(defaults_.timeout.value);
    vu.timed_out = false;
    error_code ec;
    if (vu.connected && start - vu.last_used > kIdleCheckAfter && PeerClosed(vu.socket)) {
      Disconnect(vu);
      ++stats_.server_closes;
    }
    // A connection idle this long may be closed by the server's keep-alive timer at the moment
    // the request arrives (a checkpoint paused the app past its keepAliveTimeout, and its
    // overdue timers fire before it reads): that failure is the harness's, so it is retried once.
    bool may_retry = vu.connected && start - vu.last_used >= kRetryIdleAfter;
    const config::Expect& expect = step.expect;
    std::optional<ResponseParser> parser;
    for (;;) {
      if (!vu.connected) {
        co_await vu.socket.async_connect(endpoint_, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          vu.deadline = Clock::time_point::max();
          Fail(vu, route, vu.timed_out ? ErrorKind::kTimeout : ErrorKind::kConnect);
          co_return false;
        }
        vu.socket.set_option(tcp::no_delay(true), ec);
        vu.connected = true;
        ++stats_.connections_opened;
      }
      parser.emplace(vu.body, expect.header ? std::string_view(*expect.header) : "");
      if (step.method == config::Method::kHead) parser->skip(true);
      co_await asio::async_write(vu.socket, asio::buffer(vu.request),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        co_await http::async_read(vu.socket, vu.buffer, *parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!may_retry || !ec || vu.timed_out || parser->got_some() || !ClosedByPeer(ec)) break;
      may_retry = false;
      Disconnect(vu);
      vu.buffer.clear();
      ++stats_.server_closes;
    }
    vu.deadline = Clock::time_point::max();
    const Clock::time_point end = Clock::now();
    // The watchdog may have closed the socket between the read finishing and this resuming.
    if (ec || vu.timed_out) {
      Fail(vu, route,
           vu.timed_out                    ? ErrorKind::kTimeout
           : ec == http::error::body_limit ? ErrorKind::kBodyTooLarge
                                           : ErrorKind::kClosed);
      co_return false;
    }
    const ResponseParser& response = *parser;
    vu.last_used = end;
    ++stats_.responses;
    stats_.latency.Record(
        std::chrono::duration_cast<std::chrono::microseconds>(end - start).count());
    ++stats_.status_classes[static_cast<size_t>(std::clamp(response.status / 100, 0, 5))];
    if (!response.keep_alive()) {
      Disconnect(vu);
      ++stats_.server_closes;
    }
    co_return CheckResponse(vu, step, response, route, context);
  }

  bool CheckResponse(VirtualUser& vu, const config::RequestStep& step, const ResponseParser& parser,
                     RouteStats& route, const config::RenderContext& context) {
    const config::Expect& expect = step.expect;
    bool failed = false;
    bool status_ok = expect.statuses.empty()
                         ? parser.status < 400
                         : std::find(expect.statuses.begin(), expect.statuses.end(),
                                     parser.status) != expect.statuses.end();
    if (!status_ok) {
      ++stats_.errors[static_cast<size_t>(ErrorKind::kStatus)];
      failed = true;
    }
    bool expectation_ok = true;
    if (expect.header) {
      expectation_ok =
          parser.header_found &&
          (!expect.header_equals || parser.header_value == expect.header_equals->Render(context));
    }
    if (expect.contains && vu.body.find(expect.contains->Render(context)) == std::string::npos) {
      expectation_ok = false;
    }
    if (!expectation_ok) {
      ++stats_.errors[static_cast<size_t>(ErrorKind::kExpectation)];
      failed = true;
    }
    bool captured = Capture(vu, step);
    if (!captured) {
      ++stats_.errors[static_cast<size_t>(ErrorKind::kCapture)];
      failed = true;
    }
    if (failed) {
      ++stats_.failed_requests;
      ++route.failed;
      vu.iteration_failed = true;
    }
    return captured;
  }

  bool Capture(VirtualUser& vu, const config::RequestStep& step) {
    if (step.captures.empty()) return true;
    if (!vu.json.Parse(vu.body)) return false;
    for (const config::Capture& capture : step.captures) {
      auto value = vu.json.Find(capture.json);
      if (!value) return false;
      if (capture.secret) redact::Global().AddSecret(*value);
      vu.captures.Set(capture.as.value, std::move(*value));
    }
    return true;
  }

  asio::awaitable<void> Watchdog() {
    while (active_ > 0) {
      error_code ec;
      watchdog_.expires_after(kWatchdogTick);
      co_await watchdog_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      const Clock::time_point now = Clock::now();
      if (InterruptRequested()) {
        // Abort what is in flight and any think/pacing wait: the batch ends within a tick.
        for (auto& vu : vus_) {
          vu->timer.cancel();
          if (vu->deadline != Clock::time_point::max()) vu->socket.close(ec);
        }
      }
      for (auto& vu : vus_) {
        if (vu->deadline < now && !vu->timed_out) {
          // Closing the socket aborts the pending connect/write/read of that request.
          vu->timed_out = true;
          vu->socket.close(ec);
        }
      }
    }
  }

  asio::io_context ioc_{1};
  Template target_template_;
  config::Defaults defaults_;
  config::Scenario scenario_;
  config::Variables globals_;
  bool uses_uuid_ = false;
  std::optional<double> rate_;
  std::vector<std::unique_ptr<VirtualUser>> vus_;
  asio::steady_timer watchdog_;

  bool target_ready_ = false;
  std::string target_url_;
  tcp::endpoint endpoint_;
  std::string host_header_;
  std::string base_path_;

  // The batch. One thread runs every coroutine, so plain counters are exact: the iteration
  // counter hands out each number once and the batch stops at exactly `limit_`.
  Stats stats_;
  Stats total_;
  int64_t next_iteration_ = 0;
  int64_t batch_first_ = 0;
  int64_t limit_ = 0;
  Clock::time_point batch_start_;
  std::optional<Clock::time_point> end_time_;
  int active_ = 0;
};

Driver::Driver(const config::ScenarioFile& file, const config::Scenario& scenario,
               DriverOptions options)
    : impl_(std::make_unique<Impl>(file, scenario, options)) {}
Driver::~Driver() = default;

void Driver::SetVariable(std::string_view name, std::string value) {
  impl_->SetVariable(name, std::move(value));
}
void Driver::SetTarget(std::string url) { impl_->SetTarget(std::move(url)); }
Stats Driver::RunIterations(int64_t n) { return impl_->Run(n, std::nullopt); }
Stats Driver::RunFor(config::Duration duration) { return impl_->Run(0, duration); }
const Stats& Driver::total() const { return impl_->total(); }
int64_t Driver::next_iteration() const { return impl_->next_iteration(); }
const std::string& Driver::target() const { return impl_->target(); }
void Driver::CloseConnections() { impl_->CloseConnections(); }

}  // namespace leakcheck::load
