#include "harness/common/duration.h"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "harness/common/quantity.h"

namespace leakcheck {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::optional<Quantity> split = SplitQuantity(text);
  if (!split) return std::nullopt;
  const auto [value, unit] = *split;
  double ms = 0;
  if (unit == "ms") {
    ms = value;
  } else if (unit == "s") {
    ms = value * 1000;
  } else if (unit == "m") {
    ms = value * 60000;
  } else {
    return std::nullopt;
  }
  // Beyond ~292 million years the count would overflow; no timeout is that long.
  if (std::fabs(ms) > 9.2e15) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(ms)));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms != 0 && ms % 60000 == 0) return fmt::format("{}m", ms / 60000);
  if (ms >= 1000 || ms <= -1000) return fmt::format("{}s", static_cast<double>(ms) / 1000.0);
  return fmt::format("{}ms", ms);
}

}  // namespace leakcheck
