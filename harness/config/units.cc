#include "harness/config/units.h"

#include <cctype>

#include "harness/common/quantity.h"

namespace leakcheck::config {
namespace {

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
  auto split = SplitQuantity(text);
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
  text = TrimSpace(text);
  if (text.empty() || text.back() != '%') return std::nullopt;
  auto split = SplitQuantity(text.substr(0, text.size() - 1));
  if (!split || !split->unit.empty()) return std::nullopt;
  return split->value / 100.0;
}

std::optional<double> ParseRate(std::string_view text) {
  text = TrimSpace(text);
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto split = SplitQuantity(text.substr(0, slash));
  if (!split || !split->unit.empty()) return std::nullopt;
  std::string_view per = TrimSpace(text.substr(slash + 1));
  if (per == "s") return split->value;
  if (per == "m") return split->value / 60.0;
  if (per == "ms") return split->value * 1000.0;
  return std::nullopt;
}

}  // namespace leakcheck::config
