#pragma once

#include <string>

namespace leakcheck::config {

/// True when `pattern` compiles as an ECMAScript std::regex; otherwise sets `*error`.
bool IsValidRegex(const std::string& pattern, std::string* error);

}  // namespace leakcheck::config
