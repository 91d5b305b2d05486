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
// It also accumulates the numbers of `{n,m}` counts and `\N` backreferences in a `long` without
// an overflow check (undefined behaviour from 20 digits on) and unrolls each repetition into NFA
// states, so those numbers are capped too.
constexpr long kMaxNumber = 1000;

// Reads the decimal digits at pattern[*i], advancing *i; the value, capped at kMaxNumber + 1.
long ReadNumber(const std::string& pattern, size_t* i) {
  long value = 0;
  while (*i < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[*i]))) {
    value = std::min(value * 10 + (pattern[*i] - '0'), kMaxNumber + 1);
    ++*i;
  }
  return value;
}

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
      // `\N` is a backreference (in a class too); any other escaped character is never a brace
      // or a class bracket.
      size_t start = i + 1;
      if (start < pattern.size() && pattern[start] >= '1' && pattern[start] <= '9') {
        size_t end = start;
        if (ReadNumber(pattern, &end) > kMaxNumber) {
          *error = fmt::format("backreference `\\{}` is larger than {}",
                               pattern.substr(start, end - start), kMaxNumber);
          return false;
        }
        i = end - 1;
      } else {
        ++i;
      }
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '{') {
      // The counts of `{n}`, `{n,}`, `{n,m}` (checked even when the brace is not closed: the
      // compiler reads the digits first).
      size_t j = i + 1;
      for (;;) {
        size_t start = j;
        if (ReadNumber(pattern, &j) > kMaxNumber) {
          *error = fmt::format("repetition count `{}` is larger than {}",
                               pattern.substr(start, j - start), kMaxNumber);
          return false;
        }
        if (j >= pattern.size() || pattern[j] != ',') break;
        ++j;
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
