#pragma once

#include <cstdint>

/// Helpers for decoding JSON string escapes, shared by the snapshot reader and the CDP session.
namespace leakcheck {

/// 0-15 for a hex digit, -1 otherwise.
inline int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Appends code point `cp` as UTF-8 to any container of char with push_back. A surrogate
/// (0xD800-0xDFFF) is written in its 3-byte form (WTF-8); callers that need strict UTF-8
/// replace it first.
template <typename Out>
void AppendUtf8(Out& out, uint32_t cp) {
  auto put = [&out](uint32_t byte) { out.push_back(static_cast<char>(byte)); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
    put(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  }
}

}  // namespace leakcheck
