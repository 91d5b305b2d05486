#include "harness/analysis/attribution.h"

#include <vector>

#include "harness/analysis/diff.h"

namespace leakcheck::analysis {

using snapshot::EdgeIndex;
using snapshot::EdgeType;
using snapshot::HeapGraph;
using snapshot::NodeIndex;
using snapshot::NodeType;

HeldInternals InternalsHeldByApp(const HeapGraph& before, const HeapGraph& after,
                                 const std::function<bool(NodeIndex)>& is_app_object,
                                 bool (*is_internal_class)(std::string_view)) {
  // 0: old, 1: new internal (not code), 2: new app object, 3: other new node.
  std::vector<uint8_t> kind(after.NodeCount(), 0);
  {
    const std::vector<IdKey> a = SortedIdIndex(before), b = SortedIdIndex(after);
    size_t i = 0;
    for (const IdKey& key : b) {
      while (i < a.size() && a[i].id < key.id) ++i;
      if (i < a.size() && a[i].id == key.id) continue;
      const NodeIndex n = key.node;
      if (after.Type(n) == NodeType::kCode || after.Type(n) == NodeType::kSynthetic)
        kind[n] = 3;
      else if (is_internal_class(after.ClassName(n)))
        kind[n] = 1;
      else
        kind[n] = is_app_object(n) ? 2 : 3;
    }
  }
  std::vector<uint8_t> held(after.NodeCount(), 0);
  std::vector<NodeIndex> queue;
  auto hold = [&](NodeIndex n) {
    if (kind[n] == 1 && !held[n]) {
      held[n] = 1;
      queue.push_back(n);
    }
  };
  for (NodeIndex n = 0; n < after.NodeCount(); ++n) {
    if (kind[n] != 1 && kind[n] != 2) continue;
    for (EdgeIndex e = after.FirstEdge(n); e < after.EndEdge(n); ++e) {
      if (after.EdgeKind(e) == EdgeType::kWeak) continue;
      const NodeIndex to = after.EdgeTarget(e);
      if (kind[n] == 2)
        hold(to);  // the app object's map, descriptors, hidden parts
      else if (kind[to] == 2)
        hold(n);  // an internal object that retains an app object (a reaction, a context)
    }
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    const NodeIndex n = queue[head];
    for (EdgeIndex e = after.FirstEdge(n); e < after.EndEdge(n); ++e)
      if (after.EdgeKind(e) != EdgeType::kWeak) hold(after.EdgeTarget(e));
  }
  HeldInternals out;
  for (NodeIndex n : queue) {
    out.bytes += static_cast<int64_t>(after.SelfSize(n));
    ++out.nodes;
  }
  return out;
}

}  // namespace leakcheck::analysis
