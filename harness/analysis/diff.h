#pragma once

#include <cstdint>
#include <string>
#include <string_view>
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

/// Whether the object ids of two snapshots correspond: V8 keeps an object's id for the life of
/// its process, so in two snapshots of one process an id shared by both names the same object,
/// with the same node type and name. Snapshots of two processes share ids by chance (56,171
/// shared, 744 of them alike, on two Node apps), and Bun renumbers objects in every snapshot;
/// comparing such files by id prints confident nonsense.
struct IdCorrespondence {
  uint64_t shared = 0;   ///< ids present in both snapshots
  uint64_t alike = 0;    ///< shared ids whose node has the same type and name in both
  uint64_t smaller = 0;  ///< node count of the smaller snapshot
  bool ok = true;        ///< false: the ids do not correspond (see `reason`)
  std::string reason;    ///< why not, e.g. "only 744 of the 56,171 ids ... are the same object"
};

/// The rule: the ids correspond when the snapshots share ids for at least a tenth of the smaller
/// one's nodes (`kMinShared`: most of a heap — code, builtins, long-lived state — outlives any
/// window; Bun's renumbered snapshots share 2 ids of ~3,400) and at least half the shared ids
/// name alike nodes (`kMinAlike`: one process keeps nearly every shared id alike, a heap number
/// rewritten in place being the rare exception; two processes keep few: 744 of 56,171).
inline constexpr double kMinShared = 0.1;
inline constexpr double kMinAlike = 0.5;

/// Checks `a` against `b` by the rule above (a merge over both sorted id indexes).
IdCorrespondence CheckIdCorrespondence(const snapshot::HeapGraph& a, const snapshot::HeapGraph& b);

/// Throws InputError(stage, "<name_a> and <name_b> are not snapshots of one process: <reason>")
/// (exit 2) when CheckIdCorrespondence says the ids do not correspond. For `diff` and for the
/// survivors window of `run` (the pipeline calls it before FindSurvivors / DiffSnapshots).
void RequireIdCorrespondence(const snapshot::HeapGraph& a, const snapshot::HeapGraph& b,
                             std::string_view name_a, std::string_view name_b,
                             std::string_view stage);

/// Compares two snapshots of the same process by object id (call RequireIdCorrespondence first
/// when the files may come from different processes).
SnapshotDiff DiffSnapshots(const snapshot::HeapGraph& before, const snapshot::HeapGraph& after);

/// Objects allocated between snapshots 1 and 2 and still alive in snapshot 3.
struct SurvivorGroup {
  std::string key;  ///< class name, or retainer-path signature
  uint64_t count = 0;
  uint64_t self_size = 0;
  uint64_t example_id = 0;   ///< one object of the group (an id in snapshot 3)
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

/// One node of a snapshot under its object id.
struct IdKey {
  uint64_t id = 0;
  NodeIndex node = 0;
};

/// A snapshot's nodes sorted by object id: the join index for id-based comparisons.
std::vector<IdKey> SortedIdIndex(const snapshot::HeapGraph& g);

}  // namespace leakcheck::analysis
