// fds, sockets, rss, heap_limit and EventTarget listeners: synthetic series through the registry
// (each check is found by its report name and run with its default limit, as a scenario without
// thresholds would).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/run/detectors.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::run {
namespace {

using ::testing::HasSubstr;
using testing::TinySnapshot;

CheckResult RunDefault(const std::string& name, const DetectorInput& in) {
  for (const auto& entry : Registry())
    if (entry.spec->report_name == name)
      return entry.check(in, entry.spec->default_limit * entry.spec->limit_scale);
  ADD_FAILURE() << "no detector " << name;
  return {};
}

// Samples every `step` iterations with `fds(i)` open descriptors of each kind.
struct Point {
  int64_t files, sockets, pipes;
};
DetectorInput Descriptors(const std::vector<Point>& points, int64_t step = 400) {
  DetectorInput in;
  for (size_t i = 0; i < points.size(); ++i) {
    CheckpointSample s;
    s.iteration = static_cast<int64_t>(i) * step;
    s.fds = {{"anon_inode", 4},
             {"file", points[i].files},
             {"pipe", points[i].pipes},
             {"socket", points[i].sockets}};
    s.fd_files = {{"/srv/public/app.js", points[i].files - 2}, {"/srv/node_modules/x.js", 2}};
    s.sockets = {{"tcp listening 127.0.0.1:4100", 1},
                 {"tcp inbound 127.0.0.1:4100", 4},
                 {"tcp outbound 127.0.0.1:5000", points[i].sockets - 5}};
    in.samples.push_back(s);
  }
  return in;
}

TEST(Fds, AFileOpenedPerIterationFailsNamingItsPath) {
  std::vector<Point> p;
  for (int i = 0; i < 6; ++i) p.push_back({1002 + 400 * i, 10, 6});
  CheckResult c = RunDefault("fds", Descriptors(p));
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_DOUBLE_EQ(c.measured, 1);
  EXPECT_EQ(c.unit, "fds/iteration");
  EXPECT_THAT(c.summary, HasSubstr("/srv/public/app.js (1,000 → 3,000 open)"));
  ASSERT_FALSE(c.evidence.empty());
  EXPECT_EQ(c.evidence[0].title, "/srv/public/app.js");
  EXPECT_EQ(c.evidence[0].count, 2000);
}

TEST(Fds, KeepAliveSocketsComingAndGoingAndAOneTimeStepPass) {
  // The load driver's keep-alive connections: sockets up and down by the concurrency.
  CheckResult churn = RunDefault(
      "fds",
      Descriptors({{30, 9, 6}, {30, 13, 6}, {30, 7, 6}, {30, 13, 6}, {30, 9, 6}, {30, 12, 6}}));
  EXPECT_EQ(churn.status, CheckStatus::kPassed);
  EXPECT_EQ(
      RunDefault(
          "sockets",
          Descriptors({{30, 9, 6}, {30, 13, 6}, {30, 7, 6}, {30, 13, 6}, {30, 9, 6}, {30, 12, 6}}))
          .status,
      CheckStatus::kPassed);
  // A pool of 40 files opened once (a log rotation, a cache of handles), then flat.
  CheckResult step = RunDefault(
      "fds", Descriptors({{30, 9, 6}, {70, 9, 6}, {70, 9, 6}, {70, 9, 6}, {70, 9, 6}, {70, 9, 6}}));
  EXPECT_EQ(step.status, CheckStatus::kPassed) << step.summary;
}

TEST(Fds, SkippedWhenProcCouldNotBeRead) {
  DetectorInput in = Descriptors({{30, 9, 6}, {30, 9, 6}});
  in.samples[1].fds.clear();
  CheckResult c = RunDefault("fds", in);
  EXPECT_EQ(c.status, CheckStatus::kSkipped);
  EXPECT_THAT(c.summary, HasSubstr("/proc/<pid>/fd"));
}

TEST(Sockets, AnOutboundSocketPerIterationFailsNamingThePeerAndTheUnrefdOnes) {
  std::vector<Point> p;
  for (int i = 0; i < 6; ++i) p.push_back({30, 1008 + 400 * i, 6});
  DetectorInput in = Descriptors(p);
  in.samples.back().resources = {{"TCPSocketWrap", 5}, {"TCPServerWrap", 1}};
  CheckResult c = RunDefault("sockets", in);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_DOUBLE_EQ(c.measured, 1);
  EXPECT_THAT(c.summary, HasSubstr("tcp outbound 127.0.0.1:5000"));
  bool unrefd = false;
  for (const auto& e : c.evidence) unrefd |= e.title == "unref'd sockets" && e.count == 3003;
  EXPECT_TRUE(unrefd) << "3,008 open, 5 active";
  EXPECT_EQ(RunDefault("fds", in).status, CheckStatus::kPassed) << "sockets are their own check";
}

DetectorInput Rss(const std::vector<double>& mib, const std::vector<bool>& snapshot) {
  DetectorInput in;
  for (size_t i = 0; i < mib.size(); ++i) {
    CheckpointSample s;
    s.iteration = static_cast<int64_t>(i) * 400;
    s.rss = mib[i] * 1024 * 1024;
    s.heap_used = 4e6;
    s.snapshot_taken = snapshot[i];
    in.samples.push_back(s);
  }
  return in;
}

TEST(Rss, NativeGrowthFailsTheSnapshotsOwnMemoryDoesNot) {
  const std::vector<bool> snaps = {true, false, false, true, false, true};
  // 8 MiB per 400 iterations: ~20 KiB/iteration, every interval.
  CheckResult leak = RunDefault("rss", Rss({50, 58, 66, 74, 82, 90}, snaps));
  EXPECT_EQ(leak.status, CheckStatus::kFailed) << leak.summary;
  EXPECT_EQ(leak.unit, "B/iteration");
  // A clean app: +35 MiB after the baseline snapshot, +3 MiB after the middle one, flat otherwise.
  CheckResult clean = RunDefault("rss", Rss({54.7, 89.5, 90.6, 90.7, 94.2, 94.4}, snaps));
  EXPECT_EQ(clean.status, CheckStatus::kPassed) << clean.summary;
  EXPECT_THAT(clean.summary, HasSubstr("2 intervals after a heap snapshot counted flat"));
  // Up and down by megabytes (malloc arenas, V8 pages): noise.
  EXPECT_EQ(
      RunDefault("rss", Rss({60, 66, 58, 67, 59, 66}, {false, false, false, false, false, false}))
          .status,
      CheckStatus::kPassed);
}

// A 40-iteration run with 3 checkpoints (e2e RunFolder under ASan): the interval after the
// baseline snapshot is flat by rule, so one interval is left; its start-up growth cannot fail.
TEST(Rss, OneIntervalOfItsOwnIsInconclusiveTwoThatGrowFail) {
  CheckResult short_run = RunDefault("rss", Rss({45.1, 60.0, 71.0}, {true, false, true}));
  EXPECT_EQ(short_run.status, CheckStatus::kInconclusive) << short_run.summary;
  EXPECT_THAT(short_run.inconclusive_reason, HasSubstr("1 interval without a heap snapshot"));
  // The leaky twin: the same growth in two intervals of its own fails.
  CheckResult leak = RunDefault("rss", Rss({45.1, 60.0, 71.0, 82.0}, {true, false, false, true}));
  EXPECT_EQ(leak.status, CheckStatus::kFailed) << leak.summary;
}

TEST(Rss, AShortRunsAllocatorStepsAreInconclusiveTheSameShapeInMegabytesFails) {
  // A clean https app, 40 iterations, checkpoints every 8 (measured): +37 MiB after the baseline
  // snapshot, then +112 KiB, -16 KiB, (snapshot), +184 KiB: 5.9 KiB/iteration over 280 KiB.
  const std::vector<double> kib = {52703, 90608, 90720, 90704, 91670, 91848};
  const std::vector<bool> snaps = {true, false, false, true, false, true};
  auto series = [&](double scale) {
    DetectorInput in;
    for (size_t i = 0; i < kib.size(); ++i) {
      CheckpointSample s;
      s.iteration = static_cast<int64_t>(i) * 8;
      s.rss = (kib[0] + (kib[i] - kib[0]) * scale) * 1024;
      s.heap_used = 4e6;
      s.snapshot_taken = snaps[i];
      in.samples.push_back(s);
    }
    return in;
  };
  CheckResult steps = RunDefault("rss", series(1));
  EXPECT_EQ(steps.status, CheckStatus::kInconclusive) << steps.summary;
  EXPECT_THAT(steps.inconclusive_reason, HasSubstr("less than the allocator's steps"));
  // The leaky twin: the same intervals ten times larger (2.8 MiB of the app's own) fail.
  CheckResult leak = RunDefault("rss", series(10));
  EXPECT_EQ(leak.status, CheckStatus::kFailed) << leak.summary;
}

TEST(HeapLimit, OutOfMemoryFailsWithTheIterationItDiedAt) {
  DetectorInput in;
  CheckpointSample base;
  base.heap_used = 5.6e6;
  base.heap_limit = 100e6;
  in.samples = {base};
  in.app_died_at = 412;
  in.app_stderr =
      "<--- Last few GCs --->\n\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript "
      "heap out of memory\n----- Native stack trace -----\n";
  CheckResult c = RunDefault("heap_limit", in);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_DOUBLE_EQ(c.measured, 100);
  EXPECT_THAT(c.summary, HasSubstr("out of memory at iteration 412"));
  ASSERT_FALSE(c.evidence.empty());
  EXPECT_EQ(c.evidence[0].detail,
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory");
}

TEST(HeapLimit, NearTheLimitFailsFarFromItPassesUnknownIsSkipped) {
  DetectorInput in;
  for (double used : {20e6, 60e6, 95e6}) {
    CheckpointSample s;
    s.heap_used = used;
    s.heap_limit = 100e6;
    in.samples.push_back(s);
  }
  CheckResult near = RunDefault("heap_limit", in);
  EXPECT_EQ(near.status, CheckStatus::kFailed);
  EXPECT_DOUBLE_EQ(near.measured, 95);
  in.samples.pop_back();
  EXPECT_EQ(RunDefault("heap_limit", in).status, CheckStatus::kPassed);
  for (auto& s : in.samples) s.heap_limit = 0;
  EXPECT_EQ(RunDefault("heap_limit", in).status, CheckStatus::kSkipped);
  // The app died (a signal) after its heap came near the limit: out of memory too.
  in.samples = {CheckpointSample{}};
  in.samples[0].heap_used = 93e6;
  in.samples[0].heap_limit = 100e6;
  in.app_died_at = 800;
  CheckResult died = RunDefault("heap_limit", in);
  EXPECT_EQ(died.status, CheckStatus::kFailed);
  EXPECT_THAT(died.summary, HasSubstr("out of memory at iteration 800"));
}

// A process whose `shutdown` AbortSignal (Node 20's layout: an EventTarget node with a kAborted
// symbol) has `n` 'abort' listeners in its kEvents Map, each a Listener in a `next` chain.
TinySnapshot Signal(int n) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto ctx = s.Node("hidden", "system / Context", 40, 5);
  auto signal = s.Node("object", "EventTarget", 40, 7);
  auto aborted = s.Node("hidden", "system / Oddball", 8, 9);
  auto map = s.Node("object", "Map", 32, 11);
  auto table = s.Node("array", "", 64, 13);
  auto type = s.Node("string", "abort", 24, 15);
  auto list = s.Node("object", "Object", 24, 17);
  auto script = s.Node("code", "/srv/server.js", 100, 19);
  auto shared = s.Node("code", "onShutdown", 50, 21);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(ctx, "context", "shutdown", signal);
  s.Edge(signal, "property", "<symbol kEvents>", map);
  s.Edge(signal, "property", "<symbol kAborted>", aborted);
  s.Edge(map, "internal", "table", table);
  s.Edge(table, "internal", "5", type);
  s.Edge(table, "internal", "6", list);
  s.Edge(shared, "internal", "script_or_debug_info", script);
  uint32_t prev = list;
  for (int i = 0; i < n; ++i) {
    auto l = s.Node("object", "Listener", 48, 1001 + 4 * static_cast<uint32_t>(i));
    auto fn = s.Node("closure", "onShutdown", 32, 1003 + 4 * static_cast<uint32_t>(i));
    s.Edge(fn, "internal", "shared", shared);
    s.Location(fn, 4, 17, 21);
    s.Edge(prev, "property", "next", l);
    s.Edge(l, "property", "previous", prev);
    s.Edge(l, "property", "listener", fn);
    prev = l;
  }
  return s;
}

TEST(Listeners, AnAbortSignalsListenersCountWithoutAnyWarning) {
  auto g1 = Signal(3).Graph();
  auto g2 = Signal(13).Graph();
  auto g3 = Signal(23).Graph();
  DetectorInput in;
  in.snapshots = {{&g1, 0, "s1"}, {&g2, 100, "s2"}, {&g3, 200, "s3"}};
  CheckResult c = RunDefault("listeners", in);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_EQ(c.measured, 20);
  EXPECT_THAT(c.summary, HasSubstr("'abort' listeners on AbortSignal grew 3 → 23"));
  ASSERT_FALSE(c.evidence.empty());
  EXPECT_THAT(c.evidence[0].title, HasSubstr("AbortSignal"));
  EXPECT_THAT(c.evidence[0].title, HasSubstr("event 'abort'"));
  EXPECT_THAT(c.evidence[0].detail, HasSubstr("/srv/server.js:18"));

  auto same = Signal(3).Graph();
  in.snapshots = {{&g1, 0, "s1"}, {&same, 200, "s3"}};
  EXPECT_EQ(RunDefault("listeners", in).status, CheckStatus::kPassed);
}

}  // namespace
}  // namespace leakcheck::run
