// The real stages behind run/stages.h: NodeApp, cdp::Session + TakeCheckpoint, load::Driver.
#include <cerrno>
#include <chrono>
#include <functional>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <signal.h>

#include <boost/url/parse.hpp>

#include "harness/common/error.h"
#include "harness/load/driver.h"
#include "harness/process/proc_tree.h"
#include "harness/run/attach.h"
#include "harness/run/stages.h"

namespace leakcheck::run {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class LiveApp final : public App {
 public:
  explicit LiveApp(const process::AppSpec& spec) : app_(spec) {}
  void Start() override { app_.Start(); }
  void WaitReady() override { app_.WaitReady(); }
  void WaitForPort(milliseconds timeout) override {
    auto deadline = Clock::now() + timeout;
    boost::asio::io_context io;
    for (;;) {
      boost::asio::ip::tcp::socket socket(io);
      boost::system::error_code ec;
      socket.connect({boost::asio::ip::make_address("127.0.0.1"), app_.port()}, ec);
      if (!ec) return;
      if (auto exit = app_.DescribeExit(milliseconds(100)))
        throw HarnessError("process: ready", *exit);
      if (Clock::now() > deadline)
        throw HarnessError("process: ready",
                           fmt::format("127.0.0.1:{} accepted no connection within {} ms",
                                       app_.port(), timeout.count()));
    }
  }
  void CheckPortOwner() override { app_.CheckPortOwner(); }
  // Up to 10 s for every Node process to open its inspector (it returns as soon as two looks
  // agree and all have one): under load a cluster worker of Node 24 took more than 3 s, and a
  // process found without its inspector is never measured.
  std::vector<process::NodeProcess> Processes() override {
    return app_.FindProcesses(milliseconds(10000));
  }
  int pid() const override { return app_.pid(); }
  uint16_t port() const override { return app_.port(); }
  std::optional<std::string> DescribeExit(milliseconds grace) const override {
    return app_.DescribeExit(grace);
  }
  std::string StderrTail(size_t lines) const override { return app_.StderrTail(lines); }
  void Stop() override { app_.Stop(); }
  process::NodeApp& node_app() { return app_; }

 private:
  process::NodeApp app_;
};

// Attach mode: an app leakcheck did not start (docs/scenarios.md "Attach mode"). Start() only
// finds its inspector (and its pid when it is a Node process of this machine); nothing here
// signals it, and Stop() leaves it running.
class AttachedApp final : public App {
 public:
  explicit AttachedApp(const config::AppConfig& config) : config_(config) {
    auto url = boost::urls::parse_absolute_uri(config.url.value);
    if (!url) throw InputError("app", fmt::format("`app.url` `{}` is not a URL", config.url.value));
    host_ = std::string(url->encoded_host());
    if (url->host_type() == boost::urls::host_type::ipv6)
      host_ = url->host_ipv6_address().to_string();
    https_ = url->scheme() == "https";
    port_ = url->has_port() ? url->port_number() : (https_ ? 443 : 80);
    auto inspect = config::ParseHostPort(config.inspect.value);
    if (!inspect) throw InputError("app", "`app.inspect` must be host:port");
    inspect_ = *inspect;
  }
  void Start() override {
    ws_url_ = AttachedInspectorUrl(inspect_, config_.ready.timeout.value);
    // Its /proc is readable only when the inspector's port is held by a Node process of ours.
    if (config::IsLoopbackHost(inspect_.host)) pid_ = LocalNodeListening(inspect_.port);
  }
  void WaitReady() override {
    if (config_.ready.kind != config::ReadyKind::kHttp || https_) return;  // TCP for https
    const auto deadline = Clock::now() + config_.ready.timeout.value;
    std::string last;
    while (Clock::now() < deadline) {
      try {
        const HttpAnswer a = HttpGetFrom(host_, port_, config_.ready.http.value, milliseconds(2000),
                                         "process: ready");
        if (a.status >= 200 && a.status < 300) return;
        last = fmt::format("status {}", a.status);
      } catch (const Error& e) {
        last = e.detail();
      }
      std::this_thread::sleep_for(milliseconds(200));
    }
    throw HarnessError("process: ready",
                       fmt::format("the attached app at {} did not answer GET {} with a 2xx "
                                   "within {} ms: {}",
                                   config_.url.value, config_.ready.http.value,
                                   config_.ready.timeout.value.count(), last));
  }
  void WaitForPort(milliseconds timeout) override {
    auto deadline = Clock::now() + timeout;
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    for (;;) {
      boost::system::error_code ec;
      auto endpoints = resolver.resolve(host_, std::to_string(port_), ec);
      if (!ec) {
        boost::asio::ip::tcp::socket socket(io);
        boost::asio::connect(socket, endpoints, ec);
        if (!ec) return;
      }
      if (Clock::now() > deadline)
        throw HarnessError("process: ready",
                           fmt::format("the attached app at {} accepted no connection within {} "
                                       "ms: {}",
                                       config_.url.value, timeout.count(), ec.message()));
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  void CheckPortOwner() override {}
  std::vector<process::NodeProcess> Processes() override { return {}; }
  int pid() const override { return pid_; }
  uint16_t port() const override { return port_; }
  std::optional<std::string> DescribeExit(milliseconds) const override {
    if (pid_ > 0 && ::kill(pid_, 0) != 0 && errno == ESRCH)
      return fmt::format("the attached app (pid {}) is gone", pid_);
    return std::nullopt;
  }
  std::string StderrTail(size_t) const override { return {}; }
  void Stop() override {}  // not ours to stop
  const std::string& inspector_url() const { return ws_url_; }

 private:
  const config::AppConfig& config_;
  std::string host_;
  uint16_t port_ = 0;
  bool https_ = false;
  config::HostPort inspect_;
  std::string ws_url_;
  int pid_ = 0;
};

using Monitor = std::function<std::optional<std::string>(milliseconds)>;

class LiveInspector final : public Inspector {
 public:
  // `pid`: the process it measures (0: the app's own, whose exit the app monitor reports).
  LiveInspector(Monitor monitor, const std::string& url, int pid = 0)
      : owned_(std::make_unique<cdp::Session>()),
        session_(*owned_),
        monitor_(std::move(monitor)),
        pid_(pid) {
    session_.SetAppMonitor(monitor_);
    session_.Connect(url);
  }
  // A worker thread's session (cdp::Session::AttachToWorker) carried over `parent`.
  LiveInspector(Monitor monitor, std::unique_ptr<cdp::Session> thread, cdp::Session& parent,
                cdp::WorkerInfo worker)
      : owned_(std::move(thread)),
        session_(*owned_),
        monitor_(std::move(monitor)),
        parent_(&parent),
        worker_(std::move(worker)) {
    session_.SetAppMonitor(monitor_);
  }
  bool Ended() override {
    if (parent_ != nullptr) return parent_->WorkerEnded(worker_);
    if (pid_ <= 0) return false;
    // The inspector's socket closes a moment before the process is gone.
    for (auto deadline = Clock::now() + milliseconds(2000);;) {
      if (process::ProcessGone(pid_)) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  std::vector<ThreadSession> Threads() override {
    std::vector<ThreadSession> out;
    for (cdp::WorkerInfo& w : session_.AttachWorkers()) {
      ThreadSession t;
      try {
        t.inspector =
            std::make_unique<LiveInspector>(monitor_, session_.AttachToWorker(w), session_, w);
      } catch (const Error& e) {
        t.problem = "cannot attach to the thread: " + e.stage() + ": " + e.detail();
      }
      t.info = std::move(w);
      out.push_back(std::move(t));
    }
    return out;
  }
  std::string NodeVersion() override {
    const cdp::RemoteValue value = session_.Evaluate("process.version");
    std::string_view v = value.json;  // a JSON string: "\"v20.20.2\""
    if (v.size() >= 2 && v.starts_with('"') && v.ends_with('"')) v = v.substr(1, v.size() - 2);
    return std::string(v);
  }
  cdp::Measurement TakeCheckpoint(const cdp::CheckpointOptions& options) override {
    return cdp::TakeCheckpoint(session_, options);
  }
  void StartSampling() override { session_.StartSampling(); }
  cdp::SamplingProfile StopSampling() override { return session_.StopSampling(); }
  void Close() noexcept override { session_.Close(); }
  void WatchAdders(const std::vector<uint64_t>& ids) override {
    watches_ = cdp::WatchAdders(session_, ids);
  }
  std::vector<cdp::CollectionAdders> CollectAdders() override {
    auto out = cdp::CollectAdders(session_, watches_);
    watches_.clear();
    return out;
  }
  std::vector<analysis::ScriptSourceMapUrl> SourceMapUrls() override {
    // An in-app inspector session replays Debugger.scriptParsed for every live script, with
    // the sourceMappingURL V8 read from its last line; the callback API dispatches in-thread, so
    // the events have arrived when post() returns. After the last snapshot: it costs the run
    // nothing it measures.
    static constexpr std::string_view kScript = R"js((() => {
      const inspector = require('node:inspector');
      const session = new inspector.Session();
      const out = [];
      session.connect();
      session.on('Debugger.scriptParsed', ({ params: p }) => {
        if (p.sourceMapURL && !p.url.startsWith('node:') && !p.url.includes('/node_modules/'))
          out.push([p.url, p.sourceMapURL]);
      });
      try { session.post('Debugger.enable'); session.post('Debugger.disable'); }
      finally { session.disconnect(); }
      return JSON.stringify(out);
    })())js";
    cdp::EvaluateOptions options;
    options.include_command_line_api = true;
    const cdp::RemoteValue value = session_.Evaluate(kScript, options);
    std::vector<analysis::ScriptSourceMapUrl> out;
    boost::system::error_code ec;
    const boost::json::value outer = boost::json::parse(value.json, ec);
    if (ec || !outer.is_string()) return out;
    const boost::json::value list = boost::json::parse(outer.as_string(), ec);
    if (ec || !list.is_array()) return out;
    for (const auto& row : list.as_array()) {
      const auto* pair = row.if_array();
      if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string())
        continue;
      out.push_back({std::string((*pair)[0].as_string()), std::string((*pair)[1].as_string())});
    }
    return out;
  }

 private:
  std::unique_ptr<cdp::Session> owned_;
  cdp::Session& session_;
  Monitor monitor_;
  std::vector<cdp::AdderWatch> watches_;  // installed by WatchAdders, until CollectAdders
  int pid_ = 0;
  cdp::Session* parent_ = nullptr;  // a thread's: the session it is carried over
  cdp::WorkerInfo worker_;
};

Monitor MonitorOf(const App& app) {
  return [&app](milliseconds grace) { return app.DescribeExit(grace); };
}

class LiveTraffic final : public Traffic {
 public:
  LiveTraffic(const config::ScenarioFile& file, const config::Scenario& scenario)
      : driver_(file, scenario) {}
  void SetVariable(const std::string& name, std::string value) override {
    driver_.SetVariable(name, std::move(value));
  }
  load::Stats RunIterations(int64_t n) override { return driver_.RunIterations(n); }
  load::Stats RunFor(config::Duration duration) override { return driver_.RunFor(duration); }
  load::Stats RunBefore() override { return driver_.RunBefore(); }
  load::Stats RunAfter() override { return driver_.RunAfter(); }
  std::vector<load::FlowShare> FlowShares() const override { return driver_.FlowShares(); }
  uint64_t FlowSeed() const override { return driver_.flow_seed(); }

 private:
  load::Driver driver_;
};

class Live final : public Stages {
 public:
  void CheckApp(const process::AppSpec& spec) override { process::NodeApp::CheckSpec(spec); }
  std::unique_ptr<App> MakeApp(const process::AppSpec& spec) override {
    return std::make_unique<LiveApp>(spec);
  }
  std::unique_ptr<App> Attach(const config::AppConfig& config) override {
    return std::make_unique<AttachedApp>(config);
  }
  std::unique_ptr<Inspector> Connect(App& app) override {
    if (auto* attached = dynamic_cast<AttachedApp*>(&app))
      return std::make_unique<LiveInspector>(MonitorOf(app), attached->inspector_url());
    process::NodeApp& node_app = static_cast<LiveApp&>(app).node_app();
    return std::make_unique<LiveInspector>(MonitorOf(app), node_app.inspector_url());
  }
  std::unique_ptr<Inspector> ConnectTo(App& app, const process::NodeProcess& process) override {
    return std::make_unique<LiveInspector>(MonitorOf(app), process.inspector_url, process.pid);
  }
  std::unique_ptr<Traffic> MakeTraffic(const config::ScenarioFile& file,
                                       const config::Scenario& scenario) override {
    return std::make_unique<LiveTraffic>(file, scenario);
  }
};

}  // namespace

Stages& LiveStages() {
  static Live live;
  return live;
}

}  // namespace leakcheck::run
