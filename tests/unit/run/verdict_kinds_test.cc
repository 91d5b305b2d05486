// One test per kind of false alarm of issue 18, each with its leaky twin: synthetic snapshots
// (tests/support/tiny_snapshot.h) and series through the detectors. Every clean shape must pass
// and every twin must still fail, so no rule hides a real leak.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/analysis/heap_inspect.h"
#include "harness/run/detectors.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::run {
namespace {

using ::testing::HasSubstr;
using testing::TinySnapshot;

std::vector<CheckpointSample> Flat(std::vector<int64_t> iterations) {
  std::vector<CheckpointSample> out;
  for (int64_t it : iterations) {
    CheckpointSample s;
    s.iteration = it;
    s.heap_used = 1 << 20;
    out.push_back(s);
  }
  return out;
}

// A process whose Map "cache" holds one Session (and its string key) per id in `ids`; an id is
// the same object in every snapshot it appears in, as V8's ids are.
TinySnapshot Cache(const std::vector<uint32_t>& ids) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto ctx = s.Node("object", "system / Context", 40, 5);
  auto map = s.Node("object", "Map", 32, 7);
  auto table = s.Node("array", "", 64, 9);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(ctx, "context", "cache", map);
  s.Edge(map, "internal", "table", table);
  int slot = 0;
  for (uint32_t id : ids) {
    s.Edge(table, "internal", std::to_string(slot++), s.Node("string", "k", 20, 10000 + 4 * id));
    s.Edge(table, "internal", std::to_string(slot++),
           s.Node("object", "Session", 40, 10002 + 4 * id));
  }
  return s;
}

std::vector<uint32_t> Range(uint32_t from, uint32_t to) {
  std::vector<uint32_t> v;
  for (uint32_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

std::vector<uint32_t> Concat(std::vector<uint32_t> a, const std::vector<uint32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Three {
  snapshot::HeapGraph g1, g2, g3;
  DetectorInput Input() const {
    DetectorInput in;
    in.samples = Flat({0, 100, 200});
    in.snapshots = {{&g1, 0, "s1"}, {&g2, 100, "s2"}, {&g3, 200, "s3"}};
    return in;
  }
};

// Kind 1: a bounded cache whose entries are re-used keeps window-1 objects alive (50 entries of
// (s1, s2] are still there at s3, 1.0 object/iteration) while its population stays at 100.
TEST(BoundedPopulation, ReusedEntriesOfAFullCacheAreNotGrowth) {
  Three t{Cache(Range(0, 100)).Graph(), Cache(Concat(Range(60, 100), Range(100, 160))).Graph(),
          Cache(Concat(Concat(Range(80, 100), Range(100, 150)), Range(160, 190))).Graph()};
  DetectorInput in = t.Input();
  CheckResult c = CheckSurvivors(in, 0.5);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
  EXPECT_EQ(c.measured, 0);
  EXPECT_THAT(c.summary, HasSubstr("raw 1.00/iteration"));
  bool noted = false;
  for (const auto& e : c.evidence) noted |= e.title == "bounded populations" && e.count == 100;
  EXPECT_TRUE(noted) << "the 100 re-used survivors are reported as not counted";
}

TEST(BoundedPopulation, LeakyTwinAnUnboundedCacheStillFails) {
  Three t{Cache(Range(0, 100)).Graph(), Cache(Range(0, 160)).Graph(), Cache(Range(0, 220)).Graph()};
  DetectorInput in = t.Input();
  CheckResult c = CheckSurvivors(in, 0.5);
  EXPECT_EQ(c.status, CheckStatus::kFailed) << c.summary;
  EXPECT_DOUBLE_EQ(c.measured, 1.2) << "60 keys + 60 sessions over 100 iterations";
  ASSERT_FALSE(c.evidence.empty());
  bool path = false;
  for (const auto& e : c.evidence)
    path |= e.kind == Evidence::Kind::kRetainerPath &&
            e.title.find("Map \"cache\"") != std::string::npos;
  EXPECT_TRUE(path) << "the retainer path names the cache";
}

// Kind 2: a one-time step (an index built on the first request after warm-up).
TEST(OneTimeStep, SurvivorsOfAStepAreANoteNotALeak) {
  Three t{Cache(Range(0, 100)).Graph(), Cache(Range(0, 300)).Graph(), Cache(Range(0, 300)).Graph()};
  DetectorInput in = t.Input();
  CheckResult c = CheckSurvivors(in, 0.5);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
  bool step = false;
  for (const auto& e : c.evidence) step |= e.title == "one-time step: Session" && e.count == 200;
  EXPECT_TRUE(step);
}

TEST(OneTimeStep, HeapPerIterationPassesAStepAndNamesIt) {
  DetectorInput in;
  in.samples = Flat({0, 400, 800, 1200, 1600, 2000});
  const double heap[] = {3.5e6, 5.6e6, 5.61e6, 5.6e6, 5.61e6, 5.6e6};
  for (size_t i = 0; i < in.samples.size(); ++i) in.samples[i].heap_used = heap[i];
  CheckResult c = CheckHeapPerIteration(in, 128);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
  EXPECT_THAT(c.summary, HasSubstr("one-time step"));
  EXPECT_THAT(c.summary, HasSubstr("iteration 400"));
}

TEST(OneTimeStep, LeakyTwinAStepThenASlopeFails) {
  DetectorInput in;
  in.samples = Flat({0, 400, 800, 1200, 1600, 2000});
  const double heap[] = {3.5e6, 5.6e6, 5.7e6, 5.8e6, 5.9e6, 6.0e6};  // then 250 B/iteration
  for (size_t i = 0; i < in.samples.size(); ++i) in.samples[i].heap_used = heap[i];
  EXPECT_EQ(CheckHeapPerIteration(in, 128).status, CheckStatus::kFailed);
}

// Kind 3: V8's lazy work. `n` strings per snapshot index held either by the string table (an
// interned literal) or by the app's Array "names" (a leak); ids 1..n are alive in all snapshots.
TinySnapshot Strings(int n, bool interned) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto table = s.Node("synthetic", "(Internalized strings)", 0, 5);
  auto ctx = s.Node("object", "system / Context", 40, 7);
  auto names = s.Node("object", "Array", 32, 9);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", table);
  s.Edge(gc, "element", "1", ctx);
  s.Edge(ctx, "context", "names", names);
  for (int i = 0; i < n; ++i) {
    auto str = s.Node("string", "field" + std::to_string(i), 24, 20001 + 2 * i);
    if (interned)
      s.Edge(table, "element", std::to_string(i), str);
    else
      s.Edge(names, "element", std::to_string(i), str);
  }
  return s;
}

TEST(LazyWork, InternedLiteralsOfLazilyCompiledHandlersAreNotCounted) {
  Three t{Strings(100, true).Graph(), Strings(200, true).Graph(), Strings(300, true).Graph()};
  CheckResult c = CheckSurvivors(t.Input(), 0.5);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
  bool noted = false;
  for (const auto& e : c.evidence) noted |= e.title == "V8/Node lazy work" && e.count == 100;
  EXPECT_TRUE(noted);
}

TEST(LazyWork, LeakyTwinTheSameStringsHeldByTheAppFail) {
  Three t{Strings(100, false).Graph(), Strings(200, false).Graph(), Strings(300, false).Graph()};
  CheckResult c = CheckSurvivors(t.Input(), 0.5);
  EXPECT_EQ(c.status, CheckStatus::kFailed) << c.summary;
  EXPECT_DOUBLE_EQ(c.measured, 1.0);
}

// `n` products whose names are cons strings built at start-up (ids fixed); the first
// `flattened` of them were read once, so V8 made a flat copy their `first` now points at.
// `fresh_cons`: the cons strings themselves are new per snapshot (the app builds strings).
TinySnapshot Catalogue(int n, int flattened, bool fresh_cons, uint32_t epoch) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto ctx = s.Node("object", "system / Context", 40, 5);
  auto list = s.Node("object", "Array", 32, 7);
  auto part = s.Node("string", "Product number ", 24, 9);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(ctx, "context", "bySku", list);
  for (int i = 0; i < n; ++i) {
    const uint32_t cons_id = fresh_cons && i >= 100 ? 500001 + 2 * i + epoch : 100001 + 2 * i;
    auto cons = s.Node("concatenated string", "Product number " + std::to_string(i), 32, cons_id);
    s.Edge(list, "element", std::to_string(i), cons);
    if (i < flattened)
      s.Edge(cons, "internal", "first",
             s.Node("string", "Product number " + std::to_string(i), 40, 300001 + 2 * i));
    else
      s.Edge(cons, "internal", "first", part);
  }
  return s;
}

TEST(LazyWork, FlatCopiesOfConstantConsStringsAreNotCounted) {
  Three t{Catalogue(400, 0, false, 0).Graph(), Catalogue(400, 100, false, 0).Graph(),
          Catalogue(400, 200, false, 0).Graph()};
  CheckResult c = CheckSurvivors(t.Input(), 0.5);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
  EXPECT_THAT(c.evidence.back().detail, HasSubstr("100 flattened"));
}

TEST(LazyWork, LeakyTwinNewConsStringsTheAppKeepsFail) {
  Three t{Catalogue(100, 0, true, 0).Graph(), Catalogue(200, 0, true, 0).Graph(),
          Catalogue(300, 0, true, 0).Graph()};
  CheckResult c = CheckSurvivors(t.Input(), 0.5);
  EXPECT_EQ(c.status, CheckStatus::kFailed) << c.summary;
}

// Kind 4: an Array compacted every tick (undici's fastTimers): longer at every snapshot by
// chance, but holding different timers each time.
TinySnapshot Timers(const std::vector<uint32_t>& ids) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto ctx = s.Node("object", "system / Context", 40, 5);
  auto arr = s.Node("object", "Array", 32, 7);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(ctx, "context", "fastTimers", arr);
  int i = 0;
  for (uint32_t id : ids)
    s.Edge(arr, "element", std::to_string(i++), s.Node("object", "FastTimer", 40, 1001 + 2 * id));
  return s;
}

TEST(OscillatingContainer, ABufferThatTurnsOverDoesNotFailCollections) {
  Three t{Timers(Range(0, 200)).Graph(), Timers(Range(1000, 1450)).Graph(),
          Timers(Range(2000, 2600)).Graph()};
  CheckResult c = CheckCollections(t.Input(), 0.05);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
  ASSERT_FALSE(c.evidence.empty());
  EXPECT_EQ(c.evidence.back().title, "buffers that turn over");
}

// undici's Client queue: processed requests become null slots, in-flight ones turn over.
TinySnapshot Queue(int nulls, const std::vector<uint32_t>& ids) {
  TinySnapshot s = Timers(ids);
  // Timers() built nodes 0..3 + the timers; node 3 is the Array. null is one oddball node.
  auto null = s.Node("hidden", "system / Oddball", 16, 99);  // as V8 names null
  for (int i = 0; i < nulls; ++i) s.Edge(3, "element", std::to_string(100000 + i), null);
  return s;
}

TEST(OscillatingContainer, NullSlotsAreNotEntriesThatStay) {
  Three t{Queue(1, {}).Graph(), Queue(100, Range(150, 200)).Graph(),
          Queue(200, Range(300, 343)).Graph()};
  CheckResult c = CheckCollections(t.Input(), 0.05);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
}

TEST(OscillatingContainer, AQueueOfNullSlotsHoldsNothing) {
  // clean/fetch-timers with undici 6.19.7: 0 → 120 → 238 slots, every one null at a checkpoint.
  Three t{Queue(0, {}).Graph(), Queue(120, {}).Graph(), Queue(238, {}).Graph()};
  CheckResult c = CheckCollections(t.Input(), 0.05);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
  EXPECT_EQ(c.measured, 0);
}

TEST(OscillatingContainer, LeakyTwinAnArrayKeepingItsEntriesFails) {
  Three t{Timers(Range(0, 200)).Graph(), Timers(Range(0, 450)).Graph(),
          Timers(Range(0, 600)).Graph()};
  CheckResult c = CheckCollections(t.Input(), 0.05);
  EXPECT_EQ(c.status, CheckStatus::kFailed) << c.summary;
  EXPECT_THAT(c.summary, HasSubstr("\"fastTimers\""));
}

// Kind 6: a WeakMap as V8 writes it: weak key and value slots, and one "part of key … pair in
// WeakMap" internal edge per entry.
TinySnapshot Weak(int entries) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto ctx = s.Node("object", "system / Context", 40, 5);
  auto wm = s.Node("object", "WeakMap", 32, 7);
  auto table = s.Node("array", "", 64, 9);
  auto history = s.Node("object", "Array", 32, 11);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(ctx, "context", "jobMeta", wm);
  s.Edge(ctx, "context", "history", history);
  s.Edge(wm, "internal", "table", table);
  for (int i = 0; i < entries; ++i) {
    auto key = s.Node("object", "Job", 40, 2001 + 4 * i);
    auto value = s.Node("object", "Meta", 40, 2003 + 4 * i);
    s.Edge(history, "element", std::to_string(i), key);
    s.Edge(table, "weak", std::to_string(2 * i), key);
    s.Edge(table, "weak", std::to_string(2 * i + 1), value);
    const std::string pair = "part of key (Job @" + std::to_string(2001 + 4 * i) +
                             ") -> value (Meta @" + std::to_string(2003 + 4 * i) +
                             ") pair in WeakMap (table @9)";
    s.Edge(table, "internal", pair, value);
    s.Edge(key, "internal", pair, value);
  }
  return s;
}

TEST(WeakCollections, EveryEntryIsCountedOnce) {
  auto g = Weak(40).Graph();
  auto cols = analysis::FindCollections(g, 1);
  bool found = false;
  for (const auto& c : cols)
    if (c.kind == analysis::CollectionKind::kWeakMap) {
      found = true;
      EXPECT_EQ(c.entries, 40u) << "one entry per key/value pair, not half";
    }
  EXPECT_TRUE(found);
}

TEST(WeakCollections, AGrowingWeakMapIsLabelledWeak) {
  Three t{Weak(100).Graph(), Weak(200).Graph(), Weak(300).Graph()};
  CheckResult c = CheckCollections(t.Input(), 0.05);
  bool weak = false;
  for (const auto& e : c.evidence)
    if (e.title.find("WeakMap") != std::string::npos) {
      weak = true;
      EXPECT_THAT(e.title, HasSubstr("(weak)"));
      EXPECT_DOUBLE_EQ(e.per_iteration, 1.0) << "100 → 300 entries over 200 iterations";
    }
  EXPECT_TRUE(weak);
  ASSERT_FALSE(c.evidence.empty());
  EXPECT_THAT(c.evidence.front().title, HasSubstr("\"history\"")) << "strong collections first";
}

// Kind 5: heap growth made of object shapes. `leaked` new objects each with their own new map
// (the app's), or `orphans` new maps only V8's transition tree holds (V8's own metadata).
TinySnapshot Shapes(int leaked, int orphans) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto ctx = s.Node("object", "system / Context", 40, 5);
  auto chain = s.Node("object", "Array", 32, 7);
  auto tree = s.Node("hidden", "system / TransitionArray", 32, 9);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(gc, "element", "1", tree);
  s.Edge(ctx, "context", "audit", chain);
  for (int i = 0; i < leaked; ++i) {
    auto obj = s.Node("object", "Object", 40, 3001 + 4 * i);
    auto map = s.Node("object shape", "system / Map", 400, 3003 + 4 * i);
    s.Edge(chain, "element", std::to_string(i), obj);
    s.Edge(obj, "internal", "map", map);
    s.Edge(tree, "element", std::to_string(i), map);
  }
  for (int i = 0; i < orphans; ++i)
    s.Edge(tree, "element", std::to_string(10000 + i),
           s.Node("object shape", "system / Map", 440, 900001 + 2 * i));
  return s;
}

DetectorInput HeapInput(const snapshot::HeapGraph& a, const snapshot::HeapGraph& b) {
  DetectorInput in;
  in.samples = Flat({0, 1000, 2000, 3000, 4000});
  for (size_t i = 0; i < in.samples.size(); ++i) in.samples[i].heap_used = 1e6 + 110.0 * 1000 * i;
  in.snapshots = {{&a, 0, "s1"}, {&b, 4000, "s3"}};
  return in;
}

TEST(ShapesDiscount, MapsNoGrowingObjectHoldsAreV8sAndDiscounted) {
  auto a = Shapes(10, 0).Graph(), b = Shapes(10, 1000).Graph();
  CheckResult c = CheckHeapPerIteration(HeapInput(a, b), 100);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
  EXPECT_THAT(c.summary, HasSubstr("raw 110 B/iteration"));
}

TEST(ShapesDiscount, LeakyTwinMapsOfLeakedObjectsAreTheAppsAndFail) {
  auto a = Shapes(10, 0).Graph(), b = Shapes(1010, 0).Graph();
  CheckResult c = CheckHeapPerIteration(HeapInput(a, b), 100);
  EXPECT_EQ(c.status, CheckStatus::kFailed) << c.summary;
  EXPECT_NEAR(c.measured, 110, 1) << "nothing discounted: every new map is a leaked object's";
}

TEST(ShapesSurvivors, MapsThatSurvivingObjectsHoldAreSurvivorsToo) {
  Three t{Shapes(100, 0).Graph(), Shapes(200, 0).Graph(), Shapes(300, 0).Graph()};
  CheckResult c = CheckSurvivors(t.Input(), 1.5);
  EXPECT_EQ(c.status, CheckStatus::kFailed) << c.summary;
  EXPECT_DOUBLE_EQ(c.measured, 2.0) << "100 objects and their 100 maps over 100 iterations";
  EXPECT_EQ(c.evidence.front().title, "(object shape)") << "the larger class comes first";
}

TEST(ShapesSurvivors, CleanTwinMapsNoSurvivorHoldsAreNotCounted) {
  Three t{Shapes(10, 100).Graph(), Shapes(10, 200).Graph(), Shapes(10, 300).Graph()};
  CheckResult c = CheckSurvivors(t.Input(), 0.5);
  EXPECT_EQ(c.status, CheckStatus::kPassed) << c.summary;
  EXPECT_EQ(c.measured, 0);
}

}  // namespace
}  // namespace leakcheck::run
