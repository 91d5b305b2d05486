#pragma once

// Hand-made RunResults for the reporter tests: a passing run, a leaking run (an unbounded Map
// cache and a listener per request) and a run whose app crashed. Each is what the pipeline
// would produce; the reporters must render them without recomputing anything.
#include "harness/run/result.h"

namespace leakcheck::testing {

inline run::RunResult SampleRunHeader() {
  run::RunResult r;
  r.scenario_file = "scenarios/api.yaml";
  r.leakcheck_version = "0.1.0";
  r.node_version = "v20.11.1";
  r.git_commit = "3f2c9a1b7e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b";
  r.started_at = "2026-01-15T10:00:00Z";
  r.run_dir = "leakcheck-results/2026-01-15T10-00-00Z";
  return r;
}

inline run::CheckResult SampleCheck(std::string detector, run::CheckStatus status, double measured,
                                    double limit, std::string unit, int line) {
  run::CheckResult c;
  c.detector = std::move(detector);
  c.status = status;
  c.measured = measured;
  c.limit = limit;
  c.unit = std::move(unit);
  c.location = {"scenarios/api.yaml", line, 7};
  c.default_threshold = false;
  return c;
}

inline run::ScenarioResult SampleScenario(std::string name, int line) {
  run::ScenarioResult s;
  s.name = std::move(name);
  s.location = {"scenarios/api.yaml", line, 5};
  s.load.iterations = 5000;
  s.load.requests = 25000;
  s.load.requests_per_second = 1234.5;
  s.load.latency_p50_ms = 1.2;
  s.load.latency_p90_ms = 2.5;
  s.load.latency_p99_ms = 7.8;
  s.load.latency_max_ms = 31.0;
  s.warmup.iterations = 200;
  s.warmup.requests = 1000;
  s.duration_seconds = 42.125;
  s.times = {1.5, 2.0, 30.0, 3.0, 4.5, 1.0, 0.125};
  for (int i = 0; i <= 4; ++i) {
    run::CheckpointSample p;
    p.iteration = i * 1250;
    p.heap_used = 8.0 * 1024 * 1024 + i * 1024.0;
    p.heap_total = 16.0 * 1024 * 1024;
    p.external = 1024.0 * 1024;
    p.array_buffers = 64.0 * 1024;
    p.resources = {{"TCPServerWrap", 1}, {"TCPSocketWrap", 8}};
    if (i == 0 || i == 4) {
      p.snapshot = "s" + std::to_string(i) + ".heapsnapshot";
      p.snapshot_taken = true;
    }
    s.checkpoints.push_back(p);
  }
  return s;
}

inline run::RunResult PassingRun() {
  run::RunResult r = SampleRunHeader();
  r.duration_seconds = 42.5;
  run::ScenarioResult s = SampleScenario("create-and-read-user", 12);
  auto c = SampleCheck("heap_per_iteration", run::CheckStatus::kPassed, 0.8, 64, "B/iteration", 20);
  c.summary = "heap grows 0.8 B/iteration (limit 64 B), R² 0.12";
  s.checks.push_back(c);
  c = SampleCheck("retained_growth", run::CheckStatus::kPassed, 4096, 2 * 1024 * 1024, "B", 21);
  c.summary = "retained +4.00 KiB after 5,000 iterations (limit 2.00 MiB)";
  s.checks.push_back(c);
  c = SampleCheck("collections", run::CheckStatus::kAllowed, 1.0, 0.05, "entries/iteration", 23);
  c.summary = "LRUCache grows 1 entry/iteration";
  c.allowed_reason = "LRUCache: bounded at 5000 entries";
  s.checks.push_back(c);
  c = SampleCheck("http", run::CheckStatus::kPassed, 0, 0, "%", 27);
  c.summary = "0 of 25,000 requests failed";
  c.default_threshold = true;
  c.location = {"scenarios/api.yaml", 12, 5};
  s.checks.push_back(c);
  c = SampleCheck("closures", run::CheckStatus::kSkipped, 0, 0, "closures/iteration", 12);
  c.summary = "needs 3 snapshots; the scenario takes 2";
  s.checks.push_back(c);
  r.scenarios.push_back(s);
  return r;
}

inline run::RunResult LeakingRun() {
  run::RunResult r = PassingRun();
  r.scenarios[0].passed = false;
  auto& heap = r.scenarios[0].checks[0];
  heap.status = run::CheckStatus::kFailed;
  heap.measured = 1228.8;
  heap.summary = "heap grows 1.20 KiB/iteration (limit 64 B), R² 0.99";
  heap.evidence = {
      {run::Evidence::Kind::kGrowingClass, "User", "+5,000 objects", 1.0, 5000, 1200000},
      {run::Evidence::Kind::kRetainerPath, "",
       "(GC roots) → (global) → Map \"userCache\" → (table)", 0, 0, 0},
      {run::Evidence::Kind::kSourceLocation, "", "apps/api/server.js:42", 0, 0, 0},
  };
  run::ScenarioResult s = SampleScenario("subscribe <events> & \"notify\"", 40);
  auto c = SampleCheck("listeners", run::CheckStatus::kFailed, 5000, 0, "listeners", 48);
  c.summary = "EventEmitter bus: 'message' listeners grew by 5,000";
  c.evidence = {{run::Evidence::Kind::kListener, "bus 'message'", "+1 per request", 1.0, 5000, 0},
                {run::Evidence::Kind::kNote, "MaxListenersExceededWarning",
                 "seen on stderr\x01\x1b[31m", 0, 1, 0}};
  s.checks.push_back(c);
  c = SampleCheck("handles", run::CheckStatus::kPassed, 0, 0, "handles", 49);
  c.summary = "no active handle added";
  s.checks.push_back(c);
  s.passed = false;
  r.scenarios.push_back(s);
  r.duration_seconds = 90.25;
  return r;
}

inline run::RunResult CrashingRun() {
  run::RunResult r = SampleRunHeader();
  r.duration_seconds = 3.5;
  run::ScenarioResult s = SampleScenario("checkout", 60);
  s.passed = false;
  s.checks.clear();
  s.checkpoints.clear();
  s.load = {};
  s.duration_seconds = 3.25;
  s.infrastructure_error = "app exited with code 1 before it was ready";
  s.infrastructure_stage = "process: ready";
  s.app_stderr_tail =
      "node:internal/modules/cjs/loader:1080\n  throw err;\nError: Cannot find module 'expresss'\n";
  r.scenarios.push_back(s);
  run::ScenarioResult ok = SampleScenario("health", 80);
  auto c = SampleCheck("heap_per_iteration", run::CheckStatus::kPassed, 2, 64, "B/iteration", 85);
  c.summary = "heap grows 2 B/iteration (limit 64 B)";
  ok.checks.push_back(c);
  r.scenarios.push_back(ok);
  return r;
}

}  // namespace leakcheck::testing
