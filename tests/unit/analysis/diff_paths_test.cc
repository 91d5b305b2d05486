#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/analysis/diff.h"
#include "harness/analysis/paths.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::analysis {
namespace {

using ::testing::HasSubstr;
using testing::TinySnapshot;

// A process at three moments: ids 11.. are allocated between the first and the second
// snapshot; some of them are gone by the third.
TinySnapshot Moment(const std::vector<uint32_t>& user_ids, const std::vector<uint32_t>& temp_ids) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, 1);
  auto gc = s.Node("synthetic", "(GC roots)", 0, 3);
  auto cache = s.Node("object", "Map", 32, 5);
  auto table = s.Node("array", "", 16, 7);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "property", "userCache", cache);
  s.Edge(cache, "internal", "table", table);
  uint32_t i = 0;
  for (uint32_t id : user_ids)
    s.Edge(table, "element", std::to_string(i++), s.Node("object", "User", 40, id));
  for (uint32_t id : temp_ids)
    s.Edge(gc, "property", "tmp" + std::to_string(id), s.Node("object", "Temp", 100, id));
  return s;
}

TEST(Diff, CountsNewAndDeletedByClassAndAddsUp) {
  auto before = Moment({101, 103}, {201, 203, 205}).Graph();
  auto after = Moment({101, 103, 105, 107, 109}, {207}).Graph();
  SnapshotDiff d = DiffSnapshots(before, after);
  auto find = [&](const std::string& name) {
    for (const auto& c : d.classes)
      if (c.name == name) return c;
    return ClassDelta{};
  };
  EXPECT_EQ(find("User").added, 3);
  EXPECT_EQ(find("User").deleted, 0);
  EXPECT_EQ(find("User").alloc_size, 120u);
  EXPECT_EQ(find("Temp").added, 1);
  EXPECT_EQ(find("Temp").deleted, 3);
  EXPECT_EQ(find("Temp").SizeDelta(), -200);
  int64_t added = 0, deleted = 0, delta = 0;
  for (const auto& c : d.classes) {
    EXPECT_EQ(c.added - c.deleted, c.CountDelta());
    added += c.added;
    deleted += c.deleted;
    delta += c.CountDelta();
  }
  EXPECT_EQ(added - deleted, delta) << "new - deleted = delta";
  EXPECT_EQ(d.total.added, added);
  EXPECT_EQ(static_cast<int64_t>(after.NodeCount()) - static_cast<int64_t>(before.NodeCount()),
            d.total.CountDelta());
}

TEST(Diff, SurvivorsAreTheWindowsAllocationsStillAlive) {
  auto s1 = Moment({101}, {}).Graph();
  auto s2 = Moment({101, 103, 105}, {201, 203}).Graph();
  auto s3 = Moment({101, 103, 105, 107}, {}).Graph();
  RetainerPaths paths(s3);
  Survivors sv = FindSurvivors(s1, s2, s3, paths);
  EXPECT_EQ(sv.count, 2u) << "103 and 105 survive; the Temps died, 107 is after the window";
  ASSERT_EQ(sv.by_class.size(), 1u);
  EXPECT_EQ(sv.by_class[0].key, "User");
  ASSERT_EQ(sv.by_path.size(), 1u) << "element indices collapse into one path";
  EXPECT_EQ(sv.by_path[0].count, 2u);
  EXPECT_THAT(sv.by_path[0].key, HasSubstr("Map \"userCache\" → (table) → User[*]"));
}

TEST(RetainerPaths, ShortestStrongPathWithEdgeNames) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto gc = s.Node("synthetic", "(GC roots)", 0);
  auto ctx = s.Node("hidden", "system / Context", 40);
  auto map = s.Node("object", "Map", 32);
  auto table = s.Node("hidden", "system / OrderedHashMap", 1024);
  auto watcher = s.Node("object", "Watcher", 16);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "element", "0", ctx);
  s.Edge(ctx, "context", "userCache", map);
  s.Edge(map, "internal", "table", table);
  s.Edge(gc, "element", "1", watcher);
  s.Edge(watcher, "weak", "target", table);  // shorter, but weak: not a retainer path
  HeapGraph g = s.Graph();
  RetainerPaths paths(g);
  EXPECT_EQ(paths.Distance(table), 4u);
  EXPECT_EQ(paths.Format(table), "(GC roots) → (system)[0] → Map \"userCache\" → (table)");
  EXPECT_EQ(paths.PathTo(table).size(), 4u);
  EXPECT_EQ(paths.Format(table, 2), "(GC roots) → … → (table)");
}

TEST(RetainerPaths, WeaklyHeldNodesAreUnreachable) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto a = s.Node("object", "A", 8);
  auto b = s.Node("object", "B", 8);
  s.Edge(root, "element", "0", a);
  s.Edge(a, "weak", "b", b);
  HeapGraph g = s.Graph();
  RetainerPaths paths(g);
  EXPECT_EQ(paths.Distance(b), RetainerPaths::kUnreachable);
  EXPECT_TRUE(paths.PathTo(b).empty());
  EXPECT_THAT(paths.Format(b), HasSubstr("unreachable"));
}

}  // namespace
}  // namespace leakcheck::analysis
