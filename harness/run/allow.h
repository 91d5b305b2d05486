#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/config/scenario.h"
#include "harness/run/result.h"

/// The `allow:` list: which failed checks are known, accepted growth (docs/verdicts.md, "allow").
namespace leakcheck::run {

/// Class names on one retainer path as rendered by analysis::RetainerPaths::Format:
/// `(GC roots) → Map "cache" → Object[3]` gives {"(GC roots)", "Map", "Object"}. An elided
/// middle ("…") is skipped.
std::vector<std::string> PathClasses(std::string_view path);

/// True when `pattern` names `name`: an exact match, or a glob where `*` matches any run of
/// characters and `?` one character (`LRU*`, `*Cache`).
bool ClassMatches(std::string_view pattern, std::string_view name);

/// The first entry of `allow` that accepts `check`, or nullopt. Only the check's culprit is
/// looked at: the first evidence item of each kind except notes (the top growing class,
/// collection, listener, handle, closure site, and the top retainer path). `class:` matches the
/// class of the growing thing (the evidence's title, up to the first space) or of any object on
/// its retainer path (the holders), exactly or as a glob; `path:` is a substring of a retainer
/// path (a retainer-path evidence's title, or the `held at …` part of its detail). An entry
/// applies to every detector whose culprit it matches.
std::optional<config::Allow> MatchAllow(const std::vector<config::Allow>& allow,
                                        const CheckResult& check);

}  // namespace leakcheck::run
