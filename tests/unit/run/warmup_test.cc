// The warm-up (docs/verdicts.md "Warm-up"): with no `warmup:` key, traffic runs in batches until
// the post-GC heap settles, between a minimum and a cap; an explicit count is run exactly. The
// settle rule as a pure function, then the pipeline through the scripted fakes.
#include "harness/run/warmup.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/interrupt.h"
#include "harness/run/pipeline.h"
#include "tests/unit/run/fake_stages.h"

namespace leakcheck::run {
namespace {

namespace fs = std::filesystem;
using fakes::FakeStages;
using fakes::Script;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SettledReason, NeedsItsReadings) {
  EXPECT_EQ(SettledReason({}), "");
  EXPECT_EQ(SettledReason({1e7, 1e7}), "");
  EXPECT_THAT(SettledReason({1e7, 1e7, 1e7}), HasSubstr("the last 3 post-GC readings lie within"));
}

TEST(SettledReason, ToleranceIsBytesOrAShareOfTheHeap) {
  // 64 KiB on a small heap: 60 KiB of spread has settled, 70 KiB has not.
  EXPECT_NE(SettledReason({4e6, 4e6 + 60 * 1024, 4e6}), "");
  EXPECT_EQ(SettledReason({4e6, 4e6 + 70 * 1024, 4e6}), "");
  // 1% of a 60 MB heap (600 KB): 500 KB of spread has settled, 700 KB has not.
  EXPECT_NE(SettledReason({60e6, 60.5e6, 60.2e6}), "");
  EXPECT_EQ(SettledReason({60e6, 60.7e6, 60.2e6}), "");
  // Only the last readings count: an early step does not hold the warm-up back.
  EXPECT_NE(SettledReason({1e6, 3e6, 3e6, 3e6, 3e6}), "");
}

TEST(WarmupBatchIterations, APacedScenarioReadsEveryFiveSeconds) {
  config::Scenario unpaced;
  EXPECT_EQ(WarmupBatchIterations(unpaced), kWarmupBatchIterations);
  config::Scenario paced;
  paced.run.rate = config::Located<double>{8, {}};
  EXPECT_EQ(WarmupBatchIterations(paced), 40);
  paced.run.rate->value = 0.5;
  EXPECT_EQ(WarmupBatchIterations(paced), 10) << "at least 10";
  paced.run.rate->value = 500;
  EXPECT_EQ(WarmupBatchIterations(paced), kWarmupBatchIterations) << "at most the default";
}

class NullProgress final : public ProgressSink {
 public:
  void Phase(const std::string&, const std::string&, const std::string&) override {}
  void Progress(const ProgressUpdate&) override {}
  void Checkpoint(const std::string&, int, int, const CheckpointSample&) override {}
};

class WarmupPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("leakcheck-warmup-{}-{}", ::getpid(),
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
  // One scenario with `warmup` (a YAML line, or empty: the settle rule).
  ScenarioResult RunWith(const std::string& warmup) {
    fs::path p = dir_ / "api.yaml";
    std::ofstream(p) << "version: 1\napp: { command: node server.js }\nscenarios:\n"
                     << "  - name: one\n"
                     << (warmup.empty() ? "" : "    " + warmup + "\n")
                     << "    run: { iterations: 1000 }\n    checkpoints: 2\n    snapshots: 2\n"
                     << "    flow: [ { get: { url: / } } ]\n";
    options_.files.push_back(p.string());
    RunResult r = RunScenarioFiles(options_, progress_, stages_);
    EXPECT_EQ(r.scenarios.size(), 1u);
    return r.scenarios.at(0);
  }
  // The warm-up's part of the log: everything before the baseline checkpoint, after "connect".
  std::vector<std::string> WarmupLog() const {
    auto from = std::find(script_.log.begin(), script_.log.end(), "connect");
    auto to = std::find(script_.log.begin(), script_.log.end(), "checkpoint baseline +snapshot");
    return {from + 1, to};
  }

  fs::path dir_;
  RunOptions options_;
  Script script_;
  FakeStages stages_{script_};
  NullProgress progress_;
};

TEST_F(WarmupPipelineTest, AHeapThatSettlesStopsThere) {
  // Lazy work for 5 batches (+1 MB each), then flat: settled after the 3 flat readings that
  // follow the 5th batch, i.e. 7 batches.
  script_.warmup_heap_at = {1e6, 2e6, 3e6, 4e6, 5e6, 5e6, 5e6, 5e6};
  ScenarioResult s = RunWith("");
  ASSERT_TRUE(s.passed) << s.infrastructure_error.value_or("");
  EXPECT_EQ(s.warmup.iterations, 7 * kWarmupBatchIterations);
  EXPECT_EQ(s.warmup_end.stopped, "settled");
  EXPECT_THAT(s.warmup_end.reason, HasSubstr("post-GC heap settled after 700 iterations"));
  EXPECT_EQ(s.warmup_end.readings.size(), 7u);
  EXPECT_EQ(script_.warmup_readings, 7);
  // Warm-up traffic is not measured traffic.
  EXPECT_EQ(s.load.iterations, 1000);
  EXPECT_THAT(WarmupLog(),
              ElementsAre("warmup 100", "reading warmup-1", "warmup 100", "reading warmup-2",
                          "warmup 100", "reading warmup-3", "warmup 100", "reading warmup-4",
                          "warmup 100", "reading warmup-5", "warmup 100", "reading warmup-6",
                          "warmup 100", "reading warmup-7"));
}

TEST_F(WarmupPipelineTest, AFlatHeapStillRunsTheMinimum) {
  ScenarioResult s = RunWith("");
  EXPECT_EQ(s.warmup.iterations, kWarmupMinIterations);
  EXPECT_EQ(s.warmup_end.stopped, "settled");
}

TEST_F(WarmupPipelineTest, AHeapThatNeverSettlesStopsAtTheCapAndSaysSo) {
  std::vector<double> rising;
  for (int i = 0; i < 100; ++i) rising.push_back(200'000.0 * i);  // 2 KB/iteration forever
  script_.warmup_heap_at = rising;
  ScenarioResult s = RunWith("");
  ASSERT_TRUE(s.passed) << s.infrastructure_error.value_or("");
  EXPECT_EQ(s.warmup.iterations, kWarmupMaxIterations);
  EXPECT_EQ(s.warmup_end.stopped, "cap");
  EXPECT_THAT(s.warmup_end.reason, HasSubstr("still changing at the cap (2,000 iterations)"));
  EXPECT_THAT(s.warmup_end.reason, HasSubstr("measuring anyway"));
  EXPECT_EQ(s.warmup_end.readings.size(),
            static_cast<size_t>(kWarmupMaxIterations / kWarmupBatchIterations));
}

TEST_F(WarmupPipelineTest, AnExplicitCountRunsExactlyWithoutReadings) {
  script_.warmup_heap_at = {0, 1e6, 2e6, 3e6};
  ScenarioResult s = RunWith("warmup: { iterations: 250 }");
  EXPECT_EQ(s.warmup.iterations, 250);
  EXPECT_EQ(s.warmup_end.stopped, "count");
  EXPECT_TRUE(s.warmup_end.readings.empty());
  EXPECT_THAT(WarmupLog(), ElementsAre("warmup 250"));
}

TEST_F(WarmupPipelineTest, ZeroIterationsIsNoWarmup) {
  ScenarioResult s = RunWith("warmup: { iterations: 0 }");
  EXPECT_EQ(s.warmup.iterations, 0);
  EXPECT_THAT(WarmupLog(), ElementsAre("warmup 0"));
}

}  // namespace
}  // namespace leakcheck::run
