#pragma once

#include <vector>

#include "harness/analysis/heap_inspect.h"
#include "harness/snapshot/heap_graph.h"

/// EventTarget listeners in a heap snapshot (AbortSignal, EventTarget, MessagePort, …): Node
/// keeps them outside `_events`, in the target's `kEvents` Map (event type → a list root
/// `{size, next}` whose `next` chain of Listener objects holds one listener each). The layout
/// of lib/internal/event_target.js on Node 20 to 26.
namespace leakcheck::analysis {

/// Every EventTarget with at least one listener, one row per (target, event type):
/// emitter_class is "AbortSignal" for a signal (on Node 20 its node is named EventTarget: the
/// signal is an EventTarget whose prototype was set; its `kAborted` symbol tells), else the
/// node's class; sample_listener is the first Listener's `listener` (or `callback`) closure.
std::vector<ListenerCount> FindEventTargetListeners(const snapshot::HeapGraph& g);

}  // namespace leakcheck::analysis
