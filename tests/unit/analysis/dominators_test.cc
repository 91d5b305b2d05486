#include "harness/analysis/dominators.h"

#include <random>

#include <gtest/gtest.h>

#include "harness/analysis/aggregate.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::analysis {
namespace {

using testing::TinySnapshot;

// Retained size of every node equals its self size plus its dominator-tree children's.
void ExpectRetainedSumsToChildren(const HeapGraph& g, const DominatorTree& t) {
  for (NodeIndex n = 0; n < g.NodeCount(); ++n) {
    uint64_t sum = g.SelfSize(n);
    for (uint32_t c = t.FirstChild(n); c < t.EndChild(n); ++c) sum += t.retained[t.children[c]];
    EXPECT_EQ(t.retained[n], sum) << "node " << n;
  }
  EXPECT_EQ(t.retained[HeapGraph::kRoot], g.TotalSize()) << "the root retains the total";
}

TEST(Dominators, DiamondIsDominatedByItsTop) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto a = s.Node("object", "A", 10);
  auto b = s.Node("object", "B", 20);
  auto c = s.Node("object", "C", 30);
  auto d = s.Node("object", "D", 40);
  s.Edge(root, "element", "0", a);
  s.Edge(a, "property", "b", b);
  s.Edge(a, "property", "c", c);
  s.Edge(b, "property", "d", d);
  s.Edge(c, "property", "d", d);
  HeapGraph g = s.Graph();
  DominatorTree t = ComputeDominators(g);
  EXPECT_EQ(t.idom[d], a);
  EXPECT_EQ(t.idom[b], a);
  EXPECT_EQ(t.retained[a], 100u);
  EXPECT_EQ(t.retained[b], 20u);
  ExpectRetainedSumsToChildren(g, t);
}

TEST(Dominators, WeakAndShortcutEdgesDoNotRetain) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto holder = s.Node("object", "Holder", 8);
  auto cache = s.Node("object", "WeakCache", 8);
  auto value = s.Node("object", "Value", 100);
  auto bound = s.Node("closure", "bound", 8);
  s.Edge(root, "element", "0", holder);
  s.Edge(root, "element", "1", cache);
  s.Edge(holder, "property", "v", value);
  s.Edge(cache, "weak", "v", value);
  s.Edge(root, "element", "2", bound);
  s.Edge(bound, "shortcut", "target", holder);  // shortcuts are not real references
  HeapGraph g = s.Graph();
  DominatorTree t = ComputeDominators(g);
  EXPECT_EQ(t.idom[value], holder);
  EXPECT_EQ(t.retained[holder], 108u);
  EXPECT_EQ(t.retained[cache], 8u);
  ExpectRetainedSumsToChildren(g, t);
}

TEST(Dominators, WeaklyHeldAndUnreachableNodesHangUnderTheRoot) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto a = s.Node("object", "A", 8);
  auto weak_only = s.Node("object", "WeakOnly", 50);
  auto child = s.Node("object", "Child", 5);
  auto cycle1 = s.Node("object", "Cycle", 7);
  auto cycle2 = s.Node("object", "Cycle", 9);
  s.Edge(root, "element", "0", a);
  s.Edge(a, "weak", "w", weak_only);
  s.Edge(weak_only, "property", "child", child);
  s.Edge(cycle1, "property", "next", cycle2);
  s.Edge(cycle2, "property", "next", cycle1);
  HeapGraph g = s.Graph();
  DominatorTree t = ComputeDominators(g);
  EXPECT_EQ(t.idom[weak_only], root);
  EXPECT_EQ(t.idom[child], weak_only);
  EXPECT_EQ(t.retained[weak_only], 55u);
  EXPECT_EQ(t.idom[cycle1], root);
  ExpectRetainedSumsToChildren(g, t);
}

// Brute force: d dominates n iff n is unreachable from the root once d is removed.
std::vector<std::vector<bool>> BruteForceDominators(const HeapGraph& g) {
  const uint32_t n = g.NodeCount();
  std::vector<std::vector<bool>> dom(n, std::vector<bool>(n, false));
  for (NodeIndex removed = 0; removed < n; ++removed) {
    std::vector<bool> seen(n, false);
    std::vector<NodeIndex> stack;
    if (removed != 0) {
      stack.push_back(0);
      seen[0] = true;
    }
    while (!stack.empty()) {
      NodeIndex v = stack.back();
      stack.pop_back();
      for (auto e = g.FirstEdge(v); e < g.EndEdge(v); ++e) {
        NodeIndex w = g.EdgeTarget(e);
        if (w != removed && !seen[w]) {
          seen[w] = true;
          stack.push_back(w);
        }
      }
    }
    for (NodeIndex v = 0; v < n; ++v) dom[removed][v] = !seen[v];
  }
  return dom;
}

TEST(Dominators, MatchesBruteForceOnRandomGraphs) {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 200; ++trial) {
    TinySnapshot s;
    const uint32_t n = 2 + rng() % 30;
    s.Node("synthetic", "", 0);
    for (uint32_t i = 1; i < n; ++i) s.Node("object", "N" + std::to_string(i % 4), 1 + rng() % 100);
    // A spanning edge into every node keeps it reachable; extra edges make the shape.
    for (uint32_t i = 1; i < n; ++i) s.Edge(rng() % i, "property", "p", i);
    for (uint32_t k = rng() % (2 * n); k > 0; --k) {
      uint32_t from = rng() % n, to = 1 + rng() % (n - 1);
      if (from != to) s.Edge(from, "property", "q", to);
    }
    HeapGraph g = s.Graph();
    DominatorTree t = ComputeDominators(g);
    auto dom = BruteForceDominators(g);
    for (NodeIndex v = 1; v < n; ++v) {
      // The immediate dominator is the dominator of v that every other strict dominator dominates.
      NodeIndex idom = t.idom[v];
      ASSERT_TRUE(dom[idom][v]) << "trial " << trial << ": idom of " << v
                                << " does not dominate it";
      for (NodeIndex d = 0; d < n; ++d)
        if (d != v && dom[d][v]) {
          ASSERT_TRUE(dom[d][idom])
              << "trial " << trial << ": " << d << " sits below idom " << idom;
        }
    }
    ExpectRetainedSumsToChildren(g, t);
  }
}

TEST(Aggregate, CountsRetainedSizeOnlyForTopmostInstances) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto outer = s.Node("object", "Node", 10);
  auto inner = s.Node("object", "Node", 20);
  auto leaf = s.Node("object", "Leaf", 5);
  auto other = s.Node("object", "Node", 1);
  s.Edge(root, "element", "0", outer);
  s.Edge(outer, "property", "next", inner);
  s.Edge(inner, "property", "leaf", leaf);
  s.Edge(root, "element", "1", other);
  HeapGraph g = s.Graph();
  DominatorTree t = ComputeDominators(g);
  auto classes = AggregateByClass(g, t);
  auto node = std::find_if(classes.begin(), classes.end(),
                           [](const ClassStats& c) { return c.name == "Node"; });
  ASSERT_NE(node, classes.end());
  EXPECT_EQ(node->count, 3u);
  EXPECT_EQ(node->self_size, 31u);
  EXPECT_EQ(node->retained_size, 35u + 1u) << "inner Node is inside outer: counted once";
}

}  // namespace
}  // namespace leakcheck::analysis
