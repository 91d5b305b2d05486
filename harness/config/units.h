#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness/common/duration.h"

/// Units of the scenario format: sizes (1024-based), percentages and rates. Durations are
/// leakcheck::ParseDuration / FormatDuration (harness/common/duration.h, included here).
namespace leakcheck::config {

using Duration = std::chrono::milliseconds;

/// "64B", "1.5KB", "2MiB", "1GB", "512" (bytes) -> bytes; 1 KB = 1 KiB = 1024 B.
/// Negative values parse ("-1KB") so callers can give a range error; garbage returns nullopt.
std::optional<double> ParseSize(std::string_view text);

/// "0%", "2.5%" -> a fraction (0.025). The percent sign is required.
std::optional<double> ParsePercent(std::string_view text);

/// "500/s", "30/m", "10/ms" -> per second.
std::optional<double> ParseRate(std::string_view text);

}  // namespace leakcheck::config
