#include "harness/cdp/json_text.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace leakcheck::cdp {
UnescapingWriter::UnescapingWriter(int fd, size_t buffer_bytes) : fd_(fd), capacity_(buffer_bytes) {
  buffer_.reserve(capacity_ + 64);
}

UnescapingWriter::~UnescapingWriter() { Close(); }

bool UnescapingWriter::AppendEscaped(std::string_view escaped) {
  size_t before = buffer_.size();
  bool ok = UnescapeJson(escaped, buffer_);
  bytes_ += buffer_.size() - before;
  if (buffer_.size() >= capacity_) Flush();
  return ok;
}

void UnescapingWriter::AppendRaw(std::string_view raw) {
  buffer_.append(raw);
  bytes_ += raw.size();
  if (buffer_.size() >= capacity_) Flush();
}

void UnescapingWriter::Flush() {
  const char* p = buffer_.data();
  size_t left = buffer_.size();
  while (left > 0 && fd_ >= 0 && error_ == 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  buffer_.clear();
}

bool UnescapingWriter::Close() {
  if (fd_ < 0) return error_ == 0;
  Flush();
  if (::close(fd_) != 0 && error_ == 0) error_ = errno;
  fd_ = -1;
  return error_ == 0;
}

}  // namespace leakcheck::cdp
