#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

/// The one duration syntax of leakcheck: the scenario YAML (`duration: 30s`, `timeout: 500ms`)
/// and every command-line option that takes a duration (`capture --interval 20s`) use these.
namespace leakcheck {

/// "250ms", "2s", "1.5s", "1m" -> milliseconds (rounded to the nearest millisecond); spaces
/// around the number and between number and unit are allowed. A unit (ms, s or m) is required:
/// a bare "20" is nullopt, because it could mean seconds or milliseconds. Negative values parse
/// ("-1s") so callers can give a range error; garbage, "", "s", "5h", "1e999s" are nullopt.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

/// Minutes when `d` is a whole number of them, else seconds (shortest decimal) from 1 s up,
/// else milliseconds:
/// 20ms -> "20ms", 1500ms -> "1.5s", 5000ms -> "5s", 120000ms -> "2m", 0 -> "0ms".
/// ParseDuration(FormatDuration(d)) == d for every d that is a whole number of milliseconds.
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace leakcheck
