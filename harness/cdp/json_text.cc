#include "harness/cdp/json_text.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/common/utf8.h"

namespace leakcheck::cdp {
namespace {

bool ReadHex4(std::string_view s, size_t at, unsigned& out) {
  if (at + 4 > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + 4; ++i) {
    int v = HexDigitValue(s[i]);
    if (v < 0) return false;
    out = out * 16 + static_cast<unsigned>(v);
  }
  return true;
}

// Decodes the escape starting at s[i] == '\\' into out; returns the index after it, or 0.
size_t DecodeEscape(std::string_view s, size_t i, std::string& out) {
  if (i + 1 >= s.size()) return 0;
  char c = s[i + 1];
  switch (c) {
    case '"':
      out += '"';
      return i + 2;
    case '\\':
      out += '\\';
      return i + 2;
    case '/':
      out += '/';
      return i + 2;
    case 'b':
      out += '\b';
      return i + 2;
    case 'f':
      out += '\f';
      return i + 2;
    case 'n':
      out += '\n';
      return i + 2;
    case 'r':
      out += '\r';
      return i + 2;
    case 't':
      out += '\t';
      return i + 2;
    case 'u':
      break;
    default:
      return 0;
  }
  unsigned cp;
  if (!ReadHex4(s, i + 2, cp)) return 0;
  size_t next = i + 6;
  unsigned low;
  if (cp >= 0xD800 && cp < 0xDC00 && next + 1 < s.size() && s[next] == '\\' && s[next + 1] == 'u' &&
      ReadHex4(s, next + 2, low) && low >= 0xDC00 && low < 0xE000) {
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    next += 6;
  }
  AppendUtf8(out, cp);  // a lone surrogate is written as its 3-byte form (WTF-8)
  return next;
}

}  // namespace

std::string QuoteJson(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

bool UnescapeJson(std::string_view s, std::string& out) {
  size_t i = 0;
  while (i < s.size()) {
    const void* hit = std::memchr(s.data() + i, '\\', s.size() - i);
    size_t bs = hit ? static_cast<size_t>(static_cast<const char*>(hit) - s.data()) : s.size();
    out.append(s.data() + i, bs - i);
    if (bs == s.size()) break;
    i = DecodeEscape(s, bs, out);
    if (i == 0) return false;
  }
  return true;
}

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
