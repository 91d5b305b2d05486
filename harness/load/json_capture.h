#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "harness/config/json_path.h"

namespace leakcheck::load {

/// Evaluates capture JSONPaths against response bodies with simdjson. One per virtual user:
/// it keeps simdjson's parser (and its buffers) between responses.
class JsonCapturer {
 public:
  JsonCapturer();
  ~JsonCapturer();
  JsonCapturer(JsonCapturer&&) noexcept;
  JsonCapturer& operator=(JsonCapturer&&) noexcept;

  /// Parses `body` (once per response; later calls with the same body reuse the parse).
  /// Returns false when it is not JSON.
  bool Parse(const std::string& body);
  /// The value at `path` in the last parsed body: strings unquoted, anything else as minified
  /// JSON. nullopt when the path leads nowhere. `*json` (when given) is true for the latter.
  std::optional<std::string> Find(const config::JsonPath& path, bool* json = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakcheck::load
