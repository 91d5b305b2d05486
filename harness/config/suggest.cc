#include "harness/config/suggest.h"

#include <algorithm>
#include <vector>

namespace leakcheck::config {

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int above = row[j];
      int substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Suggest(std::string_view word, std::span<const std::string_view> candidates) {
  int limit = std::max<int>(2, static_cast<int>(word.size()) / 3);
  int best = limit + 1;
  std::string_view choice;
  for (std::string_view candidate : candidates) {
    int d = EditDistance(word, candidate);
    if (d < best) {
      best = d;
      choice = candidate;
    }
  }
  if (choice.empty() && word.size() >= 4) {
    // An abbreviation of a long key ("heap_per_iter") is a likely typo too.
    for (std::string_view candidate : candidates) {
      if (candidate.substr(0, word.size()) == word) return std::string(candidate);
    }
  }
  return std::string(choice);
}

}  // namespace leakcheck::config
