// The watch of a growing collection's adding calls as a pipeline stage (docs/attribution.md
// "The line that adds a collection's entries"), through the fakes of fake_stages.h: which
// collection is watched and when, that the watch is read before the final snapshot, and what
// the collections evidence then says.
#include <unistd.h>

#include <csignal>
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
using ::testing::HasSubstr;

class QuietProgress final : public ProgressSink {
 public:
  void Phase(const std::string&, const std::string&, const std::string&) override {}
  void Progress(const ProgressUpdate&) override {}
  void Checkpoint(const std::string&, int, int, const CheckpointSample&) override {}
};

class AddersStage : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("leakcheck-adders-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.out_dir = (dir_ / "out").string();
    ResetInterruptForTesting();
    // Four checkpoints, three snapshots: baseline, checkpoint-2 (the middle), final.
    const fs::path file = dir_ / "api.yaml";
    std::ofstream(file) << "version: 1\napp: { command: node server.js }\nscenarios:\n"
                           "  - name: one\n    warmup: { iterations: 100 }\n"
                           "    run: { iterations: 1000 }\n    checkpoints: 4\n    snapshots: 3\n"
                           "    flow: [ { get: { url: / } } ]\n";
    options_.files.push_back(file.string());
  }
  void TearDown() override {
    ResetInterruptForTesting();
    fs::remove_all(dir_);
  }
  RunResult Run() { return RunScenarioFiles(options_, progress_, stages_); }
  size_t At(const std::string& entry) const {
    auto it = std::find(script_.log.begin(), script_.log.end(), entry);
    return static_cast<size_t>(it - script_.log.begin());
  }
  static cdp::CollectionAdders Recorded() {
    cdp::CollectionAdders a;
    a.id = 7;  // the fake snapshots' sessionCache Map
    a.methods = {"set"};
    a.sampled = 40;
    a.sites = {{"set", {"remember (/app/cache.js:23:11)", "handler (/app/server.js:5:3)"}, 30},
               {"set", {"remember (/app/cache.js:23:11)", "other (/app/server.js:9:3)"}, 6},
               {"set", {"node:internal/x:1:1", "warm (/app/boot.js:2:1)"}, 4}};
    return a;
  }

  fs::path dir_;
  RunOptions options_;
  fakes::Script script_;
  fakes::FakeStages stages_{script_};
  QuietProgress progress_;
};

const CheckResult& Collections(const ScenarioResult& s) {
  for (const auto& c : s.checks)
    if (c.detector == "collections") return c;
  throw std::runtime_error("no collections check");
}

TEST_F(AddersStage, AGrowingCollectionIsWatchedFromTheMiddleSnapshotToBeforeTheFinal) {
  script_.entries_per_checkpoint = 300;
  script_.adders = {Recorded()};
  RunResult r = Run();
  ASSERT_FALSE(r.scenarios[0].infrastructure_error) << *r.scenarios[0].infrastructure_error;
  const size_t watch = At("watch adders 7"), collect = At("collect adders");
  ASSERT_LT(watch, script_.log.size()) << "the Map that grew is watched";
  EXPECT_GT(watch, At("checkpoint checkpoint-2 +snapshot")) << "once the middle snapshot is in";
  EXPECT_LT(watch, At("checkpoint checkpoint-3"));
  ASSERT_LT(collect, script_.log.size());
  EXPECT_LT(collect, At("checkpoint final +snapshot")) << "nothing of it in the final snapshot";
  EXPECT_EQ(std::count(script_.log.begin(), script_.log.end(), "collect adders"), 1);

  const CheckResult& c = Collections(r.scenarios[0]);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  ASSERT_FALSE(c.evidence.empty());
  const Evidence& e = c.evidence[0];
  EXPECT_THAT(e.detail,
              HasSubstr("entries added at /app/cache.js:23:11 (set, 36 of 40 sampled calls; 1 "
                        "other line)"));
  ASSERT_TRUE(e.code.has_value());
  EXPECT_EQ(e.code->file, "/app/cache.js");
  EXPECT_EQ(e.code->line, 23);
  EXPECT_EQ(e.code->column, 11);
  EXPECT_THAT(c.summary, HasSubstr("; entries added at /app/cache.js:23:11"));
}

TEST_F(AddersStage, NothingIsWatchedWhenNoCollectionGrowsOrWhenTurnedOff) {
  RunResult r = Run();
  EXPECT_EQ(At("collect adders"), script_.log.size());
  for (const auto& entry : script_.log) EXPECT_THAT(entry, ::testing::Not(HasSubstr("watch")));

  fakes::Script off;
  off.entries_per_checkpoint = 300;
  fakes::FakeStages stages(off);
  options_.watch_adders = false;
  RunScenarioFiles(options_, progress_, stages);
  for (const auto& entry : off.log) EXPECT_THAT(entry, ::testing::Not(HasSubstr("adders")));
}

TEST_F(AddersStage, AStoreByAssignmentSaysTheWatchCouldNotSeeIt) {
  script_.entries_per_checkpoint = 300;
  cdp::CollectionAdders none;
  none.id = 7;
  none.methods = {"set"};
  script_.adders = {none};
  RunResult r = Run();
  const Evidence& e = Collections(r.scenarios[0]).evidence.at(0);
  EXPECT_THAT(e.detail, HasSubstr("no set call added to it while watched"));
  EXPECT_FALSE(e.code.has_value());
}

TEST_F(AddersStage, AnInterruptWhileWatchingStopsTheAppWithoutReadingTheWatch) {
  script_.entries_per_checkpoint = 300;
  script_.adders = {Recorded()};
  int batches = 0;
  script_.before_batch = [&](int64_t) {
    if (++batches == 4) RecordInterrupt(SIGINT);  // warm-up, batches 1-3: after the watch began
  };
  RunResult r = Run();
  EXPECT_TRUE(r.interrupted);
  EXPECT_LT(At("watch adders 7"), script_.log.size());
  // The app (and every wrapper in it) is gone with its process group: nothing waits on it.
  EXPECT_EQ(At("checkpoint final +snapshot"), script_.log.size());
  EXPECT_EQ(r.scenarios[0].infrastructure_stage, "interrupted");
}

}  // namespace
}  // namespace leakcheck::run
