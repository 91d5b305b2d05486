#include "harness/analysis/paths.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "harness/analysis/heap_inspect.h"
#include "harness/common/format.h"

namespace leakcheck::analysis {

using snapshot::EdgeType;
using snapshot::NodeType;

namespace {

// "part of key (Object @123) -> value (...) pair in WeakMap (table @7)": the id after the first
// '@' is the key's. V8 names ephemeron edges this way.
uint64_t WeakMapKeyId(std::string_view name) {
  auto at = name.find('@');
  if (at == std::string_view::npos) return 0;
  uint64_t id = 0;
  std::from_chars(name.data() + at + 1, name.data() + name.size(), id);
  return id;
}

}  // namespace

RetainerPaths::RetainerPaths(const HeapGraph& g)
    : g_(g), parent_edge_(g.NodeCount(), kNotReached), weakmap_name_(g.StringCount()) {
  snapshot::BigVector<NodeIndex> queue;
  queue.reserve(g.NodeCount());
  queue.push_back(HeapGraph::kRoot);
  parent_edge_[HeapGraph::kRoot] = kRootEdge;
  reached_size_ = g.SelfSize(HeapGraph::kRoot);
  for (size_t head = 0; head < queue.size(); ++head) {
    const NodeIndex from = queue[head];
    for (EdgeIndex e = g.FirstEdge(from); e < g.EndEdge(from); ++e) {
      const NodeIndex to = g.EdgeTarget(e);
      if (parent_edge_[to] != kNotReached || !Allowed(from, e)) continue;
      parent_edge_[to] = e;
      reached_size_ += g.SelfSize(to);
      queue.push_back(to);
    }
  }
}

uint8_t RetainerPaths::NameFlags(snapshot::StringIndex s) const {
  uint8_t& flags = weakmap_name_[s];
  if (!(flags & kKnown)) {
    const std::string_view text = g_.String(s);
    flags = kKnown | (text.find("WeakMap") != std::string_view::npos ? kWeakMapName : 0) |
            (text == "code" ? kCodeName : 0) |
            (text == "system / NativeContext" ? kNativeContextName : 0);
  }
  return flags;
}

bool RetainerPaths::Allowed(NodeIndex from, EdgeIndex e) const {
  const NodeIndex to = g_.EdgeTarget(e);
  const EdgeType type = g_.EdgeKind(e);
  if (from == to || type == EdgeType::kWeak) return false;
  if (type == EdgeType::kShortcut) return from == HeapGraph::kRoot;
  if (snapshot::EdgeHasIndexName(type)) {
    return !(type == EdgeType::kHidden && (NameFlags(g_.NameIndex(to)) & kNativeContextName));
  }
  const auto name_index = g_.EdgeNameOrIndex(e);
  if (type == EdgeType::kInternal && (NameFlags(name_index) & kCodeName)) return false;
  if ((NameFlags(name_index) & kWeakMapName) && WeakMapKeyId(g_.String(name_index)) == g_.Id(to))
    return false;
  return true;
}

uint32_t RetainerPaths::Distance(NodeIndex n) const {
  if (parent_edge_[n] == kNotReached) return kUnreachable;
  return static_cast<uint32_t>(PathTo(n).size());
}

std::vector<PathStep> RetainerPaths::PathTo(NodeIndex n) const {
  std::vector<PathStep> path;
  if (parent_edge_[n] == kNotReached) return path;
  for (NodeIndex at = n; at != HeapGraph::kRoot; at = g_.EdgeOwner(parent_edge_[at]))
    path.push_back({parent_edge_[at], at});
  std::reverse(path.begin(), path.end());
  return path;
}

std::string RetainerPaths::StepText(const PathStep& step, bool collapse_indices) const {
  const EdgeType type = g_.EdgeKind(step.edge);
  // Synthetic nodes ("(Global handles)") and V8-internal classes are named by what they are.
  const bool synthetic = g_.Type(step.node) == NodeType::kSynthetic;
  std::string cls(synthetic ? g_.Name(step.node) : g_.ClassName(step.node));
  if (synthetic) return cls;
  std::string name = g_.EdgeName(step.edge);
  switch (type) {
    case EdgeType::kElement:
      return fmt::format("{}[{}]", cls, collapse_indices ? "*" : name);
    case EdgeType::kHidden:
      return collapse_indices ? cls : fmt::format("{} (hidden {})", cls, name);
    case EdgeType::kInternal:
      // Hash-table slots are numbered: one group for all of them.
      if (collapse_indices && !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit))
        name = "*";
      // V8's internal slots ("table", "elements") say more than "(system)" or "(array)".
      if (cls == "(system)" || cls == "(array)" || cls == "(object shape)")
        return fmt::format("({})", name);
      return fmt::format("{} ({})", cls, name);
    default:
      return fmt::format("{} \"{}\"", cls, Ellipsize(name, 60));
  }
}

bool RetainerPaths::SameHop(const PathStep& a, const PathStep& b) const {
  const EdgeType kind = g_.EdgeKind(a.edge);
  if (kind != g_.EdgeKind(b.edge) || g_.ClassIndex(a.node) != g_.ClassIndex(b.node)) return false;
  // Element indices differ along a list of arrays; every other edge repeats by its name (a
  // hidden edge by its index: "(hidden 0)" again and again is the run).
  return kind == EdgeType::kElement || g_.EdgeNameOrIndex(a.edge) == g_.EdgeNameOrIndex(b.edge);
}

bool RetainerPaths::NamedHolder(const std::vector<PathStep>& path, size_t i) const {
  // A variable: the edge from a function's Context to the value of one of its locals.
  if (g_.EdgeKind(path[i].edge) != EdgeType::kContext) return false;
  const std::string_view name = g_.String(g_.EdgeNameOrIndex(path[i].edge));
  if (name.empty() || name == "this" || name.starts_with('.') || name.starts_with('*'))
    return false;
  // The app's, not Node's: the function whose Context this is was not written in node:*.
  if (i >= 2 && g_.Type(path[i - 2].node) == NodeType::kClosure &&
      FunctionScript(g_, path[i - 2].node).starts_with("node:"))
    return false;
  return true;
}

std::string RetainerPaths::Render(NodeIndex n, size_t max_steps, bool collapse) const {
  if (n == HeapGraph::kRoot) return std::string(g_.ClassName(n));
  auto path = PathTo(n);
  if (path.empty()) return "(unreachable: held only by weak references or itself)";
  auto hop = [&](size_t i, bool collapse_indices) {
    // The first hop leaves the root: a root category ("(GC roots)") or a global; the edge
    // from the synthetic root has no meaning of its own.
    if (i == 0) {
      const NodeIndex node = path[0].node;
      return std::string(g_.Type(node) == NodeType::kSynthetic ? g_.Name(node)
                                                               : g_.ClassName(node));
    }
    return StepText(path[i], collapse_indices);
  };
  // Units: a hop, or a run of one to three hops repeated (a linked list's "next", a chain of
  // promise reactions), printed once with its count: `Object "next" ×1,200`, `(A, B) ×40` (a
  // block's hops joined by commas, so " → " still separates units for the HTML chain).
  struct Unit {
    size_t first, period, repeats;
  };
  constexpr size_t kMaxPeriod = 3;
  auto same_block = [&](size_t a, size_t b, size_t period) {
    for (size_t k = 0; k < period; ++k)
      if (!SameHop(path[a + k], path[b + k])) return false;
    return true;
  };
  std::vector<Unit> units{{0, 1, 1}};
  std::optional<size_t> holder;  // the unit of the first named holder from the app's code
  for (size_t i = 1; i < path.size();) {
    Unit best{i, 1, 1};
    for (size_t p = 1; p <= kMaxPeriod && i + 2 * p <= path.size(); ++p) {
      size_t r = 1;
      while (i + (r + 1) * p <= path.size() && same_block(i, i + r * p, p)) ++r;
      if (r >= 2 && r * p > best.repeats * best.period) best = {i, p, r};
    }
    for (size_t k = i; !holder && k < i + best.period * best.repeats; ++k)
      if (NamedHolder(path, k)) holder = units.size();
    units.push_back(best);
    i += best.period * best.repeats;
  }
  auto text = [&](const Unit& u) {
    if (u.repeats == 1) return hop(u.first, collapse);
    std::string block;
    for (size_t k = 0; k < u.period; ++k)
      block += (k ? ", " : "") + hop(u.first + k, collapse || g_.EdgeKind(path[u.first + k].edge) ==
                                                                  EdgeType::kElement);
    if (u.period > 1) block = "(" + block + ")";
    // A signature groups the members of one chain, whatever their depth in it.
    return fmt::format("{} ×{}", block,
                       collapse ? "N" : FormatCount(static_cast<int64_t>(u.repeats)));
  };
  // Too long: the root hop, the named holder with the hop before it (when there is room), and
  // the last hops; "…" marks each gap.
  std::vector<bool> keep(units.size(), true);
  if (units.size() > max_steps && max_steps >= 2) {
    std::fill(keep.begin(), keep.end(), false);
    keep[0] = true;
    size_t tail = max_steps - 1;
    if (holder && max_steps >= 4 && *holder + tail < units.size()) {
      keep[*holder] = keep[*holder - 1] = true;
      tail = max_steps - 3;
    }
    for (size_t k = units.size() - tail; k < units.size(); ++k) keep[k] = true;
  }
  std::string out;
  for (size_t k = 0; k < units.size(); ++k) {
    if (keep[k])
      out += (k ? " → " : "") + text(units[k]);
    else if (keep[k - 1])
      out += " → …";
  }
  return out;
}

std::string RetainerPaths::Describe(NodeIndex n) const {
  auto path = PathTo(n);
  if (path.size() < 2) return std::string(g_.ClassName(n));
  return StepText(path.back(), false);
}

std::string RetainerPaths::Format(NodeIndex n, size_t max_steps) const {
  return Render(n, max_steps, false);
}

std::string RetainerPaths::Signature(NodeIndex n, size_t max_steps) const {
  return Render(n, max_steps, true);
}

}  // namespace leakcheck::analysis
