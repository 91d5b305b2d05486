#include "harness/config/json_path.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace leakcheck::config {
namespace {

bool IsMemberChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '-';
}

// Parses "[...]" at the start of `rest` into `segment`; returns characters consumed or 0.
size_t ParseBracket(std::string_view rest, JsonPathSegment* segment) {
  size_t close = rest.find(']');
  if (close == std::string_view::npos || close < 2) return 0;
  std::string_view inner = rest.substr(1, close - 1);
  if ((inner.front() == '\'' || inner.front() == '"') && inner.size() >= 2 &&
      inner.back() == inner.front()) {
    segment->key = std::string(inner.substr(1, inner.size() - 2));
    return close + 1;
  }
  int64_t index = -1;
  auto [ptr, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), index);
  if (ec != std::errc() || ptr != inner.data() + inner.size() || index < 0) return 0;
  segment->index = index;
  return close + 1;
}

}  // namespace

std::optional<JsonPath> JsonPath::Parse(std::string_view text, std::string* error) {
  JsonPath path;
  path.source = std::string(text);
  if (text.empty() || text[0] != '$') {
    *error = fmt::format("JSONPath `{}` must start with `$` (e.g. `$.id`)", text);
    return std::nullopt;
  }
  std::string_view rest = text.substr(1);
  while (!rest.empty()) {
    JsonPathSegment segment;
    if (rest[0] == '.') {
      size_t end = 1;
      while (end < rest.size() && IsMemberChar(rest[end])) ++end;
      if (end == 1) {
        *error = fmt::format("JSONPath `{}`: expected a member name after `.`", text);
        return std::nullopt;
      }
      segment.key = std::string(rest.substr(1, end - 1));
      rest.remove_prefix(end);
    } else if (rest[0] == '[') {
      size_t used = ParseBracket(rest, &segment);
      if (used == 0) {
        *error = fmt::format(
            "JSONPath `{}`: expected `[N]` or `['name']` (filters and wildcards are not supported)",
            text);
        return std::nullopt;
      }
      rest.remove_prefix(used);
    } else {
      *error = fmt::format("JSONPath `{}`: unexpected `{}`", text, rest[0]);
      return std::nullopt;
    }
    path.segments.push_back(std::move(segment));
  }
  return path;
}

}  // namespace leakcheck::config
