#include "harness/analysis/diff.h"

#include <algorithm>
#include <cstdlib>
#include <unordered_map>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/common/format.h"

namespace leakcheck::analysis {

using snapshot::HeapGraph;

std::vector<IdKey> SortedIdIndex(const HeapGraph& g) {
  std::vector<IdKey> keys(g.NodeCount());
  for (NodeIndex n = 0; n < g.NodeCount(); ++n) keys[n] = {g.Id(n), n};
  std::sort(keys.begin(), keys.end(), [](const IdKey& a, const IdKey& b) {
    return a.id != b.id ? a.id < b.id : a.node < b.node;
  });
  return keys;
}

namespace {

// Calls on_only_a(node) for ids only in a, on_only_b(node) for ids only in b, on_both(na, nb).
template <typename OnlyA, typename OnlyB, typename Both>
void MergeById(const std::vector<IdKey>& a, const std::vector<IdKey>& b, OnlyA&& on_only_a,
               OnlyB&& on_only_b, Both&& on_both) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].id < b[j].id)) {
      on_only_a(a[i++].node);
    } else if (i == a.size() || b[j].id < a[i].id) {
      on_only_b(b[j++].node);
    } else {
      on_both(a[i++].node, b[j++].node);
    }
  }
}

}  // namespace

IdCorrespondence CheckIdCorrespondence(const HeapGraph& a, const HeapGraph& b) {
  IdCorrespondence out;
  out.smaller = std::min(a.NodeCount(), b.NodeCount());
  MergeById(
      SortedIdIndex(a), SortedIdIndex(b), [](NodeIndex) {}, [](NodeIndex) {},
      [&](NodeIndex na, NodeIndex nb) {
        ++out.shared;
        out.alike += a.Type(na) == b.Type(nb) && a.Name(na) == b.Name(nb);
      });
  auto count = [](uint64_t v) { return FormatCount(static_cast<int64_t>(v)); };
  if (out.shared == 0) {
    out.ok = false;
    out.reason = "they share no object id";
  } else if (static_cast<double>(out.shared) < kMinShared * static_cast<double>(out.smaller)) {
    out.ok = false;
    out.reason = fmt::format(
        "they share only {} object ids for {} objects in the smaller one (a process keeps most "
        "of its objects, and their ids, from one snapshot to the next; these ids were given "
        "independently, by two processes or by a runtime that renumbers objects in every "
        "snapshot, such as Bun)",
        count(out.shared), count(out.smaller));
  } else if (static_cast<double>(out.alike) < kMinAlike * static_cast<double>(out.shared)) {
    out.ok = false;
    out.reason = fmt::format(
        "only {} of the {} object ids they share name a node of the same type and name (a "
        "process keeps an object's id; these ids were given independently, by two processes "
        "or by a runtime that renumbers objects in every snapshot, such as Bun)",
        count(out.alike), count(out.shared));
  }
  return out;
}

void RequireIdCorrespondence(const HeapGraph& a, const HeapGraph& b, std::string_view name_a,
                             std::string_view name_b, std::string_view stage) {
  auto check = CheckIdCorrespondence(a, b);
  if (!check.ok)
    throw InputError(std::string(stage),
                     fmt::format("{} and {} are not snapshots of one process, so their objects "
                                 "cannot be matched by id: {}",
                                 name_a, name_b, check.reason));
}

SnapshotDiff DiffSnapshots(const HeapGraph& before, const HeapGraph& after) {
  std::unordered_map<std::string_view, ClassDelta> by_class;
  auto row = [&](std::string_view name) -> ClassDelta& {
    auto& d = by_class[name];
    if (d.name.empty()) d.name = std::string(name);
    return d;
  };
  MergeById(
      SortedIdIndex(before), SortedIdIndex(after),
      [&](NodeIndex n) {
        auto& d = row(before.ClassName(n));
        ++d.deleted;
        d.freed_size += before.SelfSize(n);
      },
      [&](NodeIndex n) {
        auto& d = row(after.ClassName(n));
        ++d.added;
        d.alloc_size += after.SelfSize(n);
      },
      [](NodeIndex, NodeIndex) {});
  SnapshotDiff diff;
  diff.total.name = "(total)";
  for (auto& [name, d] : by_class) {
    diff.total.added += d.added;
    diff.total.deleted += d.deleted;
    diff.total.alloc_size += d.alloc_size;
    diff.total.freed_size += d.freed_size;
    diff.classes.push_back(std::move(d));
  }
  std::sort(diff.classes.begin(), diff.classes.end(), [](const ClassDelta& a, const ClassDelta& b) {
    auto sa = std::llabs(a.SizeDelta()), sb = std::llabs(b.SizeDelta());
    return sa != sb ? sa > sb : a.name < b.name;
  });
  return diff;
}

std::vector<NodeIndex> SurvivingNodes(const HeapGraph& s1, const HeapGraph& s2,
                                      const HeapGraph& s3) {
  // New in s2: absent from s1 (V8 ids grow monotonically, but a set difference is exact either
  // way).
  std::vector<IdKey> fresh;
  MergeById(
      SortedIdIndex(s1), SortedIdIndex(s2), [](NodeIndex) {},
      [&](NodeIndex n) {
        fresh.push_back({s2.Id(n), n});
      },
      [](NodeIndex, NodeIndex) {});
  std::vector<NodeIndex> alive;
  MergeById(
      fresh, SortedIdIndex(s3), [](NodeIndex) {}, [](NodeIndex) {},
      [&](NodeIndex, NodeIndex n3) { alive.push_back(n3); });
  return alive;
}

Survivors FindSurvivors(const HeapGraph& s1, const HeapGraph& s2, const HeapGraph& s3,
                        const RetainerPaths& paths3, NodeFilter keep) {
  Survivors out;
  std::unordered_map<std::string, SurvivorGroup> by_class, by_path;
  auto add = [&](std::unordered_map<std::string, SurvivorGroup>& groups, std::string key,
                 NodeIndex n) {
    auto [it, inserted] = groups.try_emplace(key);
    auto& grp = it->second;
    if (inserted) {
      grp.key = std::move(key);
      grp.example_id = s3.Id(n);
      grp.example_path = paths3.Format(n, 12);
    }
    ++grp.count;
    grp.self_size += s3.SelfSize(n);
  };
  for (NodeIndex n3 : SurvivingNodes(s1, s2, s3)) {
    if (s3.Type(n3) == snapshot::NodeType::kSynthetic || (keep && !keep(s3, n3))) continue;
    ++out.count;
    out.self_size += s3.SelfSize(n3);
    add(by_class, std::string(s3.ClassName(n3)), n3);
    add(by_path, paths3.Signature(n3), n3);
  }
  auto flatten = [](std::unordered_map<std::string, SurvivorGroup>& groups, bool by_size) {
    std::vector<SurvivorGroup> v;
    for (auto& [key, grp] : groups) v.push_back(std::move(grp));
    std::sort(v.begin(), v.end(), [by_size](const SurvivorGroup& a, const SurvivorGroup& b) {
      auto ka = by_size ? a.self_size : a.count, kb = by_size ? b.self_size : b.count;
      return ka != kb ? ka > kb : a.key < b.key;
    });
    return v;
  };
  out.by_class = flatten(by_class, true);
  out.by_path = flatten(by_path, false);
  return out;
}

}  // namespace leakcheck::analysis
