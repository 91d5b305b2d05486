#include "harness/run/detectors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::run {
namespace {

using ::testing::HasSubstr;
using testing::TinySnapshot;

std::vector<CheckpointSample> Samples(std::vector<std::pair<int64_t, double>> points) {
  std::vector<CheckpointSample> out;
  for (auto [it, heap] : points) {
    CheckpointSample s;
    s.iteration = it;
    s.heap_used = heap;
    out.push_back(s);
  }
  return out;
}

TEST(FitLine, ExactLineHasPerfectFit) {
  LinearFit f = FitLine({0, 1, 2, 3}, {10, 12, 14, 16});
  EXPECT_DOUBLE_EQ(f.slope, 2);
  EXPECT_DOUBLE_EQ(f.intercept, 10);
  EXPECT_DOUBLE_EQ(f.r2, 1);
}

TEST(HeapPerIteration, FailsOnSteadyGrowthPassesOnNoise) {
  DetectorInput leak;
  leak.samples = Samples({{0, 1e6}, {1000, 1.5e6}, {2000, 2e6}, {3000, 2.5e6}});
  CheckResult c = CheckHeapPerIteration(leak, 256);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_DOUBLE_EQ(c.measured, 500);
  EXPECT_THAT(c.summary, HasSubstr("R² 1.00"));

  DetectorInput noisy;  // up, down, up: slope above the limit but no trend
  noisy.samples = Samples({{0, 1e6}, {1000, 1.9e6}, {2000, 1.0e6}, {3000, 1.95e6}, {4000, 1.0e6}});
  EXPECT_EQ(CheckHeapPerIteration(noisy, 50).status, CheckStatus::kPassed);

  DetectorInput flat;
  flat.samples = Samples({{0, 1e6}, {1000, 1e6 + 100}, {2000, 1e6 - 50}});
  EXPECT_EQ(CheckHeapPerIteration(flat, 256).status, CheckStatus::kPassed);
}

// A short run (40 iterations, as `--iterations 40`): 152 B/iteration is 6 KB in all, which the
// post-GC heap moves by between readings anyway. The leaky twin: the same rate over 4,000
// iterations is 600 KB and fails.
TEST(HeapPerIteration, GrowthWithinThePostGcNoiseIsInconclusiveTheSameRateOverALongRunFails) {
  auto run = [](int64_t step) {
    DetectorInput in;
    std::vector<std::pair<int64_t, double>> points;
    for (int64_t i = 0; i <= 5; ++i) points.push_back({i * step, 4e6 + 152.0 * i * step});
    in.samples = Samples(points);
    return CheckHeapPerIteration(in, 128);
  };
  CheckResult short_run = run(8);
  EXPECT_EQ(short_run.status, CheckStatus::kInconclusive) << short_run.summary;
  EXPECT_THAT(short_run.inconclusive_reason, HasSubstr("within the post-GC noise (64.0 KiB"));
  EXPECT_THAT(short_run.inconclusive_reason, HasSubstr("over 40 iterations"));
  EXPECT_EQ(run(800).status, CheckStatus::kFailed);
}

// external: one 8 KiB buffer appearing in 40 iterations reads 263 B/iteration (measured on an
// https app whose every TLS handshake failed); the same step every 8 iterations for 4,000 fails.
TEST(External, OneBufferInAShortRunIsInconclusiveASteadyStreamFails) {
  auto run = [](int64_t step, double bytes) {
    DetectorInput in;
    for (int64_t i = 0; i <= 5; ++i) {
      CheckpointSample s;
      s.iteration = i * step;
      s.external = 1.86e6 + (i >= 3 ? bytes : 0) + (step > 8 ? bytes * static_cast<double>(i) : 0);
      in.samples.push_back(s);
    }
    return CheckExternal(in, 128);
  };
  CheckResult one = run(8, 8192);
  EXPECT_EQ(one.status, CheckStatus::kInconclusive) << one.summary;
  CheckResult stream = run(800, 8192 * 100);
  EXPECT_EQ(stream.status, CheckStatus::kFailed) << stream.summary;
}

TEST(Handles, CountsOnlyGrowthThatPersists) {
  DetectorInput in;
  in.samples = Samples({{0, 0}, {100, 0}, {200, 0}});
  in.samples[0].resources = {{"Timeout", 2}, {"TCPSocketWrap", 4}};
  in.samples[1].resources = {{"Timeout", 102}, {"TCPSocketWrap", 9}};
  in.samples[2].resources = {{"Timeout", 202}, {"TCPSocketWrap", 4}};
  CheckResult c = CheckHandles(in, 0);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_EQ(c.measured, 100) << "min(last, penultimate) - baseline";
  ASSERT_EQ(c.evidence.size(), 1u) << "the socket spike came and went";
  EXPECT_EQ(c.evidence[0].title, "Timeout");
}

// A cluster worker's share of the load driver's connections moves as the driver reconnects (the
// primary's round-robin): more TCPSocketWrap handles that are connections accepted on the app's
// port are not handles the app made. A socket the app opens itself still counts.
TEST(Handles, ClientConnectionsAcceptedByTheAppAreNotCounted) {
  DetectorInput in;
  in.samples = Samples({{0, 0}, {100, 0}, {200, 0}});
  const std::vector<std::pair<std::string, int64_t>> none,
      three = {{"tcp inbound 127.0.0.1:4100", 3}};
  in.samples[0].resources = {{"PipeWrap", 1}};
  in.samples[0].sockets = none;
  for (int i : {1, 2}) {
    in.samples[static_cast<size_t>(i)].resources = {{"PipeWrap", 1}, {"TCPSocketWrap", 3}};
    in.samples[static_cast<size_t>(i)].sockets = three;
  }
  EXPECT_EQ(CheckHandles(in, 0).status, CheckStatus::kPassed) << CheckHandles(in, 0).summary;
  // Plus one the app opened (outbound): that one is growth.
  in.samples[2].resources = {{"PipeWrap", 1}, {"TCPSocketWrap", 4}};
  in.samples[1].resources = in.samples[2].resources;
  CheckResult c = CheckHandles(in, 0);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_EQ(c.measured, 1);
}

// process.stdout made lazily in mid-run over the pipe the process inherited: one more PipeWrap,
// no more pipe descriptors: not growth. A pipe that comes with a new descriptor is.
TEST(Handles, AStdioStreamMadeLazilyOverAnOpenPipeIsNotGrowth) {
  DetectorInput in;
  in.samples = Samples({{0, 0}, {100, 0}, {200, 0}});
  in.samples[0].resources = {{"PipeWrap", 1}};
  for (auto& sample : in.samples) sample.fds = {{"pipe", 13}, {"socket", 5}};
  for (size_t i : {1u, 2u}) in.samples[i].resources = {{"PipeWrap", 2}};
  EXPECT_EQ(CheckHandles(in, 0).status, CheckStatus::kPassed) << CheckHandles(in, 0).summary;
  for (size_t i : {1u, 2u}) in.samples[i].fds = {{"pipe", 15}, {"socket", 5}};
  EXPECT_EQ(CheckHandles(in, 0).status, CheckStatus::kFailed);
}

TEST(Http, ErrorRateAgainstLimit) {
  DetectorInput in;
  in.load.requests = 1000;
  in.load.errors = 5;
  in.load.errors_by_kind = {{"status", 5}};
  EXPECT_EQ(CheckHttp(in, 0).status, CheckStatus::kFailed);
  EXPECT_EQ(CheckHttp(in, 1).status, CheckStatus::kPassed);
  in.load.requests = 0;
  EXPECT_EQ(CheckHttp(in, 100).status, CheckStatus::kFailed) << "no traffic proves nothing";
}

// A process whose `sessionCache` Map holds `entries` sessions, whose bus has `listeners`
// 'request' listeners, and which parks `closures` closures written at app.js:10:5.
TinySnapshot App(int entries, int listeners, int closures) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto ctx = s.Node("hidden", "system / Context", 40, 5);
  auto map = s.Node("object", "Map", 32, 7);
  auto table = s.Node("array", "", 64, 9);
  auto bus = s.Node("object", "EventEmitter", 40, 11);
  auto events = s.Node("object", "Object", 24, 13);
  auto list = s.Node("object", "Array", 32, 15);
  auto parked = s.Node("object", "Array", 32, 17);
  auto script = s.Node("code", "/srv/app.js", 100, 19);
  auto shared = s.Node("code", "onRequest", 50, 21);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(ctx, "context", "sessionCache", map);
  s.Edge(ctx, "context", "bus", bus);
  s.Edge(ctx, "context", "parked", parked);
  s.Edge(map, "internal", "table", table);
  s.Edge(bus, "property", "_events", events);
  s.Edge(events, "property", "request", list);
  s.Edge(shared, "internal", "script_or_debug_info", script);
  // Object i keeps its id in every snapshot, as V8's ids do.
  auto id = [](uint32_t base, int i) { return base + 2 * static_cast<uint32_t>(i); };
  for (int i = 0; i < entries; ++i) {
    s.Edge(table, "internal", std::to_string(2 * i),
           s.Node("string", "k" + std::to_string(i), 20, id(1001, 2 * i)));
    s.Edge(table, "internal", std::to_string(2 * i + 1),
           s.Node("object", "Session", 40, id(1003, 2 * i)));
  }
  for (int i = 0; i < listeners; ++i)
    s.Edge(list, "element", std::to_string(i), s.Node("closure", "", 32, id(5001, i)));
  for (int i = 0; i < closures; ++i) {
    auto fn = s.Node("closure", "later", 32, id(7001, i));
    s.Edge(fn, "internal", "shared", shared);
    s.Location(fn, 4, 9, 4);
    s.Edge(parked, "element", std::to_string(i), fn);
  }
  return s;
}

TEST(SnapshotDetectors, NameTheGrowingMapTheEmitterAndTheClosureSite) {
  auto g1 = App(10, 2, 0).Graph();
  auto mid = App(20, 12, 10).Graph();
  auto end = App(30, 22, 20).Graph();
  DetectorInput in;
  in.samples = Samples({{0, 0}, {100, 0}, {200, 0}});
  in.snapshots = {{&g1, 0, "s1"}, {&mid, 100, "s2"}, {&end, 200, "s3"}};

  CheckResult col = CheckCollections(in, 0.05);
  EXPECT_EQ(col.status, CheckStatus::kFailed);
  EXPECT_DOUBLE_EQ(col.measured, 0.1) << "Map: 10 → 30 entries over 200 iterations";
  EXPECT_THAT(col.summary, HasSubstr("Map \"sessionCache\""));

  CheckResult lis = CheckListeners(in, 0);
  EXPECT_EQ(lis.status, CheckStatus::kFailed);
  EXPECT_EQ(lis.measured, 20);
  EXPECT_THAT(lis.summary, HasSubstr("'request'"));
  ASSERT_FALSE(lis.evidence.empty());
  EXPECT_THAT(lis.evidence[0].detail, HasSubstr("EventEmitter \"bus\""));

  CheckResult clo = CheckClosures(in, 0.01);
  EXPECT_EQ(clo.status, CheckStatus::kFailed);
  ASSERT_FALSE(clo.evidence.empty());
  EXPECT_THAT(clo.evidence[0].title, HasSubstr("/srv/app.js:10:5"));

  CheckResult sv = CheckSurvivors(in, 0.3);
  EXPECT_EQ(sv.status, CheckStatus::kFailed);
  // Window (s1, s2]: 10 keys + 10 sessions + 10 listeners + 10 closures over 100 iterations.
  EXPECT_DOUBLE_EQ(sv.measured, 0.4) << sv.summary;

  in.app_stderr =
      "(node:1) MaxListenersExceededWarning: Possible EventEmitter memory leak detected.\n";
  EXPECT_EQ(CheckListeners(in, 1000).status, CheckStatus::kFailed) << "the warning alone fails";
}

TEST(SnapshotDetectors, StableHeapPasses) {
  auto g1 = App(10, 2, 1).Graph();
  auto g2 = App(10, 2, 1).Graph();
  auto g3 = App(10, 2, 1).Graph();
  DetectorInput in;
  in.samples = Samples({{0, 0}, {100, 0}, {200, 0}});
  in.snapshots = {{&g1, 0, "s1"}, {&g2, 100, "s2"}, {&g3, 200, "s3"}};
  DetectorLimits limits{128, 4 << 20, 0.5, 0.05, 0, 0, 128, 0.5, 1};
  for (const auto& c : RunDetectors(in, limits)) {
    if (c.detector == "http") continue;  // no load in this input
    EXPECT_NE(c.status, CheckStatus::kFailed) << c.detector << ": " << c.summary;
  }
}

// Ids name the same object only within one process. A final snapshot of another process (the
// app restarted, the inspector attached elsewhere) shares ids with the baseline by chance, for
// other objects: the run refuses to compare them rather than report confident numbers.
TEST(SnapshotDetectors, SnapshotsOfAnotherProcessAreRefusedNotCompared) {
  auto baseline = App(10, 2, 1).Graph();
  TinySnapshot other;
  auto root = other.Node("synthetic", "", 0, 1);
  for (uint32_t i = 0; i < 60; ++i)
    other.Edge(root, "element", std::to_string(i), other.Node("object", "Buffer", 16, 3 + 2 * i));
  auto final_graph = other.Graph();
  DetectorInput in;
  in.samples = Samples({{0, 0}, {100, 0}});
  in.snapshots = {{&baseline, 0, "baseline.heapsnapshot"},
                  {&final_graph, 100, "final.heapsnapshot"}};
  try {
    RunDetectors(in, DetectorLimits{});
    FAIL() << "snapshots of two processes were compared";
  } catch (const Error& e) {
    EXPECT_EQ(e.stage(), "analysis");
    EXPECT_THAT(e.detail(), HasSubstr("baseline.heapsnapshot and final.heapsnapshot are not "
                                      "snapshots of one process"));
  }
  // The same process's snapshots are compared as before.
  auto again = App(10, 2, 1).Graph();
  in.snapshots[1].graph = &again;
  EXPECT_NO_THROW(RunDetectors(in, DetectorLimits{}));
}

}  // namespace
}  // namespace leakcheck::run
