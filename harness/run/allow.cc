#include "harness/run/allow.h"

#include <set>

namespace leakcheck::run {

namespace {

constexpr std::string_view kArrow = " → ";

// `Map "cache"` → Map, `system / Context "x"` → system / Context, `Object[272]` → Object,
// `(GC roots)` → (GC roots), `Session` → Session.
std::string StepClass(std::string_view step) {
  while (!step.empty() && step.front() == ' ') step.remove_prefix(1);
  while (!step.empty() && step.back() == ' ') step.remove_suffix(1);
  if (step.starts_with("(")) {
    auto close = step.find(')');
    return std::string(step.substr(0, close == std::string_view::npos ? step.size() : close + 1));
  }
  auto end = step.find(" \"");
  if (end == std::string_view::npos) end = step.find('[');
  return std::string(step.substr(0, end));
}

// The retainer path inside an evidence detail: what follows "held at ".
std::optional<std::string_view> HeldAt(std::string_view detail) {
  auto at = detail.find("held at ");
  if (at == std::string_view::npos) return std::nullopt;
  detail.remove_prefix(at + 8);
  return detail.substr(0, detail.find(';'));
}

// A class as an entry may name it: itself, and for a minified class renamed by the snapshot
// reader ("LRUCache (u)", snapshot/class_alias.cc) also its exported name and its own.
void AddClass(std::set<std::string>& classes, std::string name) {
  const auto open = name.rfind(" (");
  if (!name.starts_with("(") && open != std::string::npos && name.ends_with(")")) {
    classes.insert(name.substr(0, open));
    classes.insert(name.substr(open + 2, name.size() - open - 3));
  }
  classes.insert(std::move(name));
}

}  // namespace

std::vector<std::string> PathClasses(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    auto next = path.find(kArrow);
    std::string_view step = path.substr(0, next);
    std::string cls = StepClass(step);
    if (!cls.empty() && cls != "…") out.push_back(std::move(cls));
    if (next == std::string_view::npos) break;
    path.remove_prefix(next + kArrow.size());
  }
  return out;
}

bool ClassMatches(std::string_view pattern, std::string_view name) {
  // Iterative glob with backtracking to the last '*': linear in practice, no recursion.
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p, ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<config::Allow> MatchAllow(const std::vector<config::Allow>& allow,
                                        const CheckResult& check) {
  std::set<std::string> classes;
  std::vector<std::string> paths;
  std::set<Evidence::Kind> seen;
  for (const auto& e : check.evidence) {
    if (e.kind == Evidence::Kind::kNote || e.kind == Evidence::Kind::kRoute ||
        !seen.insert(e.kind).second)
      continue;
    if (e.kind == Evidence::Kind::kRetainerPath) {
      paths.push_back(e.title);
      for (auto& c : PathClasses(e.title)) AddClass(classes, std::move(c));
      continue;
    }
    if (e.kind != Evidence::Kind::kSourceLocation) AddClass(classes, StepClass(e.title));
    if (auto held = HeldAt(e.detail)) {
      paths.emplace_back(*held);
      for (auto& c : PathClasses(*held)) AddClass(classes, std::move(c));
    }
  }
  for (const auto& a : allow) {
    if (a.class_name)
      for (const auto& c : classes)
        if (ClassMatches(*a.class_name, c)) return a;
    if (a.path)
      for (const auto& p : paths)
        if (p.find(*a.path) != std::string::npos) return a;
  }
  return std::nullopt;
}

}  // namespace leakcheck::run
