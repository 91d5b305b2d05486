#include "harness/config/units.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace leakcheck::config {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "1.5 KB" into 1.5 and "KB". The number must be finite and fill the prefix.
std::optional<std::pair<double, std::string_view>> SplitNumber(std::string_view text) {
  text = Trim(text);
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
  return std::pair{value, Trim(text.substr(end))};
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<double> ParseSize(std::string_view text) {
  auto split = SplitNumber(text);
  if (!split) return std::nullopt;
  auto [value, unit] = *split;
  struct Unit {
    std::string_view name;
    double factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},           {"B", 1},           {"KB", 1024.0},       {"KiB", 1024.0},
      {"MB", 1048576.0}, {"MiB", 1048576.0}, {"GB", 1073741824.0}, {"GiB", 1073741824.0},
  };
  for (const Unit& u : kUnits) {
    if (EqualsIgnoreCase(unit, u.name)) return value * u.factor;
  }
  return std::nullopt;
}

std::optional<double> ParsePercent(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.back() != '%') return std::nullopt;
  auto split = SplitNumber(text.substr(0, text.size() - 1));
  if (!split || !split->second.empty()) return std::nullopt;
  return split->first / 100.0;
}

std::optional<double> ParseRate(std::string_view text) {
  text = Trim(text);
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto split = SplitNumber(text.substr(0, slash));
  if (!split || !split->second.empty()) return std::nullopt;
  std::string_view per = Trim(text.substr(slash + 1));
  if (per == "s") return split->first;
  if (per == "m") return split->first / 60.0;
  if (per == "ms") return split->first * 1000.0;
  return std::nullopt;
}

}  // namespace leakcheck::config
