#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace leakcheck::process {

/// The last bytes of an output stream, bounded in size, for error messages and reports.
class OutputTail {
 public:
  /// Keeps at most `max_bytes` of the most recent output.
  explicit OutputTail(size_t max_bytes = 64 * 1024) : max_bytes_(max_bytes) {}

  /// Appends output (any chunking; lines may span calls).
  void Append(std::string_view data);
  /// The last `max_lines` lines (a partial last line counts), joined with '\n'.
  std::string LastLines(size_t max_lines) const;
  /// Everything kept.
  const std::string& text() const { return text_; }

 private:
  size_t max_bytes_;
  std::string text_;
};

}  // namespace leakcheck::process
