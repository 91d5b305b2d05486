#pragma once

#include <string>

namespace leakcheck::config {

/// True when `pattern` compiles as a LinePattern (RE2 syntax, at most 1000 characters);
/// otherwise sets `*error`.
bool IsValidRegex(const std::string& pattern, std::string* error);

}  // namespace leakcheck::config
