// Schema walking: mappings with known keys, typed scalars with locations, templates.
#include "harness/config/parser.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "harness/common/shell_words.h"
#include "harness/config/suggest.h"

namespace leakcheck::config::internal {

std::string DidYouMean(std::string_view word, Keys candidates) {
  std::string s = Suggest(word, candidates);
  return s.empty() ? "" : fmt::format(" (did you mean `{}`?)", s);
}

std::optional<MapView> Parser::Map(const YAML::Node& node, std::string_view what, Keys allowed,
                                   const SourceLocation& where) {
  if (!node.IsMap()) {
    SourceLocation loc = Loc(node);
    Error(loc.line == 0 ? where : loc, fmt::format("`{}` must be a mapping", what));
    return std::nullopt;
  }
  MapView view;
  view.location = Loc(node);
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: yaml-cpp's iterator yields temporaries, so `it->first` must not be bound to a
    // reference (AddressSanitizer caught a stack-use-after-scope here). Nodes are handles.
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      Error(key, fmt::format("keys of `{}` must be plain names", what));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      Error(key, fmt::format("unknown key `{}` in `{}`{}", name, what, DidYouMean(name, allowed)));
      continue;
    }
    if (const Field* first = view.Find(name)) {
      Error(key, fmt::format("duplicate key `{}` (first set on line {})", name,
                             Loc(first->key_node).line));
      continue;
    }
    view.fields.push_back({name, key, it->second});
  }
  return view;
}

std::optional<std::string> Parser::String(const Field& f) {
  if (!f.value.IsScalar()) {
    Error(ValueLoc(f), fmt::format("`{}` must be a string", f.key));
    return std::nullopt;
  }
  return f.value.Scalar();
}

std::optional<int64_t> Parser::Integer(const Field& f, int64_t min, int64_t max) {
  int64_t value = 0;
  if (!f.value.IsScalar() || !YAML::convert<int64_t>::decode(f.value, value)) {
    Error(ValueLoc(f), fmt::format("`{}` must be an integer", f.key));
    return std::nullopt;
  }
  if (value < min || value > max) {
    Error(ValueLoc(f),
          fmt::format("`{}` must be between {} and {}, got {}", f.key, min, max, value));
    return std::nullopt;
  }
  return value;
}

std::optional<Duration> Parser::DurationValue(const Field& f, bool allow_zero) {
  std::optional<Duration> d;
  if (f.value.IsScalar()) d = ParseDuration(f.value.Scalar());
  if (!d) {
    Error(ValueLoc(f),
          fmt::format("`{}` must be a duration with a unit, like `250ms`, `2s` or `1m`", f.key));
    return std::nullopt;
  }
  if (d->count() < 0 || (!allow_zero && d->count() == 0)) {
    Error(ValueLoc(f),
          fmt::format("`{}` must be {}, got {}", f.key,
                      allow_zero ? "zero or more" : "more than zero", f.value.Scalar()));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> Parser::Bool(const Field& f) {
  bool value = false;
  if (!f.value.IsScalar() || !YAML::convert<bool>::decode(f.value, value)) {
    Error(ValueLoc(f), fmt::format("`{}` must be true or false", f.key));
    return std::nullopt;
  }
  return value;
}

std::optional<Template> Parser::TemplateScalar(const YAML::Node& node,
                                               const SourceLocation& where) {
  std::string error;
  auto t = Template::Compile(node.Scalar(), &error);
  if (!t) {
    Error(where, error);
    return std::nullopt;
  }
  CheckVariables(*t, where);
  return t;
}

std::optional<Template> Parser::TemplateValue(const Field& f) {
  if (!f.value.IsScalar()) {
    Error(ValueLoc(f), fmt::format("`{}` must be a string", f.key));
    return std::nullopt;
  }
  return TemplateScalar(f.value, ValueLoc(f));
}

void Parser::CheckVariables(const Template& t, const SourceLocation& where) {
  for (const std::string& name : t.VariableNames()) {
    if (name == "app.port") continue;
    if (std::find(known_names_.begin(), known_names_.end(), name) != known_names_.end()) continue;
    if (std::find(global_names_.begin(), global_names_.end(), name) != global_names_.end())
      continue;
    std::vector<std::string_view> candidates(known_names_.begin(), known_names_.end());
    candidates.insert(candidates.end(), global_names_.begin(), global_names_.end());
    candidates.push_back("app.port");
    Error(where, fmt::format("unknown variable `{}` in template: not captured by an earlier step{}",
                             name, DidYouMean(name, candidates)));
  }
}

std::optional<std::vector<std::string>> Parser::StringList(const Field& f, bool split_string) {
  if (f.value.IsScalar() && split_string) {
    std::string error;
    auto words = SplitShellWords(f.value.Scalar(), &error);
    if (!words) {
      Error(ValueLoc(f), error == "trailing backslash"
                             ? fmt::format("`{}` ends with a backslash that escapes nothing", f.key)
                             : fmt::format("`{}` has an unterminated quote", f.key));
    }
    return words;
  }
  if (!f.value.IsSequence()) {
    Error(ValueLoc(f), fmt::format("`{}` must be a list of strings", f.key));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const YAML::Node& item : f.value) {
    if (!item.IsScalar()) {
      Error(item, fmt::format("`{}` must be a list of strings", f.key));
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace leakcheck::config::internal
