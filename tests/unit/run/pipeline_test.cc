// The pipeline (RunScenarioFiles) driven through the scripted fakes of fake_stages.h: no Node,
// no sockets, milliseconds per test. Stage order, interrupts, app reuse, the EADDRINUSE retry,
// allow lists, threshold locations, baselines, the error boundary and the run folder.
#include "harness/run/pipeline.h"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "harness/common/exit_status.h"
#include "harness/common/interrupt.h"
#include "harness/config/detectors.h"
#include "harness/run/baseline.h"
#include "tests/unit/run/fake_stages.h"

namespace leakcheck::run {
namespace {

namespace fs = std::filesystem;
using fakes::FakeStages;
using fakes::Script;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class NullProgress final : public ProgressSink {
 public:
  void Phase(const std::string& scenario, const std::string& phase, const std::string&) override {
    phases.push_back(scenario + ":" + phase);
  }
  void Progress(const ProgressUpdate&) override {}
  void Checkpoint(const std::string&, int index, int count, const CheckpointSample&) override {
    checkpoints.push_back(fmt::format("{}/{}", index, count));
  }
  std::vector<std::string> phases, checkpoints;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("leakcheck-pipeline-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.out_dir = (dir_ / "out").string();
    ResetInterruptForTesting();
  }
  void TearDown() override {
    ResetInterruptForTesting();
    fs::remove_all(dir_);
  }

  // A scenario file `name`.yaml with `scenarios` (YAML list items) and `app` extra keys.
  std::string File(const std::string& name, const std::string& scenarios,
                   const std::string& app = "") {
    fs::path p = dir_ / (name + ".yaml");
    std::ofstream(p) << "version: 1\napp: { command: " << (app.empty() ? "node server.js" : app)
                     << " }\nscenarios:\n"
                     << scenarios;
    options_.files.push_back(p.string());
    return p.string();
  }
  static std::string Scenario(const std::string& name, const std::string& extra = "",
                              int checkpoints = 2, int snapshots = 2) {
    return fmt::format(
        "  - name: {}\n    warmup: {{ iterations: 100 }}\n    run: {{ iterations: 1000 }}\n"
        "    checkpoints: {}\n    snapshots: {}\n    flow: [ {{ get: {{ url: / }} }} ]\n{}",
        name, checkpoints, snapshots, extra);
  }
  RunResult Run() { return RunScenarioFiles(options_, progress_, stages_); }

  fs::path dir_;
  RunOptions options_;
  Script script_;
  FakeStages stages_{script_};
  NullProgress progress_;
};

const CheckResult& Check(const ScenarioResult& s, std::string_view name) {
  for (const auto& c : s.checks)
    if (c.detector == name) return c;
  throw std::runtime_error("no check " + std::string(name));
}

TEST_F(PipelineTest, StagesRunInOrder) {
  File("api", Scenario("one"));
  RunResult r = Run();
  EXPECT_THAT(script_.log,
              ElementsAre("check node", "start", "ready", "port", "port owner", "connect",
                          "warmup 100", "checkpoint baseline +snapshot", "sampling on", "load 500",
                          "checkpoint checkpoint-1", "load 500", "sampling off",
                          "checkpoint final +snapshot", "close", "stop"));
  ASSERT_EQ(r.scenarios.size(), 1u);
  const ScenarioResult& s = r.scenarios[0];
  EXPECT_TRUE(s.passed) << s.infrastructure_error.value_or("");
  EXPECT_EQ(s.checks.size(), config::kDetectorCount);
  EXPECT_EQ(s.load.iterations, 1000);
  EXPECT_EQ(s.warmup.iterations, 100);
  EXPECT_EQ(s.checkpoints.size(), 3u);
  EXPECT_EQ(r.node_version, "v22.0.0-fake");
  EXPECT_EQ(r.ExitCode(), kExitOk);
  EXPECT_THAT(progress_.checkpoints, ElementsAre("0/3", "1/3", "2/3"));
  EXPECT_THAT(progress_.phases,
              ElementsAre("one:startup", "one:warmup", "one:snapshot", "one:load", "one:gc",
                          "one:load", "one:snapshot", "one:shutdown", "one:analysis"));
  // Passed without --keep-snapshots: the snapshots are gone and results.json names none.
  EXPECT_TRUE(s.snapshots.empty());
  for (const auto& c : s.checkpoints) EXPECT_EQ(c.snapshot, "");
  EXPECT_FALSE(fs::exists(fs::path(options_.out_dir) / "one" / "final.heapsnapshot"));
}

TEST_F(PipelineTest, ThreeSnapshotsTakeTheMiddleOne) {
  File("api", Scenario("one", "", 4, 2));
  File("b", Scenario("two", "", 2, 3));
  options_.keep_snapshots = true;
  RunResult r = Run();
  ASSERT_EQ(r.scenarios.size(), 2u);
  EXPECT_EQ(r.scenarios[0].snapshots.size(), 2u);
  EXPECT_EQ(r.scenarios[0].checkpoints.size(), 5u);
  ASSERT_EQ(r.scenarios[1].snapshots.size(), 3u);
  for (const auto& f : r.scenarios[1].snapshots) EXPECT_TRUE(fs::exists(f)) << f;
}

TEST_F(PipelineTest, AutoPortTakenMeanwhileIsChosenAgainOnce) {
  File("api", Scenario("one"));
  script_.eaddrinuse_starts = 1;
  RunResult r = Run();
  EXPECT_EQ(script_.apps_made, 2);
  EXPECT_TRUE(r.scenarios[0].passed);

  Script twice;
  twice.eaddrinuse_starts = 2;
  FakeStages stages(twice);
  RunResult failed = RunScenarioFiles(options_, progress_, stages);
  EXPECT_EQ(twice.apps_made, 2) << "once more, not forever";
  ASSERT_TRUE(failed.scenarios[0].infrastructure_error);
  EXPECT_THAT(*failed.scenarios[0].infrastructure_error, HasSubstr("EADDRINUSE"));
  EXPECT_EQ(failed.ExitCode(), kExitFailure);
}

TEST_F(PipelineTest, AFixedPortIsNotRetried) {
  File("api", Scenario("one"), "node server.js, port: 4000");
  script_.eaddrinuse_starts = 1;
  RunResult r = Run();
  EXPECT_EQ(script_.apps_made, 1);
  EXPECT_EQ(r.scenarios[0].infrastructure_stage, "process: ready");
}

TEST_F(PipelineTest, InterruptStopsAtTheStageAndLeavesTheRestOut) {
  File("api", Scenario("one") + Scenario("two"));
  int batches = 0;
  script_.before_batch = [&](int64_t) {
    if (++batches == 3) RecordInterrupt(SIGINT);  // warm-up, batch 1, batch 2
  };
  RunResult r = Run();
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.ExitCode(), kExitInterrupted);
  ASSERT_EQ(r.scenarios.size(), 1u) << "the scenario not started is left out";
  const ScenarioResult& s = r.scenarios[0];
  EXPECT_EQ(s.infrastructure_stage, "interrupted");
  EXPECT_THAT(*s.infrastructure_error, HasSubstr("SIGINT during load (batch 2 of 2)"));
  EXPECT_EQ(s.load.iterations, 1000) << "what was measured so far is kept";
  EXPECT_EQ(std::count(script_.log.begin(), script_.log.end(), "checkpoint final +snapshot"), 0)
      << "no checkpoint after the interrupt";
}

TEST_F(PipelineTest, ReusedAppServesEveryScenarioOfItsFile) {
  File("api", Scenario("one") + Scenario("two") + Scenario("three"), "node server.js, reuse: true");
  RunResult r = Run();
  EXPECT_EQ(script_.apps_made, 1);
  EXPECT_EQ(std::count(script_.log.begin(), script_.log.end(), "stop"), 1);
  EXPECT_EQ(script_.log.back(), "stop");
  for (const auto& s : r.scenarios) EXPECT_TRUE(s.passed) << s.name;

  Script own;
  FakeStages stages(own);
  options_.files.clear();
  File("own", Scenario("one") + Scenario("two"));
  RunScenarioFiles(options_, progress_, stages);
  EXPECT_EQ(own.apps_made, 2) << "without reuse each scenario starts its own";
}

TEST_F(PipelineTest, AReusedAppThatFailedIsStartedAfresh) {
  File("api", Scenario("one") + Scenario("two"), "node server.js, reuse: true");
  bool failed = false;  // the second checkpoint of the first scenario, once
  script_.before_checkpoint = [&failed](int n) {
    if (n == 1 && !failed) {
      failed = true;
      throw HarnessError("cdp: evaluate", "connection closed");
    }
  };
  RunResult r = Run();
  ASSERT_EQ(r.scenarios.size(), 2u);
  EXPECT_EQ(r.scenarios[0].infrastructure_stage, "cdp: evaluate");
  EXPECT_EQ(r.scenarios[0].app_stderr_tail, "fake app stderr");
  EXPECT_TRUE(r.scenarios[1].passed) << r.scenarios[1].infrastructure_error.value_or("");
  EXPECT_EQ(script_.apps_made, 2);
}

TEST_F(PipelineTest, EveryKindOfFailureStaysInItsScenario) {
  const std::vector<std::function<void()>> failures = {
      [] { throw HarnessError("cdp: takeHeapSnapshot", "connection closed"); },
      [] { throw InputError("process: start", "executable `node` not found on PATH"); },
      [] {
        throw fs::filesystem_error("cannot open", fs::path("/x"),
                                   std::make_error_code(std::errc::permission_denied));
      },
      [] { throw std::runtime_error("boom"); },
  };
  const std::vector<std::string> stages = {"cdp: takeHeapSnapshot", "process: start",
                                           "snapshot (baseline)", "snapshot (baseline)"};
  for (size_t i = 0; i < failures.size(); ++i) {
    SCOPED_TRACE(i);
    options_.files.clear();
    File("api", Scenario("one") + Scenario("two"));
    Script script;
    FakeStages fake(script);
    bool failed = false;
    script.before_checkpoint = [&](int) {
      if (!failed) {
        failed = true;
        failures[i]();
      }
    };
    RunResult r = RunScenarioFiles(options_, progress_, fake);
    ASSERT_EQ(r.scenarios.size(), 2u);
    ASSERT_TRUE(r.scenarios[0].infrastructure_error);
    EXPECT_EQ(r.scenarios[0].infrastructure_stage, stages[i]);
    EXPECT_FALSE(r.scenarios[0].passed);
    EXPECT_TRUE(r.scenarios[1].passed) << "the next scenario still runs";
    EXPECT_EQ(r.ExitCode(), kExitFailure);
  }
}

TEST_F(PipelineTest, AllowListAndThresholdLocations) {
  File("api", Scenario("one",
                       "    thresholds:\n      collections: 0.05\n      survivors: 10\n"
                       "    allow:\n      - { path: sessionCache, reason: bounded }\n") +
                  Scenario("two"));
  script_.entries_per_checkpoint = 500;  // 1000 entries over 1000 iterations
  RunResult r = Run();
  const CheckResult& allowed = Check(r.scenarios[0], "collections");
  EXPECT_EQ(allowed.status, CheckStatus::kAllowed) << allowed.summary;
  EXPECT_EQ(allowed.allowed_reason, "bounded");
  EXPECT_EQ(allowed.location.line, 11) << "the threshold's own line";
  EXPECT_FALSE(allowed.default_threshold);
  EXPECT_TRUE(r.scenarios[0].passed);
  const CheckResult& heap = Check(r.scenarios[0], "heap_per_iteration");
  EXPECT_EQ(heap.location.line, 4) << "a default points at the scenario";
  EXPECT_TRUE(heap.default_threshold);

  const CheckResult& failed = Check(r.scenarios[1], "collections");
  EXPECT_EQ(failed.status, CheckStatus::kFailed);
  EXPECT_THAT(failed.summary, HasSubstr("sessionCache"));
  EXPECT_FALSE(r.scenarios[1].passed);
  EXPECT_EQ(r.ExitCode(), kExitLeak);
  EXPECT_EQ(r.scenarios[1].snapshots.size(), 2u) << "a failed scenario keeps its snapshots";
}

TEST_F(PipelineTest, BaselineComparisonIsPartOfTheVerdict) {
  File("api", Scenario("one"));
  RunResult main_run = Run();
  Script grown;
  grown.heap_per_iteration = 100;  // under the 128 B default, far above main's 0
  FakeStages stages(grown);
  RunResult pr = RunScenarioFiles(options_, progress_, stages);
  EXPECT_TRUE(pr.scenarios[0].passed);
  ApplyBaseline(pr, main_run, BaselineOptions{});
  const CheckResult& b = Check(pr.scenarios[0], "baseline");
  EXPECT_EQ(b.status, CheckStatus::kFailed) << b.summary;
  EXPECT_FALSE(pr.scenarios[0].passed);
  EXPECT_EQ(pr.ExitCode(), kExitLeak);
}

TEST_F(PipelineTest, UnknownExecutableInASecondFileExitsTwoBeforeAnyAppStarts) {
  File("first", Scenario("one"));
  File("second", Scenario("two"), "no-such-node server.js");
  try {
    Run();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_THAT(e.detail(), HasSubstr("no-such-node"));
  }
  EXPECT_THAT(script_.log, ElementsAre("check node", "check no-such-node"));
}

TEST_F(PipelineTest, ReportIntoAMissingFolderExitsTwoBeforeAnyAppStarts) {
  File("api", Scenario("one"));
  options_.report_files = {(dir_ / "missing" / "junit.xml").string()};
  try {
    Run();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_THAT(e.detail(), HasSubstr("does not exist"));
  }
  EXPECT_EQ(script_.apps_made, 0);
}

TEST_F(PipelineTest, SameScenarioNameInTwoFilesKeepsBothEvidence) {
  File("leaky", Scenario("api"));
  File("clean", Scenario("api"));
  options_.keep_snapshots = true;
  RunResult r = Run();
  ASSERT_EQ(r.scenarios.size(), 2u);
  ASSERT_EQ(r.scenarios[0].snapshots.size(), 2u);
  ASSERT_EQ(r.scenarios[1].snapshots.size(), 2u);
  EXPECT_NE(fs::path(r.scenarios[0].snapshots[0]).parent_path(),
            fs::path(r.scenarios[1].snapshots[0]).parent_path());
  for (const auto& s : r.scenarios)
    for (const auto& f : s.snapshots) EXPECT_TRUE(fs::exists(f)) << f;
  EXPECT_TRUE(fs::is_directory(fs::path(options_.out_dir) / "leaky-api"));
  EXPECT_TRUE(fs::is_directory(fs::path(options_.out_dir) / "clean-api"));
}

TEST_F(PipelineTest, AScenarioFolderStartsEmptyOfOldEvidence) {
  File("api", Scenario("one"));
  fs::create_directories(fs::path(options_.out_dir) / "one");
  for (const char* old : {"checkpoint-3.heapsnapshot", "final.heapsnapshot.part", "stderr.log"})
    std::ofstream(fs::path(options_.out_dir) / "one" / old) << "old";
  std::ofstream(fs::path(options_.out_dir) / "one" / "notes.txt") << "the user's";
  options_.keep_snapshots = true;
  Run();
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(fs::path(options_.out_dir) / "one"))
    left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_THAT(left, ElementsAre("baseline.heapsnapshot", "final.heapsnapshot", "notes.txt"));
}

TEST_F(PipelineTest, OnlyFoldersLeakcheckCreatesBecomePrivate) {
  File("api", Scenario("one"));
  fs::create_directories(options_.out_dir);
  ::chmod(options_.out_dir.c_str(), 0755);
  Run();
  struct stat st {};
  ASSERT_EQ(::stat(options_.out_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u) << "--out on an existing folder keeps its mode";
  ASSERT_EQ(::stat((fs::path(options_.out_dir) / "one").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "the scenario folder leakcheck created";

  options_.out_dir = (dir_ / "new" / "out").string();
  Run();
  for (const fs::path& p : {dir_ / "new", dir_ / "new" / "out"}) {
    ASSERT_EQ(::stat(p.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u) << p;
  }
}

// docs/verdicts.md "Extension": a clear pass or fail is decided at once, no extension paid.
TEST_F(PipelineTest, ClearVerdictsAreNotExtended) {
  File("api", Scenario("flat") + Scenario("leaking"));
  // The second scenario starts at iteration 1,000 (the fakes count across scenarios).
  script_.before_batch = [&](int64_t) {
    script_.heap_per_iteration = script_.iterations >= 1000 ? 2000 : 0;
  };
  RunResult r = Run();
  ASSERT_EQ(r.scenarios.size(), 2u);
  EXPECT_TRUE(r.scenarios[0].extensions.empty());
  EXPECT_EQ(Check(r.scenarios[0], "heap_per_iteration").status, CheckStatus::kPassed);
  EXPECT_TRUE(r.scenarios[1].extensions.empty());
  EXPECT_EQ(Check(r.scenarios[1], "heap_per_iteration").status, CheckStatus::kFailed);
  for (const auto& line : script_.log) EXPECT_THAT(line, ::testing::Not(HasSubstr("extension")));
}

// A slope near the limit (110 B against 128 B) is undecided: the run is extended twice (the
// cap), 50% of `run:` each with one more checkpoint, and then decided on the longer series.
TEST_F(PipelineTest, ANearLimitSeriesIsExtendedUpToTheCap) {
  File("api", Scenario("near"));
  script_.heap_per_iteration = 110;
  RunResult r = Run();
  const ScenarioResult& s = r.scenarios[0];
  ASSERT_EQ(s.extensions.size(), 2u);
  EXPECT_THAT(s.extensions[0], HasSubstr("heap_per_iteration: near its limit"));
  EXPECT_THAT(script_.log, ::testing::IsSupersetOf(
                               {"load 500", "checkpoint extension-1", "checkpoint extension-2"}));
  EXPECT_EQ(s.load.iterations, 2000);
  EXPECT_EQ(s.checkpoints.size(), 5u);
  EXPECT_EQ(Check(s, "heap_per_iteration").status, CheckStatus::kPassed);
  EXPECT_EQ(r.ExitCode(), kExitOk);
}

// Windows that disagree (rising overall, R² < 0.5) at every length: extended to the cap, then
// inconclusive with the reason; passes by default, fails under --inconclusive=fail.
TEST_F(PipelineTest, WindowsThatStillDisagreeAreInconclusive) {
  for (bool fails : {false, true}) {
    SCOPED_TRACE(fails ? "inconclusive=fail" : "inconclusive=pass");
    options_.files.clear();
    File(fails ? "fail" : "pass", Scenario("zigzag"));
    options_.inconclusive_fails = fails;
    script_ = Script{};
    script_.heap_at = {0, -1'000'000, 300'000, 800'000, 500'000};
    RunResult r = Run();
    const ScenarioResult& s = r.scenarios[0];
    EXPECT_EQ(s.extensions.size(), 2u);
    const CheckResult& heap = Check(s, "heap_per_iteration");
    EXPECT_EQ(heap.status, CheckStatus::kInconclusive) << heap.summary;
    EXPECT_THAT(heap.inconclusive_reason, HasSubstr("the windows disagree"));
    EXPECT_THAT(heap.inconclusive_reason, HasSubstr("after 2 extensions"));
    EXPECT_EQ(r.inconclusive, fails ? "fail" : "pass");
    EXPECT_EQ(s.passed, !fails);
    EXPECT_EQ(r.ExitCode(), fails ? kExitLeak : kExitOk);
  }
}

// Issue 14: failed requests over the http limit make the memory checks inconclusive, not
// passed; a memory check that failed still fails.
TEST_F(PipelineTest, FailedRequestsMakeMemoryChecksInconclusive) {
  File("api", Scenario("failing") + Scenario("failing-and-leaking"));
  script_.failed_per_batch = 400;  // 80% of each 500-request batch
  script_.before_batch = [&](int64_t) {
    if (script_.iterations >= 1000) script_.heap_per_iteration = 5000;
  };
  RunResult r = Run();
  ASSERT_EQ(r.scenarios.size(), 2u);
  const ScenarioResult& s = r.scenarios[0];
  EXPECT_EQ(Check(s, "http").status, CheckStatus::kFailed);
  const CheckResult& heap = Check(s, "heap_per_iteration");
  EXPECT_EQ(heap.status, CheckStatus::kInconclusive);
  EXPECT_THAT(heap.inconclusive_reason, HasSubstr("failed requests exceed the http limit"));
  EXPECT_EQ(Check(s, "survivors").status, CheckStatus::kInconclusive);
  EXPECT_EQ(Check(r.scenarios[1], "heap_per_iteration").status, CheckStatus::kFailed);
}

}  // namespace
}  // namespace leakcheck::run
