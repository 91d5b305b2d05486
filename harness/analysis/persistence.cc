#include "harness/analysis/persistence.h"

#include <algorithm>

namespace leakcheck::analysis {

using snapshot::EdgeType;
using snapshot::NodeType;

namespace {

bool IsMetadataEdge(std::string_view name) {
  return name == "boilerplate" || name == "feedback_cell" || name == "allocation_site" ||
         name == "transition_info" || name == "feedback_vector";
}

bool IsString(NodeType t) {
  return t == NodeType::kString || t == NodeType::kConsString || t == NodeType::kSlicedString;
}

}  // namespace

LazyWork ClassifyLazyWork(const HeapGraph& g, const RetainerPaths& paths, NodeIndex n,
                          const std::vector<uint64_t>& fresh_ids) {
  const std::vector<PathStep> path = paths.PathTo(n);
  if (path.empty()) return LazyWork::kNone;
  for (size_t i = 0; i < path.size(); ++i) {
    const PathStep& step = path[i];
    if (g.Type(step.node) == NodeType::kSynthetic && g.Name(step.node) == "(Internalized strings)")
      return LazyWork::kInternalizedLiteral;
    // Optimised code may embed any heap constant, so only a string (a literal in a constant
    // pool) counts as code metadata through a code node; objects need a metadata edge.
    if (i + 1 < path.size() && g.Type(step.node) == NodeType::kCode && IsString(g.Type(n)))
      return LazyWork::kCodeMetadata;
    const EdgeType kind = g.EdgeKind(step.edge);
    if (!snapshot::EdgeHasIndexName(kind) && IsMetadataEdge(g.String(g.EdgeNameOrIndex(step.edge))))
      return LazyWork::kCodeMetadata;
  }
  if (path.size() >= 2 && IsString(g.Type(n))) {
    const PathStep& last = path.back();
    const NodeIndex parent = path[path.size() - 2].node;
    if (g.Type(parent) == NodeType::kConsString &&
        !snapshot::EdgeHasIndexName(g.EdgeKind(last.edge)) &&
        g.String(g.EdgeNameOrIndex(last.edge)) == "first" &&
        !std::binary_search(fresh_ids.begin(), fresh_ids.end(), g.Id(parent)))
      return LazyWork::kFlattenedString;
  }
  return LazyWork::kNone;
}

std::unordered_map<std::string, int64_t> ClassCounts(const HeapGraph& g, NodeFilter keep) {
  std::unordered_map<std::string_view, int64_t> counts;
  for (NodeIndex n = 0; n < g.NodeCount(); ++n) {
    if (g.Type(n) == NodeType::kSynthetic || (keep && !keep(g, n))) continue;
    ++counts[g.ClassName(n)];
  }
  return {counts.begin(), counts.end()};
}

PersistentSurvivors FindPersistentSurvivors(const HeapGraph& s1, const HeapGraph& s2,
                                            const HeapGraph& s3, const RetainerPaths& paths3,
                                            NodeFilter keep, double window_ratio) {
  PersistentSurvivors out;
  std::vector<NodeIndex> alive = SurvivingNodes(s1, s2, s3);
  std::vector<uint64_t> fresh_ids;
  fresh_ids.reserve(alive.size());
  for (NodeIndex n : alive) fresh_ids.push_back(s3.Id(n));
  std::sort(fresh_ids.begin(), fresh_ids.end());

  std::unordered_map<std::string, ClassTrend> trends;
  std::unordered_map<std::string, std::vector<NodeIndex>> members;
  for (NodeIndex n : alive) {
    if (s3.Type(n) == NodeType::kSynthetic || (keep && !keep(s3, n))) continue;
    ++out.all;
    out.all_bytes += s3.SelfSize(n);
    switch (ClassifyLazyWork(s3, paths3, n, fresh_ids)) {
      case LazyWork::kInternalizedLiteral:
        ++out.lazy_literals;
        continue;
      case LazyWork::kCodeMetadata:
        ++out.lazy_code;
        continue;
      case LazyWork::kFlattenedString:
        ++out.lazy_flattened;
        continue;
      case LazyWork::kNone:
        break;
    }
    std::string name(s3.ClassName(n));
    auto& t = trends[name];
    t.name = name;
    ++t.survivors;
    t.survivor_bytes += s3.SelfSize(n);
    members[name].push_back(n);
  }

  // V8 internals that surviving app objects hold (their maps, the maps' transition parents,
  // descriptor arrays) are the app's too: a leak made of hidden classes (leaks/shapes).
  {
    std::vector<uint8_t> state(s3.NodeCount(), 0);  // 1: internal survivor, 2: app or held
    std::vector<NodeIndex> queue;
    for (NodeIndex n : alive) {
      const NodeType t = s3.Type(n);
      if (t == NodeType::kObjectShape || t == NodeType::kHidden) state[n] = 1;
    }
    for (auto& [name, list] : members)
      for (NodeIndex n : list) {
        state[n] = 2;
        queue.push_back(n);
      }
    for (size_t head = 0; head < queue.size(); ++head) {
      const NodeIndex n = queue[head];
      for (EdgeIndex e = s3.FirstEdge(n); e < s3.EndEdge(n); ++e) {
        const NodeIndex to = s3.EdgeTarget(e);
        if (s3.EdgeKind(e) == EdgeType::kWeak || state[to] != 1) continue;
        state[to] = 2;
        queue.push_back(to);
        std::string name(s3.ClassName(to));
        auto& t = trends[name];
        t.name = name;
        ++t.survivors;
        t.survivor_bytes += s3.SelfSize(to);
        ++out.held_internals;
        ++out.all;
        out.all_bytes += s3.SelfSize(to);
      }
    }
  }

  const bool three = &s2 != &s3;
  auto c1 = ClassCounts(s1, nullptr), c2 = ClassCounts(s2, nullptr);
  std::unordered_map<std::string, int64_t> c3;
  if (three) c3 = ClassCounts(s3, nullptr);
  auto count = [](const std::unordered_map<std::string, int64_t>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? int64_t{0} : it->second;
  };
  std::unordered_map<std::string, SurvivorGroup> by_path;
  for (auto& [name, t] : trends) {
    t.growth1 = count(c2, name) - count(c1, name);
    double bound =
        static_cast<double>(std::min<int64_t>(static_cast<int64_t>(t.survivors), t.growth1));
    if (three) {
      t.growth2 = count(c3, name) - count(c2, name);
      bound = std::min(bound, static_cast<double>(t.growth2) * window_ratio);
      t.step = t.growth1 > 0 && static_cast<double>(t.growth2) * window_ratio < 0.2 * t.growth1;
    }
    t.counted = std::max(0.0, bound);
    out.counted += t.counted;
    if (t.counted <= 0) continue;
    for (NodeIndex n : members[name]) {
      std::string key = paths3.Signature(n);
      auto [it, inserted] = by_path.try_emplace(key);
      if (inserted) {
        it->second.key = key;
        it->second.example_id = s3.Id(n);
        it->second.example_path = paths3.Format(n, 12);
      }
      ++it->second.count;
      it->second.self_size += s3.SelfSize(n);
    }
  }
  for (auto& [name, t] : trends) out.classes.push_back(std::move(t));
  std::sort(out.classes.begin(), out.classes.end(), [](const ClassTrend& a, const ClassTrend& b) {
    if (a.counted != b.counted) return a.counted > b.counted;
    if (a.survivors != b.survivors) return a.survivors > b.survivors;
    return a.name < b.name;
  });
  for (auto& [key, grp] : by_path) out.paths.push_back(std::move(grp));
  std::sort(out.paths.begin(), out.paths.end(), [](const SurvivorGroup& a, const SurvivorGroup& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  return out;
}

}  // namespace leakcheck::analysis
