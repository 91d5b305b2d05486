#include "harness/config/regex_check.h"

#include "harness/common/line_pattern.h"

namespace leakcheck::config {

bool IsValidRegex(const std::string& pattern, std::string* error) {
  return LinePattern::Compile(pattern, error).has_value();
}

}  // namespace leakcheck::config
