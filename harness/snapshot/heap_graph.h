#pragma once

#include <algorithm>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "harness/snapshot/big_vector.h"

/// The in-memory form of a V8 heap snapshot: flat arrays per node and edge field, outgoing
/// edges in CSR form, reverse edges (retainers), the strings table and closure locations.
///
/// Nodes are addressed by their ordinal (0..node_count-1, the order V8 wrote them; ordinal 0 is
/// the synthetic root), edges by their index in V8's edge array (a node's edges are contiguous:
/// FirstEdge(n) .. FirstEdge(n+1)). Type fields are mapped from `snapshot.meta` onto the enums
/// below when the file is read, so analysis code never depends on field offsets or type order.
namespace leakcheck::snapshot {

using NodeIndex = uint32_t;
using EdgeIndex = uint32_t;
using StringIndex = uint32_t;
inline constexpr NodeIndex kNoNode = UINT32_MAX;

/// V8's node types (meta.node_types[0]). kUnknown stands for a type name this build does not know.
enum class NodeType : uint8_t {
  kHidden,
  kArray,
  kString,
  kObject,
  kCode,
  kClosure,
  kRegExp,
  kNumber,
  kNative,
  kSynthetic,
  kConsString,
  kSlicedString,
  kSymbol,
  kBigInt,
  kObjectShape,
  kWasmObject,
  kUnknown
};

/// V8's edge types (meta.edge_types[0]).
enum class EdgeType : uint8_t {
  kContext,
  kElement,
  kProperty,
  kInternal,
  kHidden,
  kShortcut,
  kWeak,
  kUnknown
};

/// V8's name for a node/edge type, e.g. "object", "concatenated string", "weak".
std::string_view NodeTypeName(NodeType type);
std::string_view EdgeTypeName(EdgeType type);
NodeType NodeTypeFromName(std::string_view name);
EdgeType EdgeTypeFromName(std::string_view name);

/// True for edge types whose name_or_index is an element index rather than a string index.
inline bool EdgeHasIndexName(EdgeType t) {
  return t == EdgeType::kElement || t == EdgeType::kHidden;
}

/// Source position of a closure (snapshot `locations`), 0-based line/column as V8 writes them.
struct Location {
  uint32_t script_id = 0;
  uint32_t line = 0;
  uint32_t column = 0;
};

class HeapGraph {
 public:
  // ---- sizes ------------------------------------------------------------------------------
  uint32_t NodeCount() const { return static_cast<uint32_t>(node_type_.size()); }
  uint32_t EdgeCount() const { return static_cast<uint32_t>(edge_type_.size()); }
  uint32_t StringCount() const { return static_cast<uint32_t>(string_offsets_.size() - 1); }
  static constexpr NodeIndex kRoot = 0;

  // ---- nodes ------------------------------------------------------------------------------
  NodeType Type(NodeIndex n) const { return node_type_[n]; }
  StringIndex NameIndex(NodeIndex n) const { return node_name_[n]; }
  std::string_view Name(NodeIndex n) const { return String(node_name_[n]); }
  /// V8's object id (stable across snapshots of one process). V8 writes 32-bit ids; other
  /// writers (Julia: addresses) write 64-bit ones, kept exact in a side table.
  uint64_t Id(NodeIndex n) const {
    uint32_t id = node_id_[n];
    return id != kLargeId ? id : large_ids_.at(n);
  }
  uint64_t SelfSize(NodeIndex n) const {
    uint32_t s = node_self_size_[n];
    return s != kLargeSize ? s : large_self_sizes_.at(n);
  }
  uint8_t Detachedness(NodeIndex n) const {
    return node_detachedness_.empty() ? 0 : node_detachedness_[n];
  }
  /// DevTools' class name: "(system)" for hidden, the name for objects and native nodes,
  /// "(compiled code)" for code, "(<type>)" otherwise.
  std::string_view ClassName(NodeIndex n) const { return String(ClassIndex(n)); }
  /// A string index identifying the class (object/native names share the strings table; the
  /// "(type)" labels are appended to it at load), so classes can be counted in flat arrays.
  StringIndex ClassIndex(NodeIndex n) const {
    NodeType t = node_type_[n];
    return (t == NodeType::kObject || t == NodeType::kNative) ? node_name_[n]
                                                              : type_class_[static_cast<int>(t)];
  }
  /// Closure source location, if the snapshot recorded one for this node.
  const Location* LocationOf(NodeIndex n) const;

  // ---- outgoing edges (CSR) ---------------------------------------------------------------
  EdgeIndex FirstEdge(NodeIndex n) const { return first_edge_[n]; }
  EdgeIndex EndEdge(NodeIndex n) const { return first_edge_[n + 1]; }
  /// The node whose outgoing edge `e` is: a binary search of the CSR offsets, O(log nodes).
  NodeIndex EdgeOwner(EdgeIndex e) const {
    // The last node whose first edge is at most e and that has edges (nodes without edges
    // share their offset with the next one).
    const auto it = std::upper_bound(first_edge_.begin(), first_edge_.end() - 1, e);
    return static_cast<NodeIndex>(it - first_edge_.begin()) - 1;
  }
  EdgeType EdgeKind(EdgeIndex e) const { return edge_type_[e]; }
  NodeIndex EdgeTarget(EdgeIndex e) const { return edge_to_[e]; }
  uint32_t EdgeNameOrIndex(EdgeIndex e) const { return edge_name_[e]; }
  /// The edge's name ("userCache", "table") or, for element/hidden edges, its index as text.
  std::string EdgeName(EdgeIndex e) const;

  // ---- strings ----------------------------------------------------------------------------
  std::string_view String(StringIndex s) const {
    return {string_data_.data() + string_offsets_[s], string_offsets_[s + 1] - string_offsets_[s]};
  }

  /// Sum of all nodes' self sizes.
  uint64_t TotalSize() const { return total_size_; }
  /// Approximate bytes held by this graph (for memory accounting in benchmarks).
  size_t MemoryUsage() const;

 private:
  friend class SnapshotBuilder;
  static constexpr uint32_t kLargeSize = UINT32_MAX;
  static constexpr uint32_t kLargeId = UINT32_MAX;

  BigVector<NodeType> node_type_;
  BigVector<StringIndex> node_name_;
  BigVector<uint32_t> node_id_;  // kLargeId: look in large_ids_
  std::unordered_map<NodeIndex, uint64_t> large_ids_;
  BigVector<uint32_t> node_self_size_;  // kLargeSize: look in large_self_sizes_
  std::unordered_map<NodeIndex, uint64_t> large_self_sizes_;
  BigVector<uint8_t> node_detachedness_;
  BigVector<EdgeIndex> first_edge_;  // node_count + 1

  BigVector<EdgeType> edge_type_;
  BigVector<uint32_t> edge_name_;
  BigVector<NodeIndex> edge_to_;

  BigVector<char> string_data_;
  BigVector<uint32_t> string_offsets_{0};  // string_count + 1 (the table is capped at 4 GiB)
  StringIndex type_class_[static_cast<int>(NodeType::kUnknown) + 1] = {};

  std::vector<std::pair<NodeIndex, Location>> locations_;  // sorted by node
  uint64_t total_size_ = 0;
};

/// Retainers (reverse edges) of a HeapGraph, built on demand by one counting sort of the edges
/// by target (~5 bytes per edge, 4 per node): the graph itself does not keep them, since the
/// dominator pass, the one hot user, builds its own smaller lists.
/// Retainers of n are slots Begin(n) .. End(n); each holds the retaining node and its edge's type.
class Retainers {
 public:
  explicit Retainers(const HeapGraph& g);
  uint32_t Begin(NodeIndex n) const { return first_[n]; }
  uint32_t End(NodeIndex n) const { return first_[n + 1]; }
  NodeIndex From(uint32_t slot) const { return from_[slot]; }
  EdgeType Type(uint32_t slot) const { return type_[slot]; }
  /// The edge of retainer slot `slot` of node `n` (the first matching edge of that type).
  EdgeIndex Edge(NodeIndex n, uint32_t slot) const;

 private:
  const HeapGraph& g_;
  BigVector<uint32_t> first_;  // node_count + 1
  BigVector<NodeIndex> from_;
  BigVector<EdgeType> type_;
};

}  // namespace leakcheck::snapshot
