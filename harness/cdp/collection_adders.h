#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/cdp/session.h"

/// The line that adds a growing collection's entries (issue 13, docs/attribution.md "The line
/// that adds a collection's entries"). Once a collection is known to grow (by its heap object
/// id, from two snapshots taken during the run), its mutating methods are shadowed on that one
/// instance (Array push/unshift/splice, Map set, Set add: an own, non-enumerable property) by a
/// wrapper that counts the callers' stack frames for a bounded number of calls, then removes
/// itself. What it cannot see: stores that call no method (`obj[key] = v`, `arr[i] = v`).
namespace leakcheck::cdp {

/// The object group of everything the watch keeps in the app (released by CollectAdders).
inline constexpr std::string_view kAdderObjectGroup = "leakcheck-adders";

/// Calls the wrapper records before it removes itself: bounds its cost and what it keeps.
inline constexpr int kMaxAdderSamples = 1000;

/// Callers of one mutating method from one place: `frames` are the top stack frames outside
/// the wrapper as V8 prints them ("record (/app/log.js:10:14)"), the caller first.
struct AdderSite {
  std::string method;  ///< "push", "unshift", "splice", "set", "add"
  std::vector<std::string> frames;
  int64_t calls = 0;
};

/// What the watch recorded on one collection.
struct CollectionAdders {
  uint64_t id = 0;                   ///< the collection's heap object id (= snapshot node id)
  std::vector<std::string> methods;  ///< the methods that were wrapped (empty: none could be)
  int64_t sampled = 0;               ///< calls recorded (at most kMaxAdderSamples)
  std::vector<AdderSite> sites;      ///< most calls first
  std::string problem;               ///< why nothing was recorded, when it failed
};

/// One collection being watched: its id and the handle of the wrapper's state in the app.
struct AdderWatch {
  uint64_t id = 0;
  std::string state;    ///< the RemoteObjectId of the watch's state ("" when not installed)
  std::string problem;  ///< why it could not be installed
};

/// The function declaration Runtime.callFunctionOn runs on the collection (`this`) with
/// `max_samples`: installs the wrappers and returns the watch's state object. The state holds
/// the collection weakly (a WeakRef), so the watch never keeps it alive.
std::string_view WatchFunction();

/// Installs the wrappers on each object of `ids` (HeapProfiler.getObjectByHeapObjectId, then
/// Runtime.callFunctionOn) and returns the watches. Never throws: an object that is gone, a
/// frozen one or a failed call is a watch with its problem.
std::vector<AdderWatch> WatchAdders(Session& session, const std::vector<uint64_t>& ids,
                                    int max_samples = kMaxAdderSamples);

/// Removes every wrapper still installed, reads what each recorded and releases the object
/// group, so nothing of the watch is left in the app for the snapshot that follows. Never
/// throws (an app that died leaves nothing installed: its results say so in `problem`).
std::vector<CollectionAdders> CollectAdders(Session& session,
                                            const std::vector<AdderWatch>& watches);

/// Parses the state's report (`{"sampled":N,"methods":[…],"sites":[["push\nframe\n…",n],…]}`).
/// nullopt when it is not that shape.
std::optional<CollectionAdders> ParseAdderReport(uint64_t id, std::string_view json);

/// A V8 stack frame's position: "record (/app/log.js:10:14)" → /app/log.js, 10, 14 (file://
/// URLs become paths). nullopt for a frame without one ("Array.forEach (<anonymous>)").
struct FramePosition {
  std::string file;
  int line = 0;
  int column = 0;
};
std::optional<FramePosition> ParseFrame(std::string_view frame);

/// The frame of `site` to name: the first in the app's own code (not `node:`, not under
/// node_modules/), else the first with a position. nullopt when no frame has one.
std::optional<FramePosition> AppFrame(const AdderSite& site);

/// What a report says of one watched collection.
struct AddedAt {
  /// "entries added at /app/log.js:10:14 (push, 800 of 800 sampled calls)", or, when no call
  /// added to it while watched, the sentence that says so (its stores are assignments).
  std::string text;
  std::optional<FramePosition> at;  ///< the line named (AppFrame of the most frequent site)
};

/// nullopt when the watch could not be installed or read (its `problem`), or no frame of the
/// most frequent site has a position.
std::optional<AddedAt> DescribeAdders(const CollectionAdders& watched);

}  // namespace leakcheck::cdp
