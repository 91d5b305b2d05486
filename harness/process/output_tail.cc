#include "harness/process/output_tail.h"

namespace leakcheck::process {

void OutputTail::Append(std::string_view data) {
  if (data.size() >= max_bytes_) {
    text_.assign(data.substr(data.size() - max_bytes_));
    return;
  }
  text_.append(data);
  // Trim in big steps so appending stays amortised O(1).
  if (text_.size() > max_bytes_ + max_bytes_ / 2) text_.erase(0, text_.size() - max_bytes_);
}

std::string OutputTail::LastLines(size_t max_lines) const {
  std::string_view text = text_;
  if (text.size() > max_bytes_) text.remove_prefix(text.size() - max_bytes_);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  size_t start = text.size();
  for (size_t lines = 0; lines < max_lines && start > 0;) {
    size_t nl = text.rfind('\n', start - 1);
    ++lines;
    if (nl == std::string_view::npos) {
      start = 0;
      break;
    }
    if (lines == max_lines) {
      start = nl + 1;
      break;
    }
    start = nl;
  }
  return std::string(text.substr(start));
}

}  // namespace leakcheck::process
