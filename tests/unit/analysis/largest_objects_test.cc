#include <gtest/gtest.h>

#include "harness/analysis/dominators.h"
#include "harness/analysis/summary.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::analysis {
namespace {

using testing::TinySnapshot;

// The root holds six objects directly (each retains only itself) and one synthetic node.
struct Heap {
  snapshot::HeapGraph graph;
  DominatorTree tree;
};

Heap SixObjects() {
  TinySnapshot s;
  const uint32_t root = s.Node("synthetic", "", 0);
  const uint32_t sizes[] = {40, 500, 40, 7, 500, 90};
  for (uint32_t i = 0; i < 6; ++i)
    s.Edge(root, "property", "p" + std::to_string(i), s.Node("object", "O", sizes[i]));
  s.Edge(root, "element", "1", s.Node("synthetic", "(GC roots)", 100000));
  Heap heap{s.Graph(), {}};
  heap.tree = ComputeDominators(heap.graph);
  return heap;
}

std::vector<uint64_t> Sizes(const Heap& heap, const std::vector<NodeIndex>& nodes) {
  std::vector<uint64_t> out;
  for (NodeIndex n : nodes) out.push_back(heap.tree.retained[n]);
  return out;
}

TEST(LargestObjects, LargestRetainedFirstTiesByIdAndNoSyntheticNodes) {
  const Heap heap = SixObjects();
  const auto top = LargestObjects(heap.graph, heap.tree, 4);
  EXPECT_EQ(Sizes(heap, top), (std::vector<uint64_t>{500, 500, 90, 40}));
  ASSERT_EQ(top.size(), 4u);
  EXPECT_LT(heap.graph.Id(top[0]), heap.graph.Id(top[1])) << "equal sizes: the lower id first";
  EXPECT_EQ(top[3], 1u) << "of the two 40-byte objects, the first (lower id)";
}

TEST(LargestObjects, AskingForMoreThanThereAreGivesAllSorted) {
  const Heap heap = SixObjects();
  EXPECT_EQ(Sizes(heap, LargestObjects(heap.graph, heap.tree, 100)),
            (std::vector<uint64_t>{500, 500, 90, 40, 40, 7}));
  EXPECT_TRUE(LargestObjects(heap.graph, heap.tree, 0).empty());
}

}  // namespace
}  // namespace leakcheck::analysis
