// A collection's entries are the slots that hold something: null, undefined and the hole retain
// nothing (undici nulls each finished request in its Client's queue and compacts it every 256).
// V8 names those values differently per version ("system / Oddball" up to Node 20, the hole
// "system / Hole" from Node 22, "null" and "undefined" from Node 24), so each is read from a
// snapshot that every Node CI installs writes itself. A missed name made undici's queue on
// Node 26 look like a growing Array (a false alarm on tests/fixtures/leaks/fetch-timers).
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "harness/analysis/heap_inspect.h"
#include "harness/snapshot/reader.h"
#include "tests/support/node_versions.h"
#include "tests/support/run_command.h"

namespace leakcheck::analysis {
namespace {

class RealCollectionEntries : public ::testing::TestWithParam<int> {};

TEST_P(RealCollectionEntries, EmptySlotsAreNotEntries) {
  const std::string node =
      GetParam() == 0 ? std::string("node") : testing::NodeBinDir(GetParam()) + "/node";
  auto version = testing::RunCommand({node, "--version"});
  if (version.exit_code != 0)
    GTEST_SKIP() << node << " is not installed (run tools/install-node-versions.sh; CI does)";
  auto dir = std::filesystem::temp_directory_path() /
             ("leakcheck-entries-" + std::to_string(GetParam()) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "app.heapsnapshot").string();
  // Each holder is found by its property on globalThis; each holds 3 real entries.
  const std::string script =
      "class Req { constructor(i) { this.i = i; } }\n"
      "const queue = [];\n"
      "for (let i = 0; i < 300; i++) queue.push(new Req(i));\n"
      "for (let i = 0; i < 297; i++) queue[i] = null;\n"  // undici's finished requests
      "const holes = new Array(40);\n"
      "holes[3] = new Req(1); holes[10] = new Req(2); holes[39] = new Req(3);\n"
      "const undefs = [undefined, new Req(1), undefined, new Req(2), new Req(3), undefined];\n"
      "const flags = [true, false, true];\n"  // booleans are values: 3 entries
      "const map = new Map();\n"
      "for (let i = 0; i < 50; i++) map.set('k' + i, new Req(i));\n"
      "for (let i = 3; i < 50; i++) map.delete('k' + i);\n"  // deleted entries leave holes
      "const set = new Set();\n"
      "for (let i = 0; i < 50; i++) set.add(new Req(i));\n"
      "for (const r of [...set].slice(3)) set.delete(r);\n"
      "globalThis.held = { queue, holes, undefs, flags, map, set };\n"
      "require('v8').writeHeapSnapshot(process.argv[1]);\n";
  auto run = testing::RunCommand({node, "-e", script, out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto g = snapshot::ReadSnapshotFile(out);
  std::filesystem::remove_all(dir);
  NodeIndex held = snapshot::kNoNode;
  for (NodeIndex n = 0; n < g.NodeCount() && held == snapshot::kNoNode; ++n)
    if (g.Name(n) == "Object" && FindEdgeTarget(g, n, "undefs") != snapshot::kNoNode) held = n;
  ASSERT_NE(held, snapshot::kNoNode) << version.out;
  const std::pair<const char*, CollectionKind> kHolders[] = {
      {"queue", CollectionKind::kArray},  {"holes", CollectionKind::kArray},
      {"undefs", CollectionKind::kArray}, {"flags", CollectionKind::kArray},
      {"map", CollectionKind::kMap},      {"set", CollectionKind::kSet}};
  for (const auto& [name, kind] : kHolders) {
    NodeIndex col = FindEdgeTarget(g, held, name);
    ASSERT_NE(col, snapshot::kNoNode) << name;
    EXPECT_EQ(CollectionEntries(g, col, kind), 3u) << name << " on node " << version.out;
    if (kind != CollectionKind::kArray || std::string(name) == "flags") continue;
    EXPECT_EQ(CollectionEntryIds(g, col, kind).size(), 3u) << name << " on node " << version.out;
  }
}

INSTANTIATE_TEST_SUITE_P(NodeMajors, RealCollectionEntries, ::testing::Values(0, 22, 24, 26),
                         [](const auto& p) {
                           return p.param == 0 ? std::string("NodeOnPath")
                                               : "Node" + std::to_string(p.param);
                         });

}  // namespace
}  // namespace leakcheck::analysis
