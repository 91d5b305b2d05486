#pragma once

#include <optional>
#include <string_view>

/// The number-then-unit syntax shared by every quantity leakcheck reads from the user: sizes
/// ("1.5 KB"), durations ("250ms"), percentages and rates (config/units.h, common/duration.h).
namespace leakcheck {

/// `s` without leading and trailing ASCII whitespace.
std::string_view TrimSpace(std::string_view s);

/// A decimal number and the text after it.
struct Quantity {
  double value = 0;
  std::string_view unit;  ///< the rest of the text, trimmed ("" when there is none)
};

/// Splits "  1.5 KB " into {1.5, "KB"}: an optional sign, digits and at most one `.` (not last),
/// then the unit. nullopt when there is no number, it does not end with a digit ("5."), or it
/// is not finite ("1e999" is not accepted: exponents are not part of the syntax).
std::optional<Quantity> SplitQuantity(std::string_view text);

}  // namespace leakcheck
