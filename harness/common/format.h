#pragma once

#include <cstdint>
#include <string>
#include <string_view>

/// Small formatting helpers shared by the CLI and the reporters.
namespace leakcheck {

/// 1536 -> "1.5 KiB", 0 -> "0 B"; 1024-based like the scenario format's units.
std::string FormatBytes(double bytes);
/// Signed variant: "+1.5 KiB", "-200 B".
std::string FormatSignedBytes(double bytes);
/// 1234567 -> "1,234,567".
std::string FormatCount(int64_t n);
/// A measured value in its unit: bytes units ("B", "B/iteration") as "1.20 KiB/iteration",
/// "%" as "2.5%", anything else as a number with up to 3 decimals and the unit.
std::string FormatMeasured(double value, std::string_view unit);
/// Shortens `s` to at most `max` characters (UTF-8 aware), ending in "…" when cut.
std::string Ellipsize(std::string_view s, size_t max);
/// A name as an identifier for folders and JUnit class names: ASCII letters and digits lower-cased,
/// every run of anything else (punctuation, spaces, non-ASCII bytes) one '-', none at either end
/// ("Create & Read user" -> "create-read-user", "My API / v2" -> "my-api-v2"); "scenario" when
/// nothing is left. Locale-independent. The run folder, `list --json` and JUnit all use it.
std::string Slug(std::string_view name);

}  // namespace leakcheck
