#include "harness/cdp/message.h"

#include <simdjson.h>

namespace leakcheck::cdp {

struct MessageParser::Impl {
  simdjson::ondemand::parser parser;
  std::string padded;

  simdjson::error_code Iterate(std::string_view message, simdjson::ondemand::document& doc) {
    padded.assign(message);
    padded.reserve(message.size() + simdjson::SIMDJSON_PADDING);
    return parser.iterate(padded.data(), padded.size(), padded.capacity()).get(doc);
  }
};

MessageParser::MessageParser() : impl_(std::make_unique<Impl>()) {}
MessageParser::~MessageParser() = default;

std::optional<InspectorMessage> MessageParser::Parse(std::string_view message,
                                                     std::string* problem) {
  simdjson::ondemand::document doc;
  if (auto error = impl_->Iterate(message, doc)) {
    *problem = std::string("bad JSON from the inspector: ") + simdjson::error_message(error);
    return std::nullopt;
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) {
    *problem = "inspector sent a non-object message";
    return std::nullopt;
  }
  InspectorMessage out;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) continue;
    if (key == "id") {
      if (field.value().get_int64().get(out.id)) out.id = -1;
    } else if (key == "method") {
      std::string_view m;
      if (!field.value().get_string().get(m)) out.method = m;
    } else if (key == "result") {
      std::string_view raw;
      if (!simdjson::to_json_string(field.value()).get(raw)) out.result = raw;
    } else if (key == "error") {
      std::string_view raw;
      if (!simdjson::to_json_string(field.value()).get(raw)) out.error = raw;
    }
  }
  return out;
}

std::optional<std::string_view> MessageParser::SnapshotChunk(std::string_view message,
                                                             std::string* problem) {
  simdjson::ondemand::document doc;
  if (auto error = impl_->Iterate(message, doc)) {
    *problem = std::string("bad JSON from the inspector: ") + simdjson::error_message(error);
    return std::nullopt;
  }
  std::string_view chunk;
  if (doc["params"]["chunk"].get_string().get(chunk)) {
    *problem = "malformed addHeapSnapshotChunk event";
    return std::nullopt;
  }
  return chunk;
}

std::optional<std::string_view> EscapedSnapshotChunk(std::string_view message) {
  if (message.rfind(kSnapshotChunkPrefix, 0) != 0 ||
      message.size() < kSnapshotChunkPrefix.size() + kSnapshotChunkSuffix.size() ||
      message.substr(message.size() - kSnapshotChunkSuffix.size()) != kSnapshotChunkSuffix) {
    return std::nullopt;
  }
  return message.substr(kSnapshotChunkPrefix.size(),
                        message.size() - kSnapshotChunkPrefix.size() - kSnapshotChunkSuffix.size());
}

std::string InspectorErrorText(const std::string& error_json) {
  // The DOM parser validates the whole text first: `error_json` is a raw slice of a message the
  // on-demand parser has not validated, and on-demand lookups by key on malformed JSON (an
  // unbalanced `]`) reach simdjson's "unreachable" assumptions.
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view msg;
  int64_t code = 0;
  if (p.parse(error_json).get(doc)) return error_json;
  if (doc["code"].get_int64().get(code)) code = 0;
  if (doc["message"].get_string().get(msg)) return error_json;
  return std::string(msg) + " (" + std::to_string(code) + ")";
}

}  // namespace leakcheck::cdp
