#include "harness/analysis/summary.h"

#include "harness/analysis/heap_inspect.h"
#include "harness/snapshot/reader.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <system_error>
#include <thread>

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
  // The retainer-path search needs only the graph: it runs on a second thread while this one
  // ranks the classes and the largest objects (both latency-bound walks, so they share the
  // machine well). Its two per-node arrays come from the blocks the dominator pass freed, so
  // the peak does not grow (BigBlockReuse, in `analyze`).
  std::optional<RetainerPaths> found;
  {
    DominatorTree tree = ComputeDominators(g, options.times);
    // The ranking below needs the children lists and the retained sizes, not the immediate
    // dominators: their block goes back to the pool for the search's arrays.
    snapshot::BigVector<NodeIndex>().swap(tree.idom);
    std::exception_ptr search_error;
    std::jthread search;
    try {
      if (snapshot::CpusAvailable() >= 2)
        search = std::jthread([&] {
          try {
            found.emplace(g);
          } catch (...) {
            search_error = std::current_exception();
          }
        });
    } catch (const std::system_error&) {  // no thread: search after the ranking below
    }
    s.classes = AggregateByClass(g, tree);
    snapshot::MarkPhase(options.times, "classes");
    for (NodeIndex n : LargestObjects(g, tree, options.top_objects))
      largest.emplace_back(n, tree.retained[n]);
    snapshot::MarkPhase(options.times, "largest objects");
    if (search.joinable()) search.join();
    if (search_error) std::rethrow_exception(search_error);
  }
  std::erase_if(s.classes, [](const ClassStats& c) { return c.name == "(synthetic)"; });
  if (!options.all_classes && s.classes.size() > options.top_classes)
    s.classes.resize(options.top_classes);

  if (!found) found.emplace(g);  // no second thread: after the tree is freed
  const RetainerPaths& paths = *found;
  s.unreachable_size = g.TotalSize() - paths.ReachedSize();
  snapshot::MarkPhase(options.times, "retainer paths: BFS (left after the ranking)");
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
