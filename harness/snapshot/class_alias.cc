// Minified class names (docs/verdicts.md "allow: what an entry matches"): a bundler renames
// `class LRUCache` to `u`, so its instances are objects named "u" in the snapshot. The name the
// package exports it under survives as a property edge from the exports object to the
// constructor (`exports.LRUCache = u`): such instances are renamed "LRUCache (u)", the
// friendly name first and the snapshot's own in parentheses, in every report and path.
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "harness/snapshot/reader_internal.h"

namespace leakcheck::snapshot {
namespace {

// A name a minifier makes: one or two characters.
bool IsMinified(std::string_view name) { return !name.empty() && name.size() <= 2; }

// A property name that can be the class's real name: an identifier longer than the minified
// one, and not a name every function or module has.
bool IsFriendlyName(std::string_view name) {
  if (name.size() < 3) return false;
  static const std::set<std::string_view> kGeneric = {"constructor", "default", "prototype",
                                                      "__proto__",   "exports", "module"};
  if (kGeneric.count(name)) return false;
  const auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$';
  };
  if (name[0] >= '0' && name[0] <= '9') return false;
  for (char c : name)
    if (!word(c)) return false;
  return true;
}

}  // namespace

void SnapshotBuilder::NameMinifiedClasses() {
  // Per closure with a minified name: the friendly names object properties give it.
  std::unordered_map<NodeIndex, std::map<std::string_view, int>> names_of;
  for (NodeIndex from = 0; from < g_.NodeCount(); ++from) {
    if (g_.node_type_[from] != NodeType::kObject) continue;
    for (EdgeIndex e = g_.first_edge_[from]; e < g_.first_edge_[from + 1]; ++e) {
      if (g_.edge_type_[e] != EdgeType::kProperty) continue;
      const NodeIndex to = g_.edge_to_[e];
      if (g_.node_type_[to] != NodeType::kClosure || !IsMinified(g_.Name(to))) continue;
      const std::string_view property = g_.String(g_.edge_name_[e]);
      if (property != g_.Name(to) && IsFriendlyName(property)) ++names_of[to][property];
    }
  }
  if (names_of.empty()) return;
  // Per minified name: the one friendly name (the most given, ties by name) of its closures;
  // a name two closures would call differently stays as it is.
  std::unordered_map<StringIndex, std::set<std::string>> aliases;  // copies: the table grows
  for (const auto& [closure, names] : names_of) {
    auto best = names.begin();
    for (auto it = names.begin(); it != names.end(); ++it)
      if (it->second > best->second) best = it;
    aliases[g_.node_name_[closure]].insert(std::string(best->first));
  }
  std::unordered_map<StringIndex, StringIndex> renamed;
  for (const auto& [name, friendly] : aliases) {
    if (friendly.size() != 1) continue;
    std::string label = fmt::format("{} ({})", *friendly.begin(), g_.String(name));
    g_.string_data_.insert(g_.string_data_.end(), label.begin(), label.end());
    g_.string_offsets_.push_back(static_cast<uint32_t>(g_.string_data_.size()));
    renamed[name] = static_cast<StringIndex>(g_.string_offsets_.size() - 2);
  }
  for (NodeIndex n = 0; n < g_.NodeCount(); ++n) {
    if (g_.node_type_[n] != NodeType::kObject) continue;
    if (auto it = renamed.find(g_.node_name_[n]); it != renamed.end())
      g_.node_name_[n] = it->second;
  }
}

}  // namespace leakcheck::snapshot
