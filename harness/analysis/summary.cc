#include "harness/analysis/summary.h"

#include "harness/analysis/heap_inspect.h"

#include <algorithm>

#include <fmt/format.h>

namespace leakcheck::analysis {

std::vector<NodeIndex> LargestObjects(const HeapGraph& g, const DominatorTree& tree, size_t n) {
  auto larger = [&](NodeIndex a, NodeIndex b) {
    return tree.retained[a] != tree.retained[b] ? tree.retained[a] > tree.retained[b]
                                                : g.Id(a) < g.Id(b);
  };
  // One pass with a heap of the n largest so far (its top is the smallest of them): a copy of
  // every node's index, partially sorted, cost a per-node array and most of this phase.
  std::vector<NodeIndex> top;
  top.reserve(n + 1);
  if (n == 0) return top;
  for (NodeIndex i = 0; i < g.NodeCount(); ++i) {
    if (g.Type(i) == snapshot::NodeType::kSynthetic) continue;
    if (top.size() == n) {
      if (!larger(i, top.front())) continue;
      std::pop_heap(top.begin(), top.end(), larger);
      top.back() = i;
    } else {
      top.push_back(i);
    }
    std::push_heap(top.begin(), top.end(), larger);
  }
  std::sort_heap(top.begin(), top.end(), larger);
  return top;
}

SnapshotSummary Summarize(const HeapGraph& g, std::string file, const SummaryOptions& options) {
  SnapshotSummary s;
  s.file = std::move(file);
  s.node_count = g.NodeCount();
  s.edge_count = g.EdgeCount();
  s.string_count = g.StringCount();
  s.total_size = g.TotalSize();

  std::vector<std::pair<NodeIndex, uint64_t>> largest;
  {
    // The dominator tree is freed before the paths are built: peak memory is one, not both.
    DominatorTree tree = ComputeDominators(g, options.times);
    s.classes = AggregateByClass(g, tree);
    snapshot::MarkPhase(options.times, "classes");
    for (NodeIndex n : LargestObjects(g, tree, options.top_objects))
      largest.emplace_back(n, tree.retained[n]);
    snapshot::MarkPhase(options.times, "largest objects");
  }
  std::erase_if(s.classes, [](const ClassStats& c) { return c.name == "(synthetic)"; });
  if (!options.all_classes && s.classes.size() > options.top_classes)
    s.classes.resize(options.top_classes);

  snapshot::MarkPhase(options.times, "free the dominator tree");
  RetainerPaths paths(g);
  s.unreachable_size = g.TotalSize() - paths.ReachedSize();
  snapshot::MarkPhase(options.times, "retainer paths: BFS");
  for (auto [n, retained] : largest) {
    LargeObject o;
    o.id = g.Id(n);
    o.class_name = std::string(g.ClassName(n));
    o.type = std::string(snapshot::NodeTypeName(g.Type(n)));
    o.self_size = g.SelfSize(n);
    o.retained_size = retained;
    o.distance = paths.Distance(n);
    o.path = paths.Format(n);
    o.location = ClosureLocation(g, n);
    s.largest.push_back(std::move(o));
  }
  snapshot::MarkPhase(options.times, "retainer paths: render");
  return s;
}

}  // namespace leakcheck::analysis
