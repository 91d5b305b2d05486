#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "harness/snapshot/heap_graph.h"

/// Which part of V8's own growth (object shapes, system objects) belongs to the app because
/// the app's growing objects keep it alive: docs/verdicts.md ("the V8-metadata discount").
namespace leakcheck::analysis {

/// Bytes of V8-internal classes that the app's new objects hold.
struct HeldInternals {
  int64_t bytes = 0;  ///< self size of the held internal nodes (all new in `after`)
  int64_t nodes = 0;
};

/// Nodes new in `after` (ids absent from `before`) whose class `is_internal_class` names V8's,
/// held by the app: reached from a new app object (`is_app_object`, asked only about new nodes)
/// through new internal nodes (a leaked object's map, its descriptors), or pointing at a new app
/// object themselves (a PromiseReaction holding a leaked handler) and what they reach. Compiled
/// code (node type `code`) is never counted as held: it is what lazy compilation leaves behind.
HeldInternals InternalsHeldByApp(const snapshot::HeapGraph& before,
                                 const snapshot::HeapGraph& after,
                                 const std::function<bool(snapshot::NodeIndex)>& is_app_object,
                                 bool (*is_internal_class)(std::string_view));

}  // namespace leakcheck::analysis
