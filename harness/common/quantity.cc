#include "harness/common/quantity.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace leakcheck {

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<Quantity> SplitQuantity(std::string_view text) {
  text = TrimSpace(text);
  size_t end = 0;
  while (end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.' ||
          (end == 0 && (text[end] == '-' || text[end] == '+')))) {
    ++end;
  }
  std::string_view number = text.substr(0, end);
  if (!number.empty() && number.front() == '+') number.remove_prefix(1);
  if (number.empty() || number == "-" || number.back() == '.') return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return Quantity{value, TrimSpace(text.substr(end))};
}

}  // namespace leakcheck
