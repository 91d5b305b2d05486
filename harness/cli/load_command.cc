// `leakcheck load FILE --target URL`: a developer command (hidden from --help) that drives the
// flows of a scenario file against an already running server and prints the driver's stats.
// Used by the e2e tests of the load driver and by bench/load.sh.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "harness/cli/cli.h"
#include "harness/common/duration.h"
#include "harness/common/error.h"
#include "harness/common/exit_status.h"
#include "harness/common/redact.h"
#include "harness/config/loader.h"
#include "harness/config/secrets.h"
#include "harness/load/batches.h"
#include "harness/load/driver.h"

namespace leakcheck {
namespace {

struct LoadOptions {
  std::string file;
  std::string target;
  std::string port;
  std::string scenario;
  int concurrency = 0;
  int64_t iterations = -1;
  std::string duration;
  std::string rate;
  int batches = 1;
  bool no_warmup = false;
  bool json = false;
};

std::string Summary(const std::string& phase, const load::Stats& s) {
  std::string out = fmt::format(
      "  {:<7} {} iterations, {} requests in {:.2f}s ({:.0f} req/s), {} failed; latency p50 {}us "
      "p99 {}us max {}us\n",
      phase, s.iterations, s.requests, s.elapsed_seconds,
      s.elapsed_seconds > 0 ? static_cast<double>(s.requests) / s.elapsed_seconds : 0.0,
      s.failed_requests, s.latency.Percentile(50), s.latency.Percentile(99), s.latency.max());
  for (int i = 0; i < load::kErrorKinds; ++i) {
    if (s.errors[static_cast<size_t>(i)]) {
      out += fmt::format("          {} errors: {}\n",
                         load::ErrorKindName(static_cast<load::ErrorKind>(i)),
                         s.errors[static_cast<size_t>(i)]);
    }
  }
  for (const load::RouteStats& r : s.routes) {
    out += fmt::format("          {:>8} {} ({} failed)\n", r.requests, r.route, r.failed);
  }
  return out;
}

// Runs the run phase as `batches` RunIterations calls (the pipeline's checkpoint pattern).
std::vector<load::Stats> RunPhase(load::Driver& driver, const config::Amount& amount, int batches) {
  std::vector<load::Stats> out;
  if (amount.duration) {
    out.push_back(driver.RunFor(amount.duration->value));
    return out;
  }
  for (int64_t n : load::SplitIterations(amount.iterations.value, batches)) {
    out.push_back(driver.RunIterations(n));
  }
  return out;
}

int RunLoad(const LoadOptions& o) {
  config::ScenarioFile file = config::LoadScenarioFile(o.file);
  config::RegisterSecrets(file, redact::Global());
  boost::json::array json;
  int ran = 0;
  for (config::Scenario& scenario : file.scenarios) {
    if (!o.scenario.empty() && scenario.name.value != o.scenario) continue;
    if (o.iterations >= 0) {
      scenario.run.amount.iterations.value = o.iterations;
      scenario.run.amount.duration.reset();
    }
    if (!o.duration.empty()) {
      auto d = ParseDuration(o.duration);
      if (!d || d->count() <= 0) throw InputError("load", "--duration needs a duration like 10s");
      scenario.run.amount.duration = config::Located<config::Duration>{*d, {}};
    }
    if (o.no_warmup) {
      scenario.warmup.iterations.value = 0;
      scenario.warmup.duration.reset();
    }
    load::DriverOptions options;
    options.concurrency = o.concurrency;
    if (!o.rate.empty()) {
      options.rate = config::ParseRate(o.rate);
      if (!options.rate || *options.rate <= 0)
        throw InputError("load", "--rate needs a rate like 500/s");
    }
    load::Driver driver(file, scenario, options);
    if (!o.target.empty()) driver.SetTarget(o.target);
    if (!o.port.empty()) driver.SetVariable("app.port", o.port);

    load::Stats warmup = scenario.warmup.duration
                             ? driver.RunFor(scenario.warmup.duration->value)
                             : driver.RunIterations(scenario.warmup.iterations.value);
    std::vector<load::Stats> batches = RunPhase(driver, scenario.run.amount, o.batches);
    load::Stats run;
    for (const load::Stats& b : batches) run.Merge(b);

    if (o.json) {
      boost::json::array batch_json;
      for (const load::Stats& b : batches) batch_json.push_back(b.Json());
      json.push_back({{"scenario", scenario.name.value},
                      {"target", driver.target()},
                      {"warmup", warmup.Json()},
                      {"run", run.Json()},
                      {"batches", std::move(batch_json)}});
    } else {
      std::string text = fmt::format("{} → {}\n{}{}", scenario.name.value, driver.target(),
                                     Summary("warmup", warmup), Summary("run", run));
      std::fputs(redact::Redact(text).c_str(), stdout);
    }
    ++ran;
  }
  if (ran == 0)
    throw InputError("load", fmt::format("no scenario named `{}` in {}", o.scenario, o.file));
  if (o.json) std::printf("%s\n", redact::Redact(boost::json::serialize(json)).c_str());
  return kExitOk;
}

}  // namespace

void RegisterLoadCommand(CLI::App& root, CommandAction& action) {
  auto* cmd = root.add_subcommand("load", "Drive a scenario's flow against a running server (dev)");
  cmd->group("");  // hidden: a developer and benchmark tool, documented in docs/scenarios.md
  auto o = std::make_shared<LoadOptions>();
  cmd->add_option("file", o->file, "Scenario YAML file")->required();
  cmd->add_option("--target", o->target,
                  "Base URL, e.g. http://127.0.0.1:8080 (default: the file's target)");
  cmd->add_option("--port", o->port, "Value of {{ app.port }} in the file's target");
  cmd->add_option("--scenario", o->scenario, "Only the scenario with this name");
  cmd->add_option("-c,--concurrency", o->concurrency, "Virtual users (default: run.concurrency)");
  cmd->add_option("-n,--iterations", o->iterations, "Run iterations (default: run.iterations)");
  cmd->add_option("-d,--duration", o->duration, "Run for this long instead, e.g. 10s");
  cmd->add_option("--rate", o->rate, "Pace iterations, e.g. 500/s");
  cmd->add_option("--batches", o->batches, "Split the run into this many RunIterations batches")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-warmup", o->no_warmup, "Skip the warm-up phase");
  cmd->add_flag("--json", o->json, "Print stats as JSON");
  cmd->callback([&action, o] { action = [o] { return RunLoad(*o); }; });
}

}  // namespace leakcheck
