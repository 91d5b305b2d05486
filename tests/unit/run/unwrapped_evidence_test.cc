// The listeners and closures evidence name the function the user wrote, not Node's once()
// wrapper or a `native_bind` (issue 13, ../shared/cases/leaks/once-listener): hand-made
// snapshots of an app that adds a once() listener and a bound listener per request (leaky) and
// of its twin that removes them (clean).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/run/detectors.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::run {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TinySnapshot;

// `bus` holds `once` listeners on 'config-reloaded' (Node 20's layout: a bound onceWrapper whose
// `listener` is the arrow at app.js:10:31, written per request) and `bound` listeners on
// 'bound' (handleReload.bind(ctx): one method at app.js:5:21, a new native_bind per request).
TinySnapshot OnceApp(int once, int bound) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto ctx = s.Node("object", "system / Context", 40, 5);
  auto bus = s.Node("object", "EventEmitter", 40, 7);
  auto events = s.Node("object", "Object", 24, 9);
  auto reload = s.Node("object", "Array", 32, 11);
  auto bound_list = s.Node("object", "Array", 32, 13);
  auto app = s.Node("code", "/srv/app.js", 100, 15);
  auto events_js = s.Node("code", "node:events", 100, 17);
  auto arrow_shared = s.Node("code", "(shared function info)", 40, 19);
  auto wrapper_shared = s.Node("code", "onceWrapper", 40, 21);
  auto method_shared = s.Node("code", "handleReload", 40, 23);
  auto once_wrapper = s.Node("closure", "onceWrapper", 32, 25);
  auto method = s.Node("closure", "handleReload", 32, 27);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(ctx, "context", "bus", bus);
  s.Edge(ctx, "context", "handleReload", method);
  s.Edge(bus, "property", "_events", events);
  s.Edge(events, "property", "config-reloaded", reload);
  s.Edge(events, "property", "bound", bound_list);
  s.Edge(arrow_shared, "internal", "script_or_debug_info", app);
  s.Edge(wrapper_shared, "internal", "script_or_debug_info", events_js);
  s.Edge(method_shared, "internal", "script_or_debug_info", app);
  s.Edge(once_wrapper, "internal", "shared", wrapper_shared);
  s.Location(once_wrapper, 9, 470, 20);
  s.Edge(method, "internal", "shared", method_shared);
  s.Location(method, 4, 4, 20);
  // Object i keeps its id in every snapshot, as V8's ids do.
  auto id = [](uint32_t base, int i) { return base + 8 * static_cast<uint32_t>(i); };
  for (int i = 0; i < once; ++i) {
    auto arrow = s.Node("closure", "", 32, id(1001, i));
    s.Edge(arrow, "internal", "shared", arrow_shared);
    s.Location(arrow, 4, 9, 30);
    auto state = s.Node("object", "Object", 40, id(1003, i));
    s.Edge(state, "property", "listener", arrow);
    auto wrapped = s.Node("closure", "native_bind", 32, id(1005, i));
    s.Edge(wrapped, "property", "listener", arrow);
    s.Edge(wrapped, "internal", "bound_this", state);
    s.Edge(wrapped, "internal", "bound_function", once_wrapper);
    s.Edge(reload, "element", std::to_string(i), wrapped);
  }
  for (int i = 0; i < bound; ++i) {
    auto wrapped = s.Node("closure", "native_bind", 32, id(5001, i));
    s.Edge(wrapped, "internal", "bound_function", method);
    s.Edge(bound_list, "element", std::to_string(i), wrapped);
  }
  return s;
}

DetectorInput ThreeSnapshots(const snapshot::HeapGraph& a, const snapshot::HeapGraph& b,
                             const snapshot::HeapGraph& c) {
  DetectorInput in;
  for (int64_t it : {0, 100, 200}) {
    CheckpointSample sample;
    sample.iteration = it;
    in.samples.push_back(sample);
  }
  in.snapshots = {{&a, 0, "s1"}, {&b, 100, "s2"}, {&c, 200, "s3"}};
  return in;
}

TEST(UnwrappedEvidence, OnceListenerNamesTheUsersFunction) {
  auto g1 = OnceApp(2, 0).Graph();
  auto g2 = OnceApp(12, 0).Graph();
  auto g3 = OnceApp(22, 0).Graph();
  auto in = ThreeSnapshots(g1, g2, g3);

  CheckResult lis = CheckListeners(in, 0);
  EXPECT_EQ(lis.status, CheckStatus::kFailed);
  ASSERT_FALSE(lis.evidence.empty());
  EXPECT_THAT(lis.evidence[0].title, HasSubstr("EventEmitter \"bus\" event 'config-reloaded'"));
  EXPECT_THAT(lis.evidence[0].detail,
              HasSubstr("listener defined at /srv/app.js:10:31 (unwrapped from its once() "
                        "wrapper)"));

  CheckResult clo = CheckClosures(in, 0.05);
  EXPECT_EQ(clo.status, CheckStatus::kFailed);
  ASSERT_FALSE(clo.evidence.empty());
  EXPECT_EQ(clo.evidence[0].title, "(anonymous) /srv/app.js:10:31");
  EXPECT_EQ(clo.evidence[0].count, 10) << "a wrapper and the arrow it wraps are one listener";
  EXPECT_DOUBLE_EQ(clo.measured, 0.1);
  EXPECT_THAT(clo.summary, HasSubstr("/srv/app.js:10:31"));
  EXPECT_THAT(clo.evidence[0].detail, HasSubstr("10 of them once() wrappers"));
  for (const auto& e : clo.evidence) EXPECT_THAT(e.title, Not(HasSubstr("native_bind")));
}

TEST(UnwrappedEvidence, BoundListenerHeadsTheClosuresAsItsTarget) {
  auto g1 = OnceApp(0, 2).Graph();
  auto g2 = OnceApp(0, 12).Graph();
  auto g3 = OnceApp(0, 22).Graph();
  auto in = ThreeSnapshots(g1, g2, g3);
  CheckResult clo = CheckClosures(in, 0.05);
  EXPECT_EQ(clo.status, CheckStatus::kFailed);
  ASSERT_FALSE(clo.evidence.empty());
  EXPECT_EQ(clo.evidence[0].title, "handleReload /srv/app.js:5:21");
  EXPECT_EQ(clo.evidence[0].count, 10);
  EXPECT_THAT(clo.summary, Not(HasSubstr("unknown location")));

  CheckResult lis = CheckListeners(in, 0);
  ASSERT_FALSE(lis.evidence.empty());
  EXPECT_THAT(lis.evidence[0].detail,
              HasSubstr("/srv/app.js:5:21 (unwrapped from its bind() wrapper)"));
}

TEST(UnwrappedEvidence, CleanTwinThatRemovesItsListenersPasses) {
  auto g1 = OnceApp(2, 2).Graph();
  auto g2 = OnceApp(2, 2).Graph();
  auto g3 = OnceApp(2, 2).Graph();
  auto in = ThreeSnapshots(g1, g2, g3);
  EXPECT_EQ(CheckListeners(in, 0).status, CheckStatus::kPassed);
  EXPECT_EQ(CheckClosures(in, 0.05).status, CheckStatus::kPassed);
}

}  // namespace
}  // namespace leakcheck::run
