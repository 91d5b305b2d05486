#pragma once

#include <cstdint>
#include <vector>

#include "harness/snapshot/heap_graph.h"
#include "harness/snapshot/phase_times.h"

namespace leakcheck::analysis {

using snapshot::HeapGraph;
using snapshot::NodeIndex;

/// The dominator tree of a heap graph and every node's retained size.
///
/// Rules (DevTools' and memlab's, so figures agree with both):
///  - only essential edges count: not weak, not shortcut unless from the root, not self edges,
///    and not from a node outside the root's strong reach into one inside it (the inspector's
///    own handles must not become dominators of the app's objects);
///  - nodes reachable only through weak/shortcut edges are hung directly under the root, and
///    so is any remaining unreachable cycle, so the root retains the total heap.
/// Lengauer–Tarjan with path compression: near-linear, iterative (no recursion on deep heaps).
struct DominatorTree {
  snapshot::BigVector<NodeIndex> idom;        ///< immediate dominator; idom[root] == root
  snapshot::BigVector<uint64_t> retained;     ///< retained size: self + dominated nodes' sizes
  snapshot::BigVector<uint32_t> first_child;  ///< dominator-tree children in CSR: node_count + 1
  snapshot::BigVector<NodeIndex> children;

  uint32_t FirstChild(NodeIndex n) const { return first_child[n]; }
  uint32_t EndChild(NodeIndex n) const { return first_child[n + 1]; }
};

/// True when the edge takes part in domination (see the rules above).
/// `strong` marks nodes strongly reachable from the root's non-shortcut children.
bool IsEssentialEdge(NodeIndex from, snapshot::EdgeType type, NodeIndex to,
                     const std::vector<uint8_t>& strong);

/// Marks the nodes reachable from the root's non-shortcut children without weak edges.
std::vector<uint8_t> MarkStronglyReachable(const HeapGraph& g);

/// `times`, when given, gets the phases (strong reach, DFS, predecessors, semidominators,
/// idoms, retained sizes, children).
DominatorTree ComputeDominators(const HeapGraph& g, snapshot::PhaseTimes* times = nullptr);

}  // namespace leakcheck::analysis
