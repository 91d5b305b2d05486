// The app's processes through the pipeline (scripted fakes, no Node): every measured process is
// checkpointed, the scenario's checks name the process that leaks, a process that cannot be
// measured is reported, and a port another process owns stops the run before traffic.
#include "harness/run/processes.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/exit_status.h"
#include "harness/common/interrupt.h"
#include "harness/run/pipeline.h"
#include "tests/unit/run/fake_stages.h"

namespace leakcheck::run {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class QuietProgress final : public ProgressSink {
 public:
  void Phase(const std::string&, const std::string&, const std::string&) override {}
  void Progress(const ProgressUpdate&) override {}
  void Checkpoint(const std::string&, int, int, const CheckpointSample&) override {}
};

process::NodeProcess Proc(int pid, std::string role, std::string problem = "") {
  process::NodeProcess p;
  p.pid = pid;
  p.role = std::move(role);
  p.script = p.role == "launcher" ? "npm" : "server.js";
  p.inspector_url = "ws://127.0.0.1:1/x";
  p.problem = std::move(problem);
  return p;
}

class ProcessesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("leakcheck-processes-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.out_dir = (dir_ / "out").string();
    fs::path yaml = dir_ / "app.yaml";
    std::ofstream(yaml) << "version: 1\napp: { command: npm run start }\nscenarios:\n"
                           "  - name: one\n    warmup: { iterations: 100 }\n"
                           "    run: { iterations: 1000 }\n    checkpoints: 2\n"
                           "    flow: [ { get: { url: / } } ]\n";
    options_.files.push_back(yaml.string());
    ResetInterruptForTesting();
  }
  void TearDown() override { fs::remove_all(dir_); }
  RunResult Run() { return RunScenarioFiles(options_, progress_, stages_); }

  fs::path dir_;
  RunOptions options_;
  fakes::Script script_;
  fakes::FakeStages stages_{script_};
  QuietProgress progress_;
};

TEST_F(ProcessesTest, AWorkerThatLeaksFailsTheScenarioNamingIt) {
  script_.processes = {Proc(4241, "launcher", "launcher (the package manager), not measured"),
                       Proc(4242, "primary"), Proc(4243, "worker"), Proc(4244, "worker")};
  script_.heap_per_iteration_of[4243] = 5000;
  RunResult r = Run();
  ASSERT_EQ(r.scenarios.size(), 1u);
  const ScenarioResult& s = r.scenarios[0];
  EXPECT_EQ(r.ExitCode(), kExitLeak) << s.infrastructure_error.value_or("");
  // Every measured process is checkpointed, snapshots included; the launcher is not.
  EXPECT_THAT(script_.log, Contains("connect 4243"));
  EXPECT_THAT(script_.log, Contains("checkpoint baseline pid 4244 +snapshot"));
  EXPECT_THAT(script_.log, Contains("checkpoint final pid 4243 +snapshot"));
  EXPECT_THAT(script_.log, Not(Contains("connect 4241")));
  ASSERT_EQ(s.processes.size(), 4u);
  EXPECT_EQ(s.processes[0].role, "primary");  // the primary first, the unmeasured last
  EXPECT_EQ(s.processes[3].role, "launcher");
  EXPECT_FALSE(s.processes[3].measured);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(s.processes[i].checkpoints.size(), 3u) << i;
    EXPECT_EQ(s.processes[i].checks.size(), s.checks.size()) << i;
  }
  auto heap = std::find_if(s.checks.begin(), s.checks.end(),
                           [](const CheckResult& c) { return c.detector == "heap_per_iteration"; });
  ASSERT_NE(heap, s.checks.end());
  EXPECT_EQ(heap->status, CheckStatus::kFailed);
  EXPECT_THAT(heap->summary, StartsWith("worker 4243 (server.js): "));
  // The launcher is reported with the first check, not silently left out.
  bool noted = false;
  for (const auto& e : s.checks.front().evidence)
    noted |= e.title == "not measured: launcher 4241 (npm)";
  EXPECT_TRUE(noted);
  // A failed run keeps every process's snapshots, under names that say whose they are.
  EXPECT_TRUE(fs::exists(fs::path(options_.out_dir) / "one" / "final.worker-4243.heapsnapshot"));
  EXPECT_EQ(s.processes[1].snapshots.size(), 3u);  // baseline, middle, final
}

TEST_F(ProcessesTest, AProcessWhoseInspectorCannotBeReachedIsReported) {
  script_.processes = {Proc(4242, "primary"), Proc(4243, "child")};
  script_.unreachable_pid = 4243;
  RunResult r = Run();
  const ScenarioResult& s = r.scenarios.at(0);
  EXPECT_EQ(r.ExitCode(), kExitOk) << s.infrastructure_error.value_or("");
  ASSERT_EQ(s.processes.size(), 2u);
  EXPECT_FALSE(s.processes[1].measured);
  EXPECT_THAT(s.processes[1].problem, HasSubstr("cannot connect to its inspector"));
  EXPECT_TRUE(s.processes[1].checks.empty());
  // Passed: no snapshot of any process is kept.
  EXPECT_TRUE(s.processes[0].snapshots.empty());
}

TEST_F(ProcessesTest, NoMeasurableProcessIsAnInfrastructureError) {
  script_.processes = {Proc(4241, "launcher", "launcher, not measured"),
                       Proc(4242, "primary", "no inspector found")};
  RunResult r = Run();
  EXPECT_EQ(r.ExitCode(), kExitFailure);
  EXPECT_THAT(r.scenarios.at(0).infrastructure_error.value_or(""),
              HasSubstr("primary 4242 (server.js): no inspector found"));
}

TEST_F(ProcessesTest, APortAnotherProcessOwnsStopsTheRunBeforeTraffic) {
  script_.port_owner = "pid 77 (`python3 -m http.server 4000`)";
  RunResult r = Run();
  const ScenarioResult& s = r.scenarios.at(0);
  EXPECT_EQ(r.ExitCode(), kExitFailure);
  EXPECT_EQ(s.infrastructure_stage, "process: port");
  EXPECT_THAT(s.infrastructure_error.value_or(""), HasSubstr("python3 -m http.server 4000"));
  EXPECT_THAT(script_.log, Not(Contains("warmup 100")));
  EXPECT_THAT(script_.log, Not(Contains("connect")));
}

TEST(MergeProcessChecks, TheWorstProcessPerDetector) {
  auto check = [](CheckStatus status, double measured) {
    CheckResult c;
    c.detector = "heap_per_iteration";
    c.status = status;
    c.measured = measured;
    c.limit = 100;
    c.summary = "s";
    return c;
  };
  ProcessResult a, b, c;
  a.label = "primary 1";
  a.checks = {check(CheckStatus::kPassed, 90)};
  b.label = "worker 2";
  b.checks = {check(CheckStatus::kPassed, 95)};
  c.label = "child 3";
  c.measured = false;
  c.problem = "gone";
  auto merged = MergeProcessChecks({a, b, c});
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].summary, "worker 2: s");
  ASSERT_EQ(merged[0].evidence.size(), 1u);
  EXPECT_EQ(merged[0].evidence[0].title, "not measured: child 3");
  a.checks = {check(CheckStatus::kFailed, 10)};
  EXPECT_EQ(MergeProcessChecks({a, b})[0].summary, "primary 1: s");  // a failure beats a size
}

}  // namespace
}  // namespace leakcheck::run
