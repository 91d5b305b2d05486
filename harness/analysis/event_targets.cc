#include "harness/analysis/event_targets.h"

#include <unordered_set>

namespace leakcheck::analysis {

using snapshot::EdgeIndex;
using snapshot::EdgeType;
using snapshot::HeapGraph;
using snapshot::kNoNode;
using snapshot::NodeIndex;
using snapshot::NodeType;

namespace {

bool IsString(const HeapGraph& g, NodeIndex n) {
  NodeType t = g.Type(n);
  return t == NodeType::kString || t == NodeType::kConsString || t == NodeType::kSlicedString;
}

// Walks a list root's `next` chain of Listener objects; returns their number and the first.
uint32_t CountChain(const HeapGraph& g, NodeIndex root, NodeIndex& first) {
  uint32_t count = 0;
  std::unordered_set<NodeIndex> seen{root};
  for (NodeIndex n = FindEdgeTarget(g, root, "next");
       n != kNoNode && g.Type(n) == NodeType::kObject && g.Name(n) == "Listener" &&
       seen.insert(n).second;
       n = FindEdgeTarget(g, n, "next")) {
    if (count++ == 0) first = n;
  }
  return count;
}

}  // namespace

std::vector<ListenerCount> FindEventTargetListeners(const HeapGraph& g) {
  std::vector<ListenerCount> out;
  for (NodeIndex n = 0; n < g.NodeCount(); ++n) {
    if (g.Type(n) != NodeType::kObject) continue;
    NodeIndex events = FindEdgeTarget(g, n, "<symbol kEvents>");
    if (events == kNoNode || g.Name(events) != "Map") continue;
    NodeIndex table = FindEdgeTarget(g, events, "table");
    if (table == kNoNode) continue;
    const bool signal = FindEdgeTarget(g, n, "<symbol kAborted>") != kNoNode;
    const std::string cls = signal ? "AbortSignal" : std::string(g.ClassName(n));
    // The table lists each entry as its key (the event type, a string) then its value (the
    // list root); anything else in between (hash chains, numbers) is skipped.
    std::string type;
    for (EdgeIndex e = g.FirstEdge(table); e < g.EndEdge(table); ++e) {
      NodeIndex v = g.EdgeTarget(e);
      if (IsString(g, v)) {
        type = std::string(g.Name(v));
        continue;
      }
      if (type.empty() || g.Type(v) != NodeType::kObject) continue;
      NodeIndex first = kNoNode;
      uint32_t count = CountChain(g, v, first);
      if (count == 0) continue;
      NodeIndex fn = FindEdgeTarget(g, first, "listener");
      if (fn == kNoNode || g.Type(fn) != NodeType::kClosure)
        fn = FindEdgeTarget(g, first, "callback");
      out.push_back({g.Id(n), n, cls, type, count, fn == kNoNode ? first : fn});
      type.clear();
    }
  }
  return out;
}

}  // namespace leakcheck::analysis
