#pragma once

#include <string>

namespace leakcheck::config {

/// True when `pattern` compiles as an ECMAScript std::regex within the limits libstdc++ handles
/// safely (at most 1000 characters, repetition counts at most 1000); otherwise sets `*error`.
bool IsValidRegex(const std::string& pattern, std::string* error);

}  // namespace leakcheck::config
