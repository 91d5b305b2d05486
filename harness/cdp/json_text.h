#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "harness/common/json_text.h"

/// Streaming snapshot chunks to disk. Quoting and unescaping are leakcheck's one escaper and
/// unescaper (common/json_text.h), named here too for the CDP code that composes messages.
namespace leakcheck::cdp {

using ::leakcheck::QuoteJson;
using ::leakcheck::UnescapeJson;

/// Writes unescaped JSON string contents to a file descriptor through a large buffer, so a
/// snapshot chunk goes from the WebSocket message to disk without an intermediate string.
class UnescapingWriter {
 public:
  /// Takes ownership of `fd` (closed by Close() or the destructor).
  explicit UnescapingWriter(int fd, size_t buffer_bytes = 1 << 20);
  ~UnescapingWriter();
  UnescapingWriter(const UnescapingWriter&) = delete;
  UnescapingWriter& operator=(const UnescapingWriter&) = delete;

  /// Unescapes `escaped` (the text between a JSON string's quotes) and appends it.
  /// Returns false on a malformed escape. Decodes like UnescapeJson (common/json_text.h): `\uXXXX`
  /// and surrogate pairs become UTF-8, a lone surrogate becomes U+FFFD.
  bool AppendEscaped(std::string_view escaped);
  /// Appends raw bytes.
  void AppendRaw(std::string_view raw);
  /// Flushes and closes; returns false if any write failed (errno is kept in error()).
  bool Close();
  /// Bytes accepted so far (after unescaping).
  size_t bytes() const { return bytes_; }
  int error() const { return error_; }

 private:
  void Flush();

  int fd_;
  std::string buffer_;
  size_t capacity_;
  size_t bytes_ = 0;
  int error_ = 0;
};

}  // namespace leakcheck::cdp
