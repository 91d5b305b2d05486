#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// Units of the scenario format: sizes (1024-based), durations, percentages and rates.
namespace leakcheck::config {

using Duration = std::chrono::milliseconds;

/// "64B", "1.5KB", "2MiB", "1GB", "512" (bytes) -> bytes; 1 KB = 1 KiB = 1024 B.
/// Negative values parse ("-1KB") so callers can give a range error; garbage returns nullopt.
std::optional<double> ParseSize(std::string_view text);

/// "250ms", "2s", "1.5s", "1m" -> milliseconds. A unit is required. nullopt on garbage.
std::optional<Duration> ParseDuration(std::string_view text);

/// "0%", "2.5%" -> a fraction (0.025). The percent sign is required.
std::optional<double> ParsePercent(std::string_view text);

/// "500/s", "30/m", "10/ms" -> per second.
std::optional<double> ParseRate(std::string_view text);

/// 1500ms -> "1.5s", 90000ms -> "1.5m", 20ms -> "20ms".
std::string FormatDuration(Duration d);

}  // namespace leakcheck::config
