#include "harness/analysis/heap_inspect.h"

#include <algorithm>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>

namespace leakcheck::analysis {

using snapshot::EdgeIndex;
using snapshot::EdgeType;
using snapshot::NodeType;

NodeIndex FindEdgeTarget(const HeapGraph& g, NodeIndex n, std::string_view name) {
  for (EdgeIndex e = g.FirstEdge(n); e < g.EndEdge(n); ++e)
    if (!snapshot::EdgeHasIndexName(g.EdgeKind(e)) && g.String(g.EdgeNameOrIndex(e)) == name)
      return g.EdgeTarget(e);
  return snapshot::kNoNode;
}

std::string_view CollectionKindName(CollectionKind k) {
  switch (k) {
    case CollectionKind::kMap:
      return "Map";
    case CollectionKind::kSet:
      return "Set";
    case CollectionKind::kArray:
      return "Array";
    case CollectionKind::kObject:
      return "Object";
    case CollectionKind::kWeakMap:
      return "WeakMap";
    case CollectionKind::kWeakSet:
      return "WeakSet";
  }
  return "Object";
}

namespace {

// null, undefined and the hole: a slot holding one retains nothing (undici nulls processed
// requests in its queue; a Map's table marks deleted entries with the hole). V8 names them
// "system / Oddball" up to Node 22 (booleans too: theirs hold their `typeof`, the string
// "boolean"), the hole "system / Hole" from Node 22, null and undefined by name from Node 24.
bool IsEmptySlot(const HeapGraph& g, NodeIndex n) {
  if (g.Type(n) != NodeType::kHidden) return false;
  const std::string_view name = g.Name(n);
  if (name == "system / Oddball") {
    for (EdgeIndex e = g.FirstEdge(n); e < g.EndEdge(n); ++e)
      if (g.Type(g.EdgeTarget(e)) == NodeType::kString && g.Name(g.EdgeTarget(e)) == "boolean")
        return false;
    return true;
  }
  return name == "system / Hole" || name == "null" || name == "undefined";
}

// Edges of a hash table that hold entries: everything but its own map (hidden class).
uint32_t TableSlots(const HeapGraph& g, NodeIndex table) {
  uint32_t slots = 0;
  for (EdgeIndex e = g.FirstEdge(table); e < g.EndEdge(table); ++e) {
    EdgeType t = g.EdgeKind(e);
    if (t == EdgeType::kWeak || t == EdgeType::kShortcut) continue;
    if (!snapshot::EdgeHasIndexName(t) && t != EdgeType::kInternal) continue;
    if (t == EdgeType::kInternal && g.String(g.EdgeNameOrIndex(e)) == "map") continue;
    if (IsEmptySlot(g, g.EdgeTarget(e))) continue;
    ++slots;
  }
  return slots;
}

// A WeakMap/WeakSet table names each entry by one internal edge to its value, "part of key
// (Object @1) -> value (Object @2) pair in WeakMap (table @3)" (V8's
// ExtractEphemeronHashTableReferences); its key and value slots are weak edges.
bool IsEphemeronEdge(const HeapGraph& g, EdgeIndex e) {
  return g.EdgeKind(e) == EdgeType::kInternal &&
         g.String(g.EdgeNameOrIndex(e)).starts_with("part of key");
}

uint32_t EphemeronEntries(const HeapGraph& g, NodeIndex table) {
  uint32_t entries = 0, weak = 0;
  for (EdgeIndex e = g.FirstEdge(table); e < g.EndEdge(table); ++e) {
    entries += IsEphemeronEdge(g, e);
    weak += g.EdgeKind(e) == EdgeType::kWeak;
  }
  // Entries whose value is not an object (a number, a Smi) have no pair edge: a key and a value
  // slot each, so half the weak edges is a floor.
  return std::max(entries, weak / 2);
}

bool IsKind(const HeapGraph& g, NodeIndex n, CollectionKind* kind) {
  if (g.Type(n) != NodeType::kObject) return false;
  std::string_view name = g.Name(n);
  if (name == "Map")
    *kind = CollectionKind::kMap;
  else if (name == "Set")
    *kind = CollectionKind::kSet;
  else if (name == "Array")
    *kind = CollectionKind::kArray;
  else if (name == "Object")
    *kind = CollectionKind::kObject;
  else if (name == "WeakMap")
    *kind = CollectionKind::kWeakMap;
  else if (name == "WeakSet")
    *kind = CollectionKind::kWeakSet;
  else
    return false;
  return true;
}

}  // namespace

uint32_t CollectionEntries(const HeapGraph& g, NodeIndex n, CollectionKind kind) {
  switch (kind) {
    case CollectionKind::kMap: {
      NodeIndex table = FindEdgeTarget(g, n, "table");
      return table == snapshot::kNoNode ? 0 : (TableSlots(g, table) + 1) / 2;  // key and value
    }
    case CollectionKind::kWeakMap:
    case CollectionKind::kWeakSet: {
      NodeIndex table = FindEdgeTarget(g, n, "table");
      return table == snapshot::kNoNode ? 0 : EphemeronEntries(g, table);
    }
    case CollectionKind::kSet: {
      NodeIndex table = FindEdgeTarget(g, n, "table");
      return table == snapshot::kNoNode ? 0 : TableSlots(g, table);
    }
    case CollectionKind::kArray: {
      uint32_t elements = 0;
      for (EdgeIndex e = g.FirstEdge(n); e < g.EndEdge(n); ++e)
        elements += g.EdgeKind(e) == EdgeType::kElement && !IsEmptySlot(g, g.EdgeTarget(e));
      return elements;
    }
    case CollectionKind::kObject: {
      uint32_t props = 0;
      for (EdgeIndex e = g.FirstEdge(n); e < g.EndEdge(n); ++e)
        props +=
            g.EdgeKind(e) == EdgeType::kProperty && g.String(g.EdgeNameOrIndex(e)) != "__proto__";
      return props;
    }
  }
  return 0;
}

std::vector<uint64_t> CollectionEntryIds(const HeapGraph& g, NodeIndex n, CollectionKind kind) {
  std::vector<uint64_t> ids;
  // Slots holding null/undefined/the hole (oddballs, hidden nodes) are not entries anyone keeps.
  auto add_targets = [&](NodeIndex from, auto&& wanted) {
    for (EdgeIndex e = g.FirstEdge(from); e < g.EndEdge(from); ++e) {
      if (!wanted(e)) continue;
      const NodeType t = g.Type(g.EdgeTarget(e));
      if (t != NodeType::kHidden && t != NodeType::kSynthetic) ids.push_back(g.Id(g.EdgeTarget(e)));
    }
  };
  switch (kind) {
    case CollectionKind::kArray:
      add_targets(n, [&](EdgeIndex e) { return g.EdgeKind(e) == EdgeType::kElement; });
      break;
    case CollectionKind::kObject:
      add_targets(n, [&](EdgeIndex e) {
        return g.EdgeKind(e) == EdgeType::kProperty &&
               g.String(g.EdgeNameOrIndex(e)) != "__proto__";
      });
      break;
    case CollectionKind::kMap:
    case CollectionKind::kSet: {
      NodeIndex table = FindEdgeTarget(g, n, "table");
      if (table == snapshot::kNoNode) break;
      add_targets(table, [&](EdgeIndex e) {
        EdgeType t = g.EdgeKind(e);
        if (t == EdgeType::kWeak || t == EdgeType::kShortcut) return false;
        if (t == EdgeType::kInternal) return g.String(g.EdgeNameOrIndex(e)) != "map";
        return snapshot::EdgeHasIndexName(t);
      });
      break;
    }
    case CollectionKind::kWeakMap:
    case CollectionKind::kWeakSet: {
      NodeIndex table = FindEdgeTarget(g, n, "table");
      if (table == snapshot::kNoNode) break;
      add_targets(table, [&](EdgeIndex e) { return IsEphemeronEdge(g, e); });
      break;
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::vector<CollectionInfo> FindCollections(const HeapGraph& g, uint32_t min_entries) {
  std::vector<CollectionInfo> out;
  for (NodeIndex n = 0; n < g.NodeCount(); ++n) {
    CollectionKind kind;
    if (!IsKind(g, n, &kind)) continue;
    uint32_t entries = CollectionEntries(g, n, kind);
    if (entries >= min_entries) out.push_back({n, g.Id(n), kind, entries});
  }
  return out;
}

std::vector<ListenerCount> FindListeners(const HeapGraph& g) {
  std::vector<ListenerCount> out;
  for (NodeIndex n = 0; n < g.NodeCount(); ++n) {
    if (g.Type(n) != NodeType::kObject) continue;
    NodeIndex events = FindEdgeTarget(g, n, "_events");
    if (events == snapshot::kNoNode || g.Type(events) != NodeType::kObject) continue;
    for (EdgeIndex e = g.FirstEdge(events); e < g.EndEdge(events); ++e) {
      if (g.EdgeKind(e) != EdgeType::kProperty) continue;
      std::string_view event = g.String(g.EdgeNameOrIndex(e));
      if (event == "__proto__") continue;
      NodeIndex value = g.EdgeTarget(e);
      ListenerCount lc{g.Id(n), n, std::string(g.ClassName(n)), std::string(event), 0, value};
      if (g.Type(value) == NodeType::kClosure) {
        lc.count = 1;
      } else if (g.Type(value) == NodeType::kObject && g.Name(value) == "Array") {
        for (EdgeIndex f = g.FirstEdge(value); f < g.EndEdge(value); ++f) {
          if (g.EdgeKind(f) != EdgeType::kElement) continue;
          if (lc.count++ == 0) lc.sample_listener = g.EdgeTarget(f);
        }
      }
      if (lc.count > 0) out.push_back(std::move(lc));
    }
  }
  return out;
}

std::string FunctionScript(const HeapGraph& g, NodeIndex closure) {
  NodeIndex shared = FindEdgeTarget(g, closure, "shared");
  if (shared == snapshot::kNoNode) return "";
  // The SharedFunctionInfo's edge to its Script is "script_or_debug_info" up to V8 11 (Node
  // 20) and "script" from V8 12 (Node 22+). Decided by the edges present, never a version.
  NodeIndex s = FindEdgeTarget(g, shared, "script_or_debug_info");
  if (s == snapshot::kNoNode) s = FindEdgeTarget(g, shared, "script");
  if (s == snapshot::kNoNode) return "";
  // A DebugInfo wraps the script when a debugger touched the function (Node 20).
  NodeIndex inner = FindEdgeTarget(g, s, "script");
  std::string script(g.Name(inner != snapshot::kNoNode ? inner : s));
  if (script.starts_with("system /")) return "";
  if (script.starts_with("file://")) script = script.substr(7);
  return script;
}

std::string ClosureLocation(const HeapGraph& g, NodeIndex closure) {
  const auto* loc = g.LocationOf(closure);
  if (!loc) return "";
  std::string script = FunctionScript(g, closure);
  // A script without a file name (new Function, eval, some of Node's own) says so plainly.
  if (script.empty()) script = fmt::format("(unnamed script {})", loc->script_id);
  return fmt::format("{}:{}:{}", script, loc->line + 1, loc->column + 1);
}

std::vector<uint64_t> GrowingCollectionIds(const HeapGraph& before, const HeapGraph& after,
                                           size_t max) {
  auto watchable = [](CollectionKind k) {
    return k == CollectionKind::kMap || k == CollectionKind::kSet || k == CollectionKind::kArray;
  };
  std::unordered_map<uint64_t, CollectionInfo> old;
  for (const auto& c : FindCollections(before, 0))
    if (watchable(c.kind)) old.emplace(c.id, c);
  std::vector<std::pair<uint32_t, uint64_t>> grew;  // (growth, id)
  for (const auto& c : FindCollections(after, 1)) {
    if (!watchable(c.kind)) continue;
    auto it = old.find(c.id);
    if (it == old.end() || c.entries <= it->second.entries) continue;
    const auto kept_before = CollectionEntryIds(before, it->second.node, c.kind);
    const auto now = CollectionEntryIds(after, c.node, c.kind);
    std::vector<uint64_t> common;
    std::set_intersection(kept_before.begin(), kept_before.end(), now.begin(), now.end(),
                          std::back_inserter(common));
    if (!kept_before.empty() && 2 * common.size() < kept_before.size()) continue;
    grew.emplace_back(c.entries - it->second.entries, c.id);
  }
  std::sort(grew.begin(), grew.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<uint64_t> ids;
  for (size_t i = 0; i < grew.size() && i < max; ++i) ids.push_back(grew[i].second);
  return ids;
}

config::SourceLocation ClosureCodeLocation(const HeapGraph& g, NodeIndex closure) {
  config::SourceLocation out;
  const auto* loc = g.LocationOf(closure);
  if (!loc) return out;
  out.file = FunctionScript(g, closure);
  if (out.file.empty()) return out;
  out.line = static_cast<int>(loc->line) + 1;
  out.column = static_cast<int>(loc->column) + 1;
  return out;
}

UnwrappedFunction UnwrapFunction(const HeapGraph& g, NodeIndex fn) {
  UnwrappedFunction out{fn, ""};
  // A few hops at most (a bound once() listener); the bound prevents a loop on a forged file.
  for (int hop = 0; hop < 8 && fn != snapshot::kNoNode; ++hop) {
    NodeIndex next = snapshot::kNoNode;
    std::string_view via;
    for (EdgeIndex e = g.FirstEdge(fn); e < g.EndEdge(fn); ++e) {
      const EdgeType t = g.EdgeKind(e);
      if (snapshot::EdgeHasIndexName(t)) continue;
      const std::string_view name = g.String(g.EdgeNameOrIndex(e));
      // Node's once() wrapper carries the user's function as its `listener` property (a bound
      // onceWrapper on Node 20, a closure named "wrapper" on Node 22+); removeListener relies on
      // it.
      if (t == EdgeType::kProperty && name == "listener" &&
          g.Type(g.EdgeTarget(e)) == NodeType::kClosure) {
        next = g.EdgeTarget(e), via = "once()";
        break;
      }
      // A JSBoundFunction ("native_bind") holds its target function by this internal edge.
      if (t == EdgeType::kInternal && name == "bound_function" &&
          g.Type(g.EdgeTarget(e)) == NodeType::kClosure)
        next = g.EdgeTarget(e), via = "bind()";
    }
    if (next == snapshot::kNoNode || next == fn) break;
    fn = next;
    out = {fn, out.via.empty() ? via : out.via};
  }
  return out;
}

}  // namespace leakcheck::analysis
