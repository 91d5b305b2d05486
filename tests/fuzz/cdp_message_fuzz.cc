// Fuzzes what leakcheck does with bytes from the Node inspector: decoding responses, events and
// errors (MessageParser, InspectorErrorText), snapshot chunks (fast layout unescaped by
// UnescapeJson as UnescapingWriter does, any other layout through simdjson) and sampling
// heap profiles (ParseSamplingProfile).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/cdp/json_text.h"
#include "harness/cdp/message.h"
#include "harness/cdp/session.h"
#include "harness/common/error.h"

using namespace leakcheck::cdp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view message(reinterpret_cast<const char*>(data), size);
  static MessageParser* parser = new MessageParser();  // reused, as the Session reuses it

  std::string problem;
  if (auto decoded = parser->Parse(message, &problem)) {
    if (!decoded->error.empty()) (void)InspectorErrorText(decoded->error);
  }
  if (auto body = EscapedSnapshotChunk(message)) {
    std::string out;
    (void)UnescapeJson(*body, out);
  } else if (auto chunk = parser->SnapshotChunk(message, &problem)) {
    std::string copy(*chunk);
  }
  std::string unescaped;
  (void)UnescapeJson(message, unescaped);
  (void)QuoteJson(message);

  try {
    (void)ParseSamplingProfile(message);
  } catch (const leakcheck::Error&) {
  }
  return 0;
}
