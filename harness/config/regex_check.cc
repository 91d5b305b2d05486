// std::regex lives in its own file: GCC 12 reports false -Wmaybe-uninitialized positives inside
// libstdc++'s regex compiler at -O3 with the sanitizers on, and a pragma here keeps them out of
// the loader.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "harness/config/regex_check.h"

#include <cctype>
#include <regex>

#include <fmt/format.h>

namespace leakcheck::config {
namespace {

// libstdc++ 12 compiles a pattern recursively (a stack frame per atom and per nesting level),
// so a pattern is capped; a readiness line needs far less.
constexpr size_t kMaxPatternLength = 1000;
// It also accumulates `{n,m}` counts in a `long` without an overflow check (undefined behaviour
// from 20 digits on) and unrolls each repetition into NFA states, so counts are capped too.
constexpr long kMaxRepeatCount = 1000;

// Checks the limits above; sets `*error` and returns false when the pattern exceeds one.
bool WithinCompilerLimits(const std::string& pattern, std::string* error) {
  if (pattern.size() > kMaxPatternLength) {
    *error = fmt::format("longer than {} characters", kMaxPatternLength);
    return false;
  }
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;  // an escaped character is never a brace or a class bracket
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '{') {
      // The counts of `{n}`, `{n,}`, `{n,m}` (checked even when the brace is not closed: the
      // compiler reads the digits first).
      for (size_t j = i + 1; j < pattern.size(); ++j) {
        long count = 0;
        size_t start = j;
        while (j < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[j]))) {
          count = std::min(count * 10 + (pattern[j] - '0'), kMaxRepeatCount + 1);
          ++j;
        }
        if (count > kMaxRepeatCount) {
          *error = fmt::format("repetition count `{}` is larger than {}",
                               pattern.substr(start, j - start), kMaxRepeatCount);
          return false;
        }
        if (j >= pattern.size() || pattern[j] != ',') break;
      }
    }
  }
  return true;
}

}  // namespace

bool IsValidRegex(const std::string& pattern, std::string* error) {
  if (!WithinCompilerLimits(pattern, error)) return false;
  try {
    std::regex re(pattern, std::regex::ECMAScript);
    return true;
  } catch (const std::regex_error& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace leakcheck::config
