#include "harness/common/json_text.h"

#include <cstring>

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include "harness/common/utf8.h"

namespace leakcheck {
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
  switch (s[i + 1]) {
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
  } else if (cp >= 0xD800 && cp < 0xE000) {
    cp = 0xFFFD;  // a lone surrogate: UTF-8 cannot hold it
  }
  AppendUtf8(out, cp);
  return next;
}

}  // namespace

std::string QuoteJson(std::string_view s) {
  return boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}

void AppendJsonEscaped(std::string_view s, std::string& out) {
  std::string quoted = QuoteJson(s);
  out.append(quoted, 1, quoted.size() - 2);
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

}  // namespace leakcheck
