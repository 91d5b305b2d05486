#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/analysis/diff.h"
#include "harness/analysis/paths.h"
#include "harness/snapshot/heap_graph.h"

/// Survivors that count as growth: the verdict model of docs/verdicts.md ("survivors").
namespace leakcheck::analysis {

/// Why a surviving object is V8's or Node's own lazy work rather than the app's data.
enum class LazyWork {
  kNone,                 ///< the app's: counted
  kInternalizedLiteral,  ///< held through `(Internalized strings)`: a literal interned on compile
  kCodeMetadata,         ///< held through code, feedback, a boilerplate or an AllocationSite
  kFlattenedString,      ///< the flat copy V8 made of an older cons string (its `first`)
};

/// Classifies one node of `g` by its shortest retainer path (`paths` are g's). The rules, from
/// docs/verdicts.md: a path through the `(Internalized strings)` root is an interned literal; a
/// string whose path goes through a code node (bytecode, feedback, SharedFunctionInfo), or any
/// node whose path takes an edge named `boilerplate`/`feedback_cell`/`feedback_vector`/
/// `allocation_site`/`transition_info`, is compilation metadata; a
/// string reached as the `first` of a concatenated string that is not itself in `fresh_ids` is
/// that older cons string flattened on first read.
LazyWork ClassifyLazyWork(const snapshot::HeapGraph& g, const RetainerPaths& paths, NodeIndex n,
                          const std::vector<uint64_t>& fresh_ids);

/// Live objects per class name in one snapshot, counting only the nodes `keep` accepts
/// (synthetic nodes never count).
std::unordered_map<std::string, int64_t> ClassCounts(const snapshot::HeapGraph& g, NodeFilter keep);

/// One class's survivors and the population trend that decides how many of them count.
struct ClassTrend {
  std::string name;
  uint64_t survivors = 0;       ///< allocated in the window, alive at the end (lazy work excluded)
  uint64_t survivor_bytes = 0;  ///< their self size
  int64_t growth1 = 0;          ///< live count s2 − s1 (the window's net growth)
  int64_t growth2 = 0;          ///< live count s3 − s2 (0 with two snapshots)
  double counted = 0;           ///< survivors that count as growth (see PersistentSurvivors)
  bool step = false;            ///< grew in the window, then stopped: a one-time step
};

/// The survivors check's evidence. With three snapshots s1, s2, s3 (iterations i1 < i2 < i3),
/// a class's survivors (allocated in (s1, s2], alive in s3) count only up to the smaller of its
/// population's net growth in (s1, s2] and in (s2, s3] (scaled to the first window's length):
/// a bounded population (an LRU cache, a ring buffer) keeps survivors alive without growing,
/// and a one-time step grows in one window only. With two snapshots, up to the net growth.
/// Object shapes and system objects of the window that surviving app objects hold (their maps,
/// descriptors) are survivors of their own classes; other V8 internals are not counted.
struct PersistentSurvivors {
  uint64_t all = 0;  ///< every app survivor and the internals they hold (raw)
  uint64_t all_bytes = 0;
  double counted = 0;                ///< sum of ClassTrend::counted
  uint64_t lazy_literals = 0;        ///< excluded as LazyWork::kInternalizedLiteral
  uint64_t lazy_code = 0;            ///< excluded as LazyWork::kCodeMetadata
  uint64_t lazy_flattened = 0;       ///< excluded as LazyWork::kFlattenedString
  uint64_t held_internals = 0;       ///< maps/system objects of the window app survivors hold
  std::vector<ClassTrend> classes;   ///< sorted by counted, then survivors, largest first
  std::vector<SurvivorGroup> paths;  ///< retainer paths of the counted classes' survivors
};

/// Computes PersistentSurvivors. `s3` may be the same graph as `s2` (two snapshots); `paths3`
/// are s3's retainer paths; `keep` says which nodes are the app's objects; `window_ratio` is
/// (i2 − i1) / (i3 − i2), which scales the second window's growth to the first's length.
PersistentSurvivors FindPersistentSurvivors(const snapshot::HeapGraph& s1,
                                            const snapshot::HeapGraph& s2,
                                            const snapshot::HeapGraph& s3,
                                            const RetainerPaths& paths3, NodeFilter keep,
                                            double window_ratio);

}  // namespace leakcheck::analysis
