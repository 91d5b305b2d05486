#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/analysis/dominators.h"

namespace leakcheck::analysis {

/// One row of DevTools' Summary view.
struct ClassStats {
  std::string name;
  uint64_t count = 0;
  uint64_t self_size = 0;
  /// Retained size summed over the class's topmost instances only (those with no instance of
  /// the same class above them in the dominator tree), so nested instances are not counted twice.
  uint64_t retained_size = 0;
};

/// Aggregates every node by DevTools' class name; sorted by retained size, largest first.
std::vector<ClassStats> AggregateByClass(const HeapGraph& g, const DominatorTree& tree);

}  // namespace leakcheck::analysis
