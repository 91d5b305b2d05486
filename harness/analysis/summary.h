#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/analysis/aggregate.h"
#include "harness/analysis/diff.h"
#include "harness/snapshot/phase_times.h"

namespace leakcheck::analysis {

/// One of the largest objects by retained size.
struct LargeObject {
  uint64_t id = 0;
  std::string class_name;
  std::string type;
  uint64_t self_size = 0;
  uint64_t retained_size = 0;
  uint32_t distance = 0;
  std::string path;      ///< retainer path from the root
  std::string location;  ///< "server.js:40:3" for closures, when known
};

/// What `leakcheck analyze` reports for one snapshot.
struct SnapshotSummary {
  std::string file;
  uint64_t node_count = 0;
  uint64_t edge_count = 0;
  uint64_t string_count = 0;
  uint64_t total_size = 0;
  uint64_t unreachable_size = 0;  ///< held only weakly or by nothing (hung under the root)
  std::vector<ClassStats> classes;
  std::vector<LargeObject> largest;
};

struct SummaryOptions {
  size_t top_classes = 20;
  size_t top_objects = 10;
  bool all_classes = false;  ///< keep every class (the cross-check script wants them all)
  snapshot::PhaseTimes* times = nullptr;  ///< gets the analysis phases when set
};

/// Runs the whole single-snapshot analysis: dominators, retained sizes, class aggregation,
/// retainer paths of the largest objects.
SnapshotSummary Summarize(const HeapGraph& g, std::string file, const SummaryOptions& options);

/// The top `n` nodes by retained size, largest first (ties: the lower id first), excluding
/// synthetic nodes (the root categories). One pass with a heap of n: O(nodes · log n).
std::vector<NodeIndex> LargestObjects(const HeapGraph& g, const DominatorTree& tree, size_t n);

}  // namespace leakcheck::analysis
