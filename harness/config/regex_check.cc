// std::regex lives in its own file: GCC 12 reports false -Wmaybe-uninitialized positives inside
// libstdc++'s regex compiler at -O3 with the sanitizers on, and a pragma here keeps them out of
// the loader.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "harness/config/regex_check.h"

#include <regex>

namespace leakcheck::config {

bool IsValidRegex(const std::string& pattern, std::string* error) {
  try {
    std::regex re(pattern, std::regex::ECMAScript);
    return true;
  } catch (const std::regex_error& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace leakcheck::config
