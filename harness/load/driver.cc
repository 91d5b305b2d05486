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
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <re2/re2.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "harness/common/error.h"
#include "harness/common/interrupt.h"
#include "harness/common/redact.h"
#include "harness/config/attach.h"
#include "harness/load/cookie_jar.h"
#include "harness/load/driver_internal.h"
#include "harness/load/json_capture.h"
#include "harness/load/request_text.h"

namespace leakcheck::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using config::Template;
using internal::FlowUsesUuid;
using internal::ParseTarget;
using internal::PlanFlow;
using internal::ResponseParser;
using internal::StepPlan;
using internal::TargetUrl;

constexpr auto kWatchdogTick = std::chrono::milliseconds(10);
// A connection idle for longer than this is checked for a server-side close before reuse.
constexpr auto kIdleCheckAfter = std::chrono::milliseconds(20);
// A request on a connection idle at least this long is retried once when the server closed the
// connection before any byte of a response (docs/verdicts.md, "the driver").
constexpr auto kRetryIdleAfter = std::chrono::seconds(1);

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

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
  std::string path;  // the request target of the current request (after redirects)
  std::string uuid;
  std::vector<std::string> set_cookies;
  CookieJar cookies;
  config::Variables captures;
  std::mt19937_64 rng;
  JsonCapturer json;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;  // https targets: over `socket`
};

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
      : target_template_(file.app.attached() && file.target.location.line == 0
                             ? Template::Literal(file.app.url.value)  // attach mode's default
                             : file.target.value),
        defaults_(file.defaults),
        scenario_(scenario),
        before_(file.before),
        after_(file.after),
        flow_seed_(options.seed),
        watchdog_(ioc_) {
    tls_ca_ = file.app.tls_ca.value;
    tls_insecure_ = file.app.tls_insecure.value;
    // One flow, or the weighted `flows:` (each iteration picks one: PickFlow).
    if (scenario_.flows.empty()) {
      flows_.push_back(&scenario_.flow);
      weights_.push_back(1);
    }
    for (const config::WeightedFlow& w : scenario_.flows) {
      flows_.push_back(&w.flow);
      weights_.push_back(w.weight.value);
    }
    flow_iterations_.assign(flows_.size(), 0);
    for (int w : weights_) total_weight_ += w;
    for (const auto* flow : flows_) {
      PlanFlow(*flow, &plans_);
      uses_uuid_ = uses_uuid_ || FlowUsesUuid(*flow, file.defaults);
    }
    for (const config::OnceFlow* once : {&before_, &after_}) {
      PlanFlow(once->flow, &plans_);
      uses_uuid_ = uses_uuid_ || FlowUsesUuid(once->flow, file.defaults);
    }
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

  // `before:` / `after:`: the flow once, by virtual user 0, outside the batches' stats. What it
  // captures becomes a global every virtual user sees (Artillery's `before` behaviour).
  Stats RunOnce(const config::OnceFlow& once) {
    if (once.flow.empty()) return {};
    PrepareTarget();
    stats_ = Stats();
    for (const std::string& r : once.routes) stats_.routes.push_back({r});
    DropStaleConnections();
    batch_start_ = Clock::now();
    end_time_.reset();
    VirtualUser& vu = *vus_.front();
    const config::Variables kept = vu.captures;
    active_ = 1;
    asio::co_spawn(
        ioc_,
        [this, &vu, &once]() -> asio::awaitable<void> {
          vu.iteration_failed = false;
          config::RenderContext context;
          context.rng = &vu.rng;
          context.variables = &vu.captures;
          context.globals = &globals_;
          if (uses_uuid_) context.uuid = vu.uuid = config::MakeUuid(vu.rng);
          co_await RunSteps(vu, once.flow, context);
          ++stats_.iterations;
          if (vu.iteration_failed) ++stats_.failed_iterations;
          if (--active_ == 0) watchdog_.cancel();
        },
        asio::detached);
    asio::co_spawn(ioc_, Watchdog(), asio::detached);
    ioc_.run();
    ioc_.restart();
    stats_.elapsed_seconds = std::chrono::duration<double>(Clock::now() - batch_start_).count();
    for (const auto& [name, value] : vu.captures.entries()) {
      bool json = false;
      vu.captures.Find(name, &json);
      globals_.Set(name, value, json);
    }
    vu.captures = kept;
    return stats_;
  }
  Stats RunBefore() { return RunOnce(before_); }
  Stats RunAfter() { return RunOnce(after_); }

  std::vector<FlowShare> FlowShares() const {
    std::vector<FlowShare> out;
    if (scenario_.flows.empty()) return out;
    for (size_t i = 0; i < flows_.size(); ++i)
      out.push_back({scenario_.flows[i].name.value, weights_[i], flow_iterations_[i]});
    return out;
  }
  uint64_t flow_seed() const { return flow_seed_; }

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
    host_ = target.host;
    base_path_ = target.base_path;
    scheme_ = target.tls ? "https" : "http";
    CloseConnections();
    tls_.reset();
    if (target.tls) tls_ = internal::MakeTlsContext(host_, tls_ca_, tls_insecure_);
    target_ready_ = true;
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
    vu.tls.reset();  // no close_notify: the socket is closed at once, as for http
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
    const size_t flow = PickFlow(iteration);
    ++flow_iterations_[flow];
    co_await RunSteps(vu, *flows_[flow], context);
    ++stats_.iterations;
    if (vu.iteration_failed) ++stats_.failed_iterations;
  }

  // The weighted flow of `iteration`: a function of the seed and the iteration number only, so
  // a run picks the same flows whatever the virtual users' interleaving (SplitMix64).
  size_t PickFlow(int64_t iteration) const {
    if (flows_.size() == 1) return 0;
    uint64_t z = flow_seed_ + 0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(iteration) + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    int64_t pick = static_cast<int64_t>(z % static_cast<uint64_t>(total_weight_));
    for (size_t i = 0; i < weights_.size(); ++i) {
      if (pick < weights_[i]) return i;
      pick -= weights_[i];
    }
    return weights_.size() - 1;
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

  // Serializes the request for `vu.path` into vu.request; the body (vu.scratch) and its
  // content type were rendered once for the step (redirects resend them or drop them).
  void BuildRequest(VirtualUser& vu, const config::RequestStep& step, config::Method method,
                    const config::RenderContext& context, std::string_view content_type,
                    bool has_body) {
    std::string& out = vu.request;
    out.clear();
    out += config::MethodName(method);
    out += ' ';
    out += vu.path;
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
    // The jar's cookies and `cookie:` in one Cookie header, unless the step or the defaults
    // write the header themselves.
    if (!HasHeader(step.headers, "cookie") && !HasHeader(defaults_.headers, "cookie")) {
      const size_t mark = out.size();
      out += "Cookie: ";
      const size_t empty = out.size();
      vu.cookies.AppendCookieHeader(vu.path.substr(base_path_.size()), out);
      for (const config::NamedValue& c : step.cookies) {
        if (out.size() > empty) out += "; ";
        out += c.name;
        out += '=';
        c.value.RenderTo(context, out);
      }
      if (out.size() == empty) {
        out.resize(mark);
      } else {
        out += "\r\n";
      }
    }
    if (has_body) {
      if (!content_type.empty() && !HasHeader(step.headers, "content-type") &&
          !HasHeader(defaults_.headers, "content-type")) {
        out += "Content-Type: ";
        out += content_type;
        out += "\r\n";
      }
      fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n\r\n", vu.scratch.size());
      out += vu.scratch;
    } else {
      out += "\r\n";
    }
  }

  // The request target of a redirect's Location on the app's host (driver_internal.cc).
  std::optional<std::string> RedirectTarget(std::string_view location, const std::string& current) {
    return internal::ResolveOnTarget(scheme_, host_header_, location, current);
  }

  // Counts a failed request; `reason` is the transport's message, kept once per kind.
  void Fail(VirtualUser& vu, RouteStats& route, ErrorKind kind, std::string_view reason = {}) {
    if (!reason.empty()) route.KeepReason(kind, reason);
    ++stats_.errors[static_cast<size_t>(kind)];
    ++route.errors[static_cast<size_t>(kind)];
    ++stats_.failed_requests;
    ++route.failed;
    vu.iteration_failed = true;
    Disconnect(vu);
  }

  // Sends one request (following redirects) and checks the last response. Returns false to
  // abandon the iteration.
  asio::awaitable<bool> Request(VirtualUser& vu, const config::RequestStep& step,
                                const config::RenderContext& context) {
    // Yield once before sending, so the responses that arrived together are all read before
    // the next requests go out together: the server then wakes once for a batch instead of
    // once per request (wrk sends from the next event-loop turn for the same reason).
    co_await asio::post(ioc_, asio::use_awaitable);
    const StepPlan& plan = plans_.at(&step);
    vu.path.clear();
    RenderRequestTarget(step, context, base_path_, vu.path);
    const bool absolute = vu.path.compare(base_path_.size(), 7, "http://") == 0 ||
                          vu.path.compare(base_path_.size(), 8, "https://") == 0;
    bool has_body = false;
    const std::string content_type =
        RenderRequestBody(step, context, vu.rng, vu.scratch, &has_body);
    config::Method method = step.method;
    RouteStats& route = stats_.routes[static_cast<size_t>(step.route)];
    ++stats_.requests;
    ++route.requests;
    if (absolute) {
      // An absolute URL to the app's own scheme, host and port is sent as its path; any other
      // host cannot be: the driver has one endpoint (counted as a connect error).
      std::optional<std::string> path = RedirectTarget(vu.path.substr(base_path_.size()), "/");
      if (!path) {
        Fail(vu, route, ErrorKind::kConnect,
             "an absolute URL to another host than the target's (the driver has one endpoint)");
        co_return false;
      }
      vu.path = std::move(*path);
    }
    const Clock::time_point start = Clock::now();
    // One deadline for the request and the redirects it follows.
    vu.deadline = start + step.timeout.value_or(defaults_.timeout.value);
    vu.timed_out = false;
    std::optional<ResponseParser> parser;
    for (int hop = 0;; ++hop) {
      BuildRequest(vu, step, method, context, content_type, has_body);
      error_code ec = co_await Exchange(vu, method, plan, parser);
      // The watchdog may have closed the socket between the read finishing and this resuming.
      if (ec || vu.timed_out) {
        vu.deadline = Clock::time_point::max();
        const ErrorKind kind = vu.timed_out                    ? ErrorKind::kTimeout
                               : ec == http::error::body_limit ? ErrorKind::kBodyTooLarge
                               : !parser                       ? ErrorKind::kConnect
                                                               : ErrorKind::kClosed;
        Fail(vu, route, kind,
             kind == ErrorKind::kConnect || kind == ErrorKind::kClosed ? ec.message()
                                                                       : std::string());
        co_return false;
      }
      vu.last_used = Clock::now();
      for (const std::string& set_cookie : vu.set_cookies)
        vu.cookies.Store(set_cookie, host_, std::string_view(vu.path).substr(base_path_.size()));
      if (!parser->keep_alive()) {
        Disconnect(vu);
        ++stats_.server_closes;
      }
      if (!step.follow_redirect || !IsRedirect(parser->status) || parser->location.empty()) break;
      std::optional<std::string> next = RedirectTarget(parser->location, vu.path);
      if (!next || hop == config::kMaxRedirects) {
        vu.deadline = Clock::time_point::max();
        ++stats_.responses;
        Fail(vu, route, ErrorKind::kRedirect);
        co_return false;
      }
      ++stats_.redirects;
      vu.path = std::move(*next);
      // 303, and 301/302 after a POST, continue as GET without the body (RFC 9110 15.4; what
      // browsers and got do); 307/308 repeat the method and body.
      if (parser->status == 303 || (parser->status <= 302 && method == config::Method::kPost)) {
        if (method != config::Method::kHead) method = config::Method::kGet;
        has_body = false;
      }
    }
    vu.deadline = Clock::time_point::max();
    const ResponseParser& response = *parser;
    ++stats_.responses;
    stats_.latency.Record(
        std::chrono::duration_cast<std::chrono::microseconds>(vu.last_used - start).count());
    ++stats_.status_classes[static_cast<size_t>(std::clamp(response.status / 100, 0, 5))];
    route.CountStatus(response.status);
    co_return CheckResponse(vu, step, plan, response, route, context);
  }

  // One exchange on the virtual user's connection: connect if needed, write vu.request, read
  // the response into `parser` (left empty when the connection could not be made).
  asio::awaitable<error_code> Exchange(VirtualUser& vu, config::Method method, const StepPlan& plan,
                                       std::optional<ResponseParser>& parser) {
    const Clock::time_point start = Clock::now();
    error_code ec;
    parser.reset();
    if (vu.connected && start - vu.last_used > kIdleCheckAfter && PeerClosed(vu.socket)) {
      Disconnect(vu);
      ++stats_.server_closes;
    }
    // A connection idle this long may be closed by the server's keep-alive timer at the moment
    // the request arrives (a checkpoint paused the app past its keepAliveTimeout, and its
    // overdue timers fire before it reads): that failure is the harness's, so it is retried once.
    bool may_retry = vu.connected && start - vu.last_used >= kRetryIdleAfter;
    for (;;) {
      if (!vu.connected) {
        co_await vu.socket.async_connect(endpoint_, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return ec;
        vu.socket.set_option(tcp::no_delay(true), ec);
        if (tls_) {
          vu.tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(vu.socket, *tls_);
          // SNI for names (not addresses), and the certificate must name the target's host.
          error_code not_ip;
          asio::ip::make_address(host_, not_ip);
          if (not_ip)  // SSL_set_tlsext_host_name, without the macro's C cast
            SSL_ctrl(vu.tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                     TLSEXT_NAMETYPE_host_name, const_cast<char*>(host_.c_str()));
          if (!tls_insecure_) vu.tls->set_verify_callback(asio::ssl::host_name_verification(host_));
          co_await vu.tls->async_handshake(asio::ssl::stream_base::client,
                                           asio::redirect_error(asio::use_awaitable, ec));
          if (ec) {
            Disconnect(vu);
            co_return ec;
          }
        }
        vu.connected = true;
        ++stats_.connections_opened;
      }
      parser.emplace(vu.body, plan.wanted_headers, vu.set_cookies);
      if (method == config::Method::kHead) parser->skip(true);
      if (vu.tls) {
        co_await asio::async_write(*vu.tls, asio::buffer(vu.request),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (!ec)
          co_await http::async_read(*vu.tls, vu.buffer, *parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
      } else {
        co_await asio::async_write(vu.socket, asio::buffer(vu.request),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (!ec)
          co_await http::async_read(vu.socket, vu.buffer, *parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!may_retry || !ec || vu.timed_out || parser->got_some() || !ClosedByPeer(ec)) break;
      may_retry = false;
      Disconnect(vu);
      vu.buffer.clear();
      ++stats_.server_closes;
    }
    co_return ec;
  }

  bool CheckResponse(VirtualUser& vu, const config::RequestStep& step, const StepPlan& plan,
                     const ResponseParser& parser, RouteStats& route,
                     const config::RenderContext& context) {
    const config::Expect& expect = step.expect;
    bool failed = false;
    bool status_ok = expect.statuses.empty()
                         ? parser.status < 400
                         : std::find(expect.statuses.begin(), expect.statuses.end(),
                                     parser.status) != expect.statuses.end();
    if (!status_ok) {
      ++stats_.errors[static_cast<size_t>(ErrorKind::kStatus)];
      ++route.errors[static_cast<size_t>(ErrorKind::kStatus)];
      failed = true;
    }
    bool expectation_ok = true;
    if (expect.header) {
      const std::optional<std::string>& value = parser.found[0];
      expectation_ok =
          value && (!expect.header_equals || *value == expect.header_equals->Render(context));
    }
    if (expect.contains && vu.body.find(expect.contains->Render(context)) == std::string::npos) {
      expectation_ok = false;
    }
    if (!expectation_ok) {
      ++stats_.errors[static_cast<size_t>(ErrorKind::kExpectation)];
      ++route.errors[static_cast<size_t>(ErrorKind::kExpectation)];
      failed = true;
    }
    bool captured = Capture(vu, step, plan, parser);
    if (!captured) {
      ++stats_.errors[static_cast<size_t>(ErrorKind::kCapture)];
      ++route.errors[static_cast<size_t>(ErrorKind::kCapture)];
      failed = true;
    }
    if (failed) {
      ++stats_.failed_requests;
      ++route.failed;
      route.KeepSample(parser.status, vu.body);
      vu.iteration_failed = true;
    }
    return captured;
  }

  bool Capture(VirtualUser& vu, const config::RequestStep& step, const StepPlan& plan,
               const ResponseParser& parser) {
    bool parsed = false;
    for (size_t i = 0; i < step.captures.size(); ++i) {
      const config::Capture& capture = step.captures[i];
      std::optional<std::string> value;
      bool json = false;
      switch (capture.source) {
        case config::CaptureSource::kJson:
          if (!parsed && !vu.json.Parse(vu.body)) return false;
          parsed = true;
          value = vu.json.Find(capture.json, &json);
          break;
        case config::CaptureSource::kHeader:
          value = parser.found[static_cast<size_t>(plan.capture_header[i])];
          break;
        case config::CaptureSource::kRegexp: {
          const RE2& re = *plan.capture_regexp[i];
          const int group = plan.capture_group[i];
          std::vector<re2::StringPiece> groups(static_cast<size_t>(group) + 1);
          if (re.Match(vu.body, 0, vu.body.size(), RE2::UNANCHORED, groups.data(),
                       static_cast<int>(groups.size())) &&
              groups.back().data() != nullptr) {
            value.emplace(groups.back().data(), groups.back().size());
          }
          break;
        }
      }
      if (!value) return false;
      if (capture.secret) redact::Global().AddSecret(*value);
      vu.captures.Set(capture.as.value, std::move(*value), json);
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
  config::OnceFlow before_, after_;
  std::vector<const std::vector<config::Step>*> flows_;  // into scenario_
  std::vector<int> weights_;                             // parallel to flows_
  std::vector<int64_t> flow_iterations_;                 // parallel to flows_
  int64_t total_weight_ = 0;
  uint64_t flow_seed_ = 0;
  bool uses_uuid_ = false;
  std::optional<double> rate_;
  std::vector<std::unique_ptr<VirtualUser>> vus_;
  asio::steady_timer watchdog_;

  bool target_ready_ = false;
  std::string scheme_ = "http";
  std::unique_ptr<asio::ssl::context> tls_;  // https targets
  std::string tls_ca_;                       // app.tls.ca
  bool tls_insecure_ = false;                // app.tls.insecure
  std::string target_url_;
  tcp::endpoint endpoint_;
  std::string host_header_;
  std::string host_;  // without the port: the cookie jar's host
  std::string base_path_;
  std::unordered_map<const config::RequestStep*, StepPlan> plans_;

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
    : impl_(std::make_unique<Impl>(file, scenario, options)) {
  for (const config::Variable& v : file.variables) SetVariable(v.name, v.value.value);
}
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
Stats Driver::RunBefore() { return impl_->RunBefore(); }
Stats Driver::RunAfter() { return impl_->RunAfter(); }
std::vector<FlowShare> Driver::FlowShares() const { return impl_->FlowShares(); }
uint64_t Driver::flow_seed() const { return impl_->flow_seed(); }

}  // namespace leakcheck::load
