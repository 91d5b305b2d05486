#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/config/location.h"
#include "harness/snapshot/heap_graph.h"

/// Reading JavaScript-level structure out of a heap graph: how many entries a collection holds,
/// which listeners an EventEmitter has, where a closure was defined. These follow the shapes V8
/// writes (Map → internal "table" → entries; EventEmitter → "_events" → per-event listener or
/// Array of listeners; closure → "shared" → "script_or_debug_info" (Node 20) or "script" (Node 22+)
/// names the script).
namespace leakcheck::analysis {

using snapshot::HeapGraph;
using snapshot::NodeIndex;

enum class CollectionKind { kMap, kSet, kArray, kObject, kWeakMap, kWeakSet };

/// A container whose size can be measured: id, kind and its entry count.
struct CollectionInfo {
  NodeIndex node;
  uint64_t id;
  CollectionKind kind;
  uint32_t entries;
};

/// Every Map, Set, Array and plain-object dictionary with at least `min_entries` entries.
/// Array elements and table slots holding null, undefined or the hole are not entries.
/// Map/Set entries are counted from their hash table, arrays from their element edges, objects
/// from their property edges (minus __proto__).
std::vector<CollectionInfo> FindCollections(const HeapGraph& g, uint32_t min_entries);

/// Entries of one node viewed as a collection (0 if it is not one).
uint32_t CollectionEntries(const HeapGraph& g, NodeIndex n, CollectionKind kind);

std::string_view CollectionKindName(CollectionKind k);

/// Ids of the objects a collection holds as entries (distinct, sorted): element targets of an
/// Array, key and value targets of a Map/Set table, property targets of an Object, values of a
/// WeakMap/WeakSet's ephemeron edges. Numbers stored unboxed have no node and no id, and slots
/// holding null/undefined/the hole (hidden oddball nodes) are left out. Used to
/// tell a store (old entries stay) from a buffer that turns over (docs/verdicts.md).
std::vector<uint64_t> CollectionEntryIds(const HeapGraph& g, NodeIndex n, CollectionKind kind);

/// Ids of the Maps, Sets and Arrays that hold more entries in `after` than in `before` (the
/// same object id in both) while keeping most of their old ones (a store, not a buffer that
/// turns over: docs/verdicts.md), most growth first, at most `max`. The candidates whose adding
/// calls are watched during the rest of the run (cdp/collection_adders.h).
std::vector<uint64_t> GrowingCollectionIds(const HeapGraph& before, const HeapGraph& after,
                                           size_t max);

/// True for WeakMap and WeakSet: their entries live only while their keys are held elsewhere.
inline bool IsWeakCollection(CollectionKind k) {
  return k == CollectionKind::kWeakMap || k == CollectionKind::kWeakSet;
}

/// Listener count of one (emitter, event) pair.
struct ListenerCount {
  uint64_t emitter_id;
  NodeIndex emitter;
  std::string emitter_class;
  std::string event;
  uint32_t count;
  NodeIndex sample_listener;  ///< one listener closure (for its source location)
};

/// Listeners of every object that has an `_events` property (Node's EventEmitter layout).
std::vector<ListenerCount> FindListeners(const HeapGraph& g);

/// The script a function was written in ("/app/server.js", "node:events"), from its
/// SharedFunctionInfo's `script` (Node 22+) or `script_or_debug_info` (Node 20) edge, without a
/// `file://` prefix. Empty when the snapshot does not say.
std::string FunctionScript(const HeapGraph& g, NodeIndex closure);

/// The function the user wrote behind Node's wrappers, and how it was wrapped.
struct UnwrappedFunction {
  NodeIndex fn;          ///< the user's function; the argument itself when it wraps nothing
  std::string_view via;  ///< "once()", "bind()", or empty when nothing was unwrapped
};

/// Follows a once() wrapper (its `listener` property: Node's bound onceWrapper on Node 20, its
/// `wrapper` closure on Node 22+) and a bound function (`native_bind`, its `bound_function`
/// edge) to the function they call, hop by hop (a once() of a bound function unwraps twice).
/// `via` names the outermost wrapper.
UnwrappedFunction UnwrapFunction(const HeapGraph& g, NodeIndex fn);

/// "server.js:42:7" for a closure: script from its SharedFunctionInfo, line/column from the
/// snapshot's locations (1-based here); "(unnamed script 165):1:1" for a script without a file
/// name (new Function, eval). Empty when unknown.
std::string ClosureLocation(const HeapGraph& g, NodeIndex closure);

/// The same position as a structured code location: the script's path (no `file://`), 1-based
/// line and column of the function's start. An empty `file` when the snapshot names no script
/// file for it (no location, an unnamed script from new Function/eval, V8's own).
config::SourceLocation ClosureCodeLocation(const HeapGraph& g, NodeIndex closure);

/// The first outgoing edge of `n` with this name (any type); kNoNode when absent.
NodeIndex FindEdgeTarget(const HeapGraph& g, NodeIndex n, std::string_view name);

}  // namespace leakcheck::analysis
