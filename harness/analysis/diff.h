#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/analysis/paths.h"
#include "harness/snapshot/heap_graph.h"

namespace leakcheck::analysis {

/// One row of DevTools' Comparison view: objects of a class that appeared and disappeared
/// between two snapshots, matched by V8's stable object ids.
struct ClassDelta {
  std::string name;
  int64_t added = 0;        ///< #New: ids in `after` but not in `before`
  int64_t deleted = 0;      ///< #Deleted: ids in `before` but not in `after`
  uint64_t alloc_size = 0;  ///< self size of the new objects
  uint64_t freed_size = 0;  ///< self size of the deleted objects
  int64_t CountDelta() const { return added - deleted; }
  int64_t SizeDelta() const {
    return static_cast<int64_t>(alloc_size) - static_cast<int64_t>(freed_size);
  }
};

struct SnapshotDiff {
  std::vector<ClassDelta> classes;  ///< sorted by |size delta|, largest first
  ClassDelta total;                 ///< all classes together (name "(total)")
};

/// Compares two snapshots of the same process by object id.
SnapshotDiff DiffSnapshots(const snapshot::HeapGraph& before, const snapshot::HeapGraph& after);

/// Objects allocated between snapshots 1 and 2 and still alive in snapshot 3.
struct SurvivorGroup {
  std::string key;  ///< class name, or retainer-path signature
  uint64_t count = 0;
  uint64_t self_size = 0;
  uint32_t example_id = 0;   ///< one object of the group (an id in snapshot 3)
  std::string example_path;  ///< its full retainer path in snapshot 3
};

struct Survivors {
  uint64_t count = 0;
  uint64_t self_size = 0;
  std::vector<SurvivorGroup> by_class;  ///< sorted by self size, largest first
  std::vector<SurvivorGroup> by_path;   ///< sorted by count, largest first
};

/// Nodes of s3 whose ids are new in s2 (absent from s1): the window's allocations still alive.
std::vector<NodeIndex> SurvivingNodes(const snapshot::HeapGraph& s1, const snapshot::HeapGraph& s2,
                                      const snapshot::HeapGraph& s3);

/// Which nodes count as survivors (e.g. only the app's own objects, not V8's code and maps).
using NodeFilter = bool (*)(const snapshot::HeapGraph&, NodeIndex);

/// Survivors of the window (s1, s2], as they are in s3, grouped by class and by retainer path.
/// `paths3` are s3's retainer paths. Synthetic nodes never count; `keep` narrows further.
Survivors FindSurvivors(const snapshot::HeapGraph& s1, const snapshot::HeapGraph& s2,
                        const snapshot::HeapGraph& s3, const RetainerPaths& paths3,
                        NodeFilter keep = nullptr);

/// Sorted (id << 32 | node) keys of a snapshot: the join index for id-based comparisons.
std::vector<uint64_t> SortedIdIndex(const snapshot::HeapGraph& g);

}  // namespace leakcheck::analysis
