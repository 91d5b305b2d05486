#include "harness/common/format.h"

#include <array>
#include <cmath>

#include <fmt/format.h>

namespace leakcheck {

std::string FormatBytes(double bytes) {
  static constexpr std::array<const char*, 5> kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = std::fabs(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  const char* sign = bytes < 0 ? "-" : "";
  if (unit == 0) return fmt::format("{}{:.0f} B", sign, value);
  return fmt::format("{}{:.{}f} {}", sign, value, value < 10 ? 2 : 1, kUnits[unit]);
}

std::string FormatSignedBytes(double bytes) {
  return bytes > 0 ? "+" + FormatBytes(bytes) : FormatBytes(bytes);
}

std::string FormatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Ellipsize(std::string_view s, size_t max) {
  // Count code points, not bytes, so multi-byte names are not cut mid-character.
  size_t chars = 0, cut = std::string_view::npos;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (chars == max - 1) cut = i;
    if (++chars > max) return std::string(s.substr(0, cut)) + "…";
  }
  return std::string(s);
}

std::string Slug(std::string_view name) {
  std::string out;
  bool dash = false;
  for (char ch : name) {
    const unsigned char c = static_cast<unsigned char>(ch);
    const bool ascii_alnum =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (ascii_alnum) {
      if (dash && !out.empty()) out += '-';
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      dash = false;
    } else {
      dash = true;
    }
  }
  return out.empty() ? "scenario" : out;
}

std::string FormatMeasured(double value, std::string_view unit) {
  if (unit == "B" || unit.starts_with("B/")) {
    // Per-iteration slopes are often fractions of a byte: keep one decimal below 1 KiB.
    if (std::fabs(value) < 1024 && value != std::floor(value))
      return fmt::format("{:.1f} B{}", value, unit.substr(1));
    return FormatBytes(value) + std::string(unit.substr(1));
  }
  if (unit == "%") return fmt::format("{:.1f}%", value);
  std::string number;
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    number = FormatCount(static_cast<int64_t>(value));
  } else {
    number = fmt::format("{:.3f}", value);
    while (number.back() == '0') number.pop_back();
    if (number.back() == '.') number.pop_back();
  }
  return unit.empty() ? number : number + " " + std::string(unit);
}

}  // namespace leakcheck
