#pragma once

// Readable, stable names for parameterised tests. Without a name generator GoogleTest names a
// case by its index and CTest appends the parameter's bytes (`GetParam() = 16-byte object
// <30-B4 …>`, with addresses that change between builds), which breaks test history.
#include <cctype>
#include <string>
#include <string_view>

namespace leakcheck::testing {

/// "`concurrency` must be between 1 and 10000, got 0" -> "ConcurrencyMustBeBetween1And10000Got0":
/// ASCII letters and digits only, each word capitalised, at most `max` characters; "Empty" when
/// nothing is left. Deterministic, so the name only changes when the text does. GoogleTest
/// refuses duplicate names at start-up, so a collision cannot go unnoticed.
inline std::string ReadableName(std::string_view text, size_t max = 80) {
  std::string out;
  bool word_start = true;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    const bool alnum = c < 0x80 && std::isalnum(c) != 0;
    if (!alnum) {
      word_start = true;
      continue;
    }
    if (out.size() >= max) break;
    out += word_start ? static_cast<char>(std::toupper(c)) : static_cast<char>(c);
    word_start = false;
  }
  return out.empty() ? "Empty" : out;
}

/// A name generator for INSTANTIATE_TEST_SUITE_P over strings: the parameter as ReadableName.
struct ParamAsName {
  template <typename ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    return ReadableName(std::string_view(info.param));
  }
};

}  // namespace leakcheck::testing
