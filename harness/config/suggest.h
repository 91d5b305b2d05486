#pragma once

#include <span>
#include <string>
#include <string_view>

namespace leakcheck::config {

/// Levenshtein distance between two ASCII strings.
int EditDistance(std::string_view a, std::string_view b);

/// The closest of `candidates` to `word` when it is close enough to be a likely typo
/// (distance at most 2, or at most a third of the word's length for long words, or a prefix
/// of at least 4 characters); else "".
std::string Suggest(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace leakcheck::config
