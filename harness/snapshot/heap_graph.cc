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

EdgeIndex HeapGraph::RetainerEdge(NodeIndex n, uint32_t slot) const {
  const NodeIndex from = retainer_node_[slot];
  for (EdgeIndex e = first_edge_[from]; e < first_edge_[from + 1]; ++e)
    if (edge_to_[e] == n && edge_type_[e] == retainer_type_[slot]) return e;
  return first_edge_[from];  // unreachable for a graph built by the reader
}

std::string HeapGraph::EdgeName(EdgeIndex e) const {
  if (EdgeHasIndexName(edge_type_[e])) return std::to_string(edge_name_[e]);
  return std::string(String(edge_name_[e]));
}

size_t HeapGraph::MemoryUsage() const {
  auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  return bytes(node_type_) + bytes(node_name_) + bytes(node_id_) + bytes(node_self_size_) +
         bytes(node_detachedness_) + bytes(first_edge_) + bytes(edge_type_) + bytes(edge_name_) +
         bytes(edge_to_) + bytes(first_retainer_) + bytes(retainer_node_) + bytes(retainer_type_) +
         bytes(string_data_) + bytes(string_offsets_) + bytes(locations_);
}

}  // namespace leakcheck::snapshot
