#include "harness/load/json_capture.h"

#include <simdjson.h>

namespace leakcheck::load {

struct JsonCapturer::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool valid = false;
};

JsonCapturer::JsonCapturer() : impl_(std::make_unique<Impl>()) {}
JsonCapturer::~JsonCapturer() = default;
JsonCapturer::JsonCapturer(JsonCapturer&&) noexcept = default;
JsonCapturer& JsonCapturer::operator=(JsonCapturer&&) noexcept = default;

bool JsonCapturer::Parse(const std::string& body) {
  impl_->valid = impl_->parser.parse(body).get(impl_->root) == simdjson::SUCCESS;
  return impl_->valid;
}

std::optional<std::string> JsonCapturer::Find(const config::JsonPath& path, bool* json) const {
  if (!impl_->valid) return std::nullopt;
  simdjson::dom::element at = impl_->root;
  for (const config::JsonPathSegment& segment : path.segments) {
    if (segment.index >= 0) {
      simdjson::dom::array array;
      if (at.get_array().get(array) != simdjson::SUCCESS ||
          array.at(static_cast<size_t>(segment.index)).get(at) != simdjson::SUCCESS) {
        return std::nullopt;
      }
    } else {
      simdjson::dom::object object;
      if (at.get_object().get(object) != simdjson::SUCCESS ||
          object.at_key(segment.key).get(at) != simdjson::SUCCESS) {
        return std::nullopt;
      }
    }
  }
  std::string_view text;
  const bool is_string = at.get_string().get(text) == simdjson::SUCCESS;
  if (json) *json = !is_string;
  if (is_string) return std::string(text);
  return simdjson::minify(at);
}

}  // namespace leakcheck::load
