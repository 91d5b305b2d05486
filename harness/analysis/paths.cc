#include "harness/analysis/paths.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "harness/common/format.h"

namespace leakcheck::analysis {

using snapshot::EdgeType;
using snapshot::NodeType;

namespace {

// "part of key (Object @123) -> value (...) pair in WeakMap (table @7)": the id after the first
// '@' is the key's. V8 names ephemeron edges this way.
uint64_t WeakMapKeyId(std::string_view name) {
  auto at = name.find('@');
  if (at == std::string_view::npos) return 0;
  uint64_t id = 0;
  std::from_chars(name.data() + at + 1, name.data() + name.size(), id);
  return id;
}

}  // namespace

RetainerPaths::RetainerPaths(const HeapGraph& g)
    : g_(g),
      distance_(g.NodeCount(), kUnreachable),
      parent_edge_(g.NodeCount(), 0),
      parent_node_(g.NodeCount(), snapshot::kNoNode),
      weakmap_name_(g.StringCount(), 0) {
  for (uint32_t s = 0; s < g.StringCount(); ++s)
    weakmap_name_[s] = g.String(s).find("WeakMap") != std::string_view::npos;
  std::vector<NodeIndex> queue;
  queue.reserve(g.NodeCount());
  queue.push_back(HeapGraph::kRoot);
  distance_[HeapGraph::kRoot] = 0;
  for (size_t head = 0; head < queue.size(); ++head) {
    const NodeIndex from = queue[head];
    for (EdgeIndex e = g.FirstEdge(from); e < g.EndEdge(from); ++e) {
      const NodeIndex to = g.EdgeTarget(e);
      if (distance_[to] != kUnreachable || !Allowed(from, e)) continue;
      distance_[to] = distance_[from] + 1;
      parent_edge_[to] = e;
      parent_node_[to] = from;
      queue.push_back(to);
    }
  }
}

bool RetainerPaths::Allowed(NodeIndex from, EdgeIndex e) const {
  const NodeIndex to = g_.EdgeTarget(e);
  const EdgeType type = g_.EdgeKind(e);
  if (from == to || type == EdgeType::kWeak) return false;
  if (type == EdgeType::kShortcut) return from == HeapGraph::kRoot;
  if (snapshot::EdgeHasIndexName(type)) {
    return !(type == EdgeType::kHidden && g_.Name(to) == "system / NativeContext");
  }
  const auto name_index = g_.EdgeNameOrIndex(e);
  if (type == EdgeType::kInternal && g_.String(name_index) == "code") return false;
  if (weakmap_name_[name_index] && WeakMapKeyId(g_.String(name_index)) == g_.Id(to)) return false;
  return true;
}

std::vector<PathStep> RetainerPaths::PathTo(NodeIndex n) const {
  std::vector<PathStep> path;
  if (distance_[n] == kUnreachable) return path;
  for (NodeIndex at = n; at != HeapGraph::kRoot; at = parent_node_[at])
    path.push_back({parent_edge_[at], at});
  std::reverse(path.begin(), path.end());
  return path;
}

std::string RetainerPaths::StepText(const PathStep& step, bool collapse_indices) const {
  const EdgeType type = g_.EdgeKind(step.edge);
  // Synthetic nodes ("(Global handles)") and V8-internal classes are named by what they are.
  const bool synthetic = g_.Type(step.node) == NodeType::kSynthetic;
  std::string cls(synthetic ? g_.Name(step.node) : g_.ClassName(step.node));
  if (synthetic) return cls;
  std::string name = g_.EdgeName(step.edge);
  switch (type) {
    case EdgeType::kElement:
      return fmt::format("{}[{}]", cls, collapse_indices ? "*" : name);
    case EdgeType::kHidden:
      return collapse_indices ? cls : fmt::format("{} (hidden {})", cls, name);
    case EdgeType::kInternal:
      // Hash-table slots are numbered: one group for all of them.
      if (collapse_indices && !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit))
        name = "*";
      // V8's internal slots ("table", "elements") say more than "(system)" or "(array)".
      if (cls == "(system)" || cls == "(array)" || cls == "(object shape)")
        return fmt::format("({})", name);
      return fmt::format("{} ({})", cls, name);
    default:
      return fmt::format("{} \"{}\"", cls, Ellipsize(name, 60));
  }
}

std::string RetainerPaths::Render(NodeIndex n, size_t max_steps, bool collapse) const {
  if (n == HeapGraph::kRoot) return std::string(g_.ClassName(n));
  auto path = PathTo(n);
  if (path.empty()) return "(unreachable: held only by weak references or itself)";
  auto hop = [&](size_t i) {
    // The first hop is a root category such as "(GC roots)": its name says it all.
    // The first hop leaves the root: a root category ("(GC roots)") or a global; the edge
    // from the synthetic root has no meaning of its own.
    if (i == 0) {
      const NodeIndex node = path[0].node;
      return std::string(g_.Type(node) == NodeType::kSynthetic ? g_.Name(node)
                                                               : g_.ClassName(node));
    }
    return StepText(path[i], collapse);
  };
  std::string out = hop(0);
  size_t next = 1;
  if (path.size() > max_steps && max_steps >= 2) {
    out += " → …";
    next = path.size() - (max_steps - 1);
  }
  for (size_t i = next; i < path.size(); ++i) out += " → " + hop(i);
  return out;
}

std::string RetainerPaths::Describe(NodeIndex n) const {
  auto path = PathTo(n);
  if (path.size() < 2) return std::string(g_.ClassName(n));
  return StepText(path.back(), false);
}

std::string RetainerPaths::Format(NodeIndex n, size_t max_steps) const {
  return Render(n, max_steps, false);
}

std::string RetainerPaths::Signature(NodeIndex n, size_t max_steps) const {
  return Render(n, max_steps, true);
}

}  // namespace leakcheck::analysis
