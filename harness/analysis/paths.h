#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/snapshot/heap_graph.h"

namespace leakcheck::analysis {

using snapshot::EdgeIndex;
using snapshot::HeapGraph;
using snapshot::NodeIndex;

/// One hop of a retainer path: the edge taken and the node it leads to.
struct PathStep {
  EdgeIndex edge;
  NodeIndex node;
};

/// Shortest retainer paths from the root to every node, by one breadth-first search.
///
/// Edges a path may use (memlab's and DevTools' rules for Node heaps): not weak, not shortcut
/// (except from the root), not self edges, not the WeakMap ephemeron edge to its own key, not
/// the internal `code` edge of a function, not the hidden `sloppy_function_map` or links into
/// the NativeContext. Element/property/context/internal edges are all allowed: `Map → (table)`
/// is an internal edge and the path to a leaking Map entry goes through it.
class RetainerPaths {
 public:
  explicit RetainerPaths(const HeapGraph& g);

  /// Distance from the root in edges; kUnreachable when no allowed path exists. Walks the
  /// path: O(distance · log nodes).
  uint32_t Distance(NodeIndex n) const;
  static constexpr uint32_t kUnreachable = UINT32_MAX;
  /// The self sizes of all nodes a path reaches, the root's included (bytes).
  uint64_t ReachedSize() const { return reached_size_; }

  /// The path from the root to n (empty for the root or an unreachable node).
  std::vector<PathStep> PathTo(NodeIndex n) const;

  /// `(GC roots) → … → Map "userCache" → (table)`. A hop repeated back to back (or a block of
  /// up to three hops) prints once with its count: `Object "prev" ×1,200`, `(A, B) ×40`. At most
  /// `max_steps` of these units are shown: a longer path keeps its first hop, the first named
  /// holder from the app's code (a variable: a Context slot of a function not written in `node:*`)
  /// with the hop before it when `max_steps` ≥ 4, and its last hops, with "…" for each gap.
  std::string Format(NodeIndex n, size_t max_steps = 8) const;
  /// The node as its last hop names it: `Map "userCache"`, `Array[3]`, or its class.
  std::string Describe(NodeIndex n) const;
  /// A grouping key for the path: the classes and edge names with element indices collapsed,
  /// so thousands of survivors held by one array share one key; a repeated run reads `×N`
  /// whatever its length, so the members of one linked chain share one key too.
  std::string Signature(NodeIndex n, size_t max_steps = 8) const;

 private:
  bool Allowed(NodeIndex from, EdgeIndex e) const;
  std::string Render(NodeIndex n, size_t max_steps, bool collapse) const;
  std::string StepText(const PathStep& step, bool collapse_indices) const;
  bool SameHop(const PathStep& a, const PathStep& b) const;
  bool NamedHolder(const std::vector<PathStep>& path, size_t i) const;

  const HeapGraph& g_;
  // The edge a path takes into each node (the search's only per-node array): kNotReached, or
  // kRootEdge for the root. Edge indices stay below both (the reader caps edges at 2^32 - 1).
  snapshot::BigVector<EdgeIndex> parent_edge_;
  static constexpr EdgeIndex kNotReached = UINT32_MAX, kRootEdge = UINT32_MAX - 1;
  uint64_t reached_size_ = 0;
  // Per string: what Allowed needs to know of it (bits below), worked out the first time it
  // is asked (the names of edges and of hidden edges' targets are a few thousand of millions).
  uint8_t NameFlags(snapshot::StringIndex s) const;
  mutable snapshot::SparseZeroArray<uint8_t> weakmap_name_;
  static constexpr uint8_t kWeakMapName = 1;        // may name a WeakMap ephemeron edge
  static constexpr uint8_t kCodeName = 2;           // "code"
  static constexpr uint8_t kNativeContextName = 4;  // "system / NativeContext"
  static constexpr uint8_t kKnown = 0x80;           // the bits above are worked out
};

}  // namespace leakcheck::analysis
