#include "harness/snapshot/heap_graph.h"

#include <algorithm>
#include <array>

namespace leakcheck::snapshot {
namespace {

constexpr std::array<std::string_view, 17> kNodeTypeNames = {"hidden",
                                                             "array",
                                                             "string",
                                                             "object",
                                                             "code",
                                                             "closure",
                                                             "regexp",
                                                             "number",
                                                             "native",
                                                             "synthetic",
                                                             "concatenated string",
                                                             "sliced string",
                                                             "symbol",
                                                             "bigint",
                                                             "object shape",
                                                             "wasm object",
                                                             "unknown"};
constexpr std::array<std::string_view, 8> kEdgeTypeNames = {
    "context", "element", "property", "internal", "hidden", "shortcut", "weak", "unknown"};

}  // namespace

std::string_view NodeTypeName(NodeType type) { return kNodeTypeNames[static_cast<size_t>(type)]; }
std::string_view EdgeTypeName(EdgeType type) { return kEdgeTypeNames[static_cast<size_t>(type)]; }

NodeType NodeTypeFromName(std::string_view name) {
  auto it = std::find(kNodeTypeNames.begin(), kNodeTypeNames.end() - 1, name);
  return static_cast<NodeType>(it - kNodeTypeNames.begin());
}

EdgeType EdgeTypeFromName(std::string_view name) {
  auto it = std::find(kEdgeTypeNames.begin(), kEdgeTypeNames.end() - 1, name);
  return static_cast<EdgeType>(it - kEdgeTypeNames.begin());
}

const Location* HeapGraph::LocationOf(NodeIndex n) const {
  auto it = std::lower_bound(locations_.begin(), locations_.end(), n,
                             [](const auto& entry, NodeIndex key) { return entry.first < key; });
  return it != locations_.end() && it->first == n ? &it->second : nullptr;
}

Retainers::Retainers(const HeapGraph& g) : g_(g) {
  const uint32_t n = g.NodeCount(), m = g.EdgeCount();
  first_.assign(n + 1, 0);
  for (EdgeIndex e = 0; e < m; ++e) ++first_[g.EdgeTarget(e) + 1];
  for (uint32_t i = 0; i < n; ++i) first_[i + 1] += first_[i];
  from_.resize(m);
  type_.resize(m);
  std::vector<uint32_t> next(first_.begin(), first_.end() - 1);
  for (NodeIndex from = 0; from < n; ++from) {
    for (EdgeIndex e = g.FirstEdge(from), end = g.EndEdge(from); e < end; ++e) {
      uint32_t slot = next[g.EdgeTarget(e)]++;
      from_[slot] = from;
      type_[slot] = g.EdgeKind(e);
    }
  }
}

EdgeIndex Retainers::Edge(NodeIndex n, uint32_t slot) const {
  const NodeIndex from = from_[slot];
  for (EdgeIndex e = g_.FirstEdge(from); e < g_.EndEdge(from); ++e)
    if (g_.EdgeTarget(e) == n && g_.EdgeKind(e) == type_[slot]) return e;
  return g_.FirstEdge(from);  // unreachable for a graph built by the reader
}

std::string HeapGraph::EdgeName(EdgeIndex e) const {
  if (EdgeHasIndexName(edge_type_[e])) return std::to_string(edge_name_[e]);
  return std::string(String(edge_name_[e]));
}

size_t HeapGraph::MemoryUsage() const {
  auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  return bytes(node_type_) + bytes(node_name_) + bytes(node_id_) + bytes(node_self_size_) +
         bytes(node_detachedness_) + bytes(first_edge_) + bytes(edge_type_) + bytes(edge_name_) +
         bytes(edge_to_) + bytes(string_data_) + bytes(string_offsets_) + bytes(locations_);
}

}  // namespace leakcheck::snapshot
