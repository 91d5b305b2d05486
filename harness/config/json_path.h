#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakcheck::config {

/// One step of a JSONPath: an object member or an array index.
struct JsonPathSegment {
  std::string key;     ///< member name when `index < 0`
  int64_t index = -1;  ///< array index, or -1 for a member
};

/// The JSONPath subset captures use: `$`, `$.a.b`, `$.items[0].id`, `$['odd key']`, `$[2]`.
/// Parsed once when the scenario loads; the load driver evaluates it with simdjson.
struct JsonPath {
  std::vector<JsonPathSegment> segments;
  std::string source;

  /// Parses `text`; on error returns nullopt and sets `*error`.
  static std::optional<JsonPath> Parse(std::string_view text, std::string* error);
};

}  // namespace leakcheck::config
