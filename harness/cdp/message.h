#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

/// Decoding of the messages the Node inspector sends (responses, events, errors, snapshot
/// chunks), apart from the WebSocket so it can be tested and fuzzed on its own.
namespace leakcheck::cdp {

/// One inspector message, decoded.
struct InspectorMessage {
  int64_t id = -1;     ///< the response's id; -1 for an event (or an id that is not an integer)
  std::string method;  ///< an event's method ("" for a response)
  std::string result;  ///< a response's `result` as JSON text ("" when absent)
  std::string error;   ///< a response's `error` as JSON text ("" when absent)
};

/// Decodes inspector messages with simdjson. Keeps the parser and its buffers between messages.
class MessageParser {
 public:
  MessageParser();
  ~MessageParser();
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  /// Decodes `message`. On malformed JSON or a non-object message returns nullopt and sets
  /// `*problem` ("bad JSON from the inspector: …", "inspector sent a non-object message").
  std::optional<InspectorMessage> Parse(std::string_view message, std::string* problem);

  /// The unescaped `params.chunk` of an addHeapSnapshotChunk event in any layout. Returns
  /// nullopt and sets `*problem` when the message is bad JSON or has no string chunk. The view
  /// is valid until the next call.
  std::optional<std::string_view> SnapshotChunk(std::string_view message, std::string* problem);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The prefix and suffix of an addHeapSnapshotChunk event as the inspector lays it out.
inline constexpr std::string_view kSnapshotChunkPrefix =
    R"({"method":"HeapProfiler.addHeapSnapshotChunk","params":{"chunk":")";
inline constexpr std::string_view kSnapshotChunkSuffix = R"("}})";

/// The still-escaped chunk text of an addHeapSnapshotChunk event in the inspector's usual
/// layout (so it can be unescaped straight into a file); nullopt for any other layout.
std::optional<std::string_view> EscapedSnapshotChunk(std::string_view message);

/// A response's `error` JSON as "message (code)"; the JSON itself when it has no message.
std::string InspectorErrorText(const std::string& error_json);

}  // namespace leakcheck::cdp
