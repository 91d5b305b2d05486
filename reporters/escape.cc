#include "reporters/escape.h"

#include <algorithm>

#include <fmt/format.h>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>

namespace leakcheck::reporters {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Calls `each(cp, bytes)` for every code point of `s`, U+FFFD (as its bytes) per invalid byte.
template <typename F>
void ForEachCodePoint(std::string_view s, F&& each) {
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    size_t n = Utf8Sequence(s, i, cp);
    if (n == 0) {
      each(char32_t{0xFFFD}, kReplacement);
      ++i;
      continue;
    }
    each(cp, s.substr(i, n));
    i += n;
  }
}

struct Range {
  char32_t first, last;
};

// Zero-width: combining marks, zero-width space/joiners, variation selectors.
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},  {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},  {0x200B, 0x200F},
    {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xE0100, 0xE01EF}};
// Wide: Hangul Jamo, CJK, Hangul syllables, fullwidth forms, emoji (EastAsianWidth W/F).
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251},
    {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x3FFFD}};

bool InRanges(char32_t cp, const Range* begin, const Range* end) {
  const Range* it =
      std::upper_bound(begin, end, cp, [](char32_t c, const Range& r) { return c < r.first; });
  return it != begin && cp <= (it - 1)->last;
}

bool IsTerminalControl(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

size_t Utf8Sequence(std::string_view s, size_t i, char32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

std::string CleanText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  ForEachCodePoint(s, [&](char32_t cp, std::string_view bytes) {
    bool forbidden = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
                     cp == 0xFFFF || cp == 0x7F;
    if (!forbidden) out.append(bytes);
  });
  return out;
}

size_t DisplayColumns(std::string_view s) {
  size_t columns = 0;
  ForEachCodePoint(s, [&](char32_t cp, std::string_view) {
    if (InRanges(cp, std::begin(kZeroWidth), std::end(kZeroWidth))) return;
    columns += InRanges(cp, std::begin(kWide), std::end(kWide)) ? 2 : 1;
  });
  return columns;
}

std::string TerminalText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  ForEachCodePoint(s, [&](char32_t cp, std::string_view bytes) {
    if (!IsTerminalControl(cp)) {
      out.append(bytes);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x80) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
    } else {
      out += fmt::format("\\u{{{:x}}}", static_cast<unsigned>(cp));
    }
  });
  // Workflow commands: `::` at the start of a line (after blanks), `##[` anywhere.
  size_t lead = out.find_first_not_of(' ');
  if (lead != std::string::npos && out.compare(lead, 2, "::") == 0) out.insert(lead, "\\");
  for (size_t at = out.find("##["); at != std::string::npos; at = out.find("##[", at + 4))
    out.insert(at + 1, "\\");
  return out;
}

std::string TerminalBlock(std::string_view s, std::string_view prefix) {
  std::string out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view line = s.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    out += std::string(prefix) + TerminalText(line) + '\n';
    start = end + 1;
  }
  return out;
}

std::string EscapeData(std::string_view s) {
  // C1 controls and bidi overrides are dropped too: they would act on a terminal showing the log.
  std::string clean;
  ForEachCodePoint(CleanText(s), [&](char32_t cp, std::string_view bytes) {
    if (cp == '\n' || cp == '\r' || cp == '\t' || !IsTerminalControl(cp)) clean.append(bytes);
  });
  std::string out;
  for (char c : clean) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out;
}

std::string EscapeProperty(std::string_view s) {
  std::string out;
  for (char c : EscapeData(s)) {
    if (c == ':')
      out += "%3A";
    else if (c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

std::string MarkdownText(std::string_view s) {
  std::string out;
  for (char c : CleanText(s)) {
    switch (c) {
      case '|':
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '#':
      case '!':
      case '~':
        out += '\\';
        out += c;
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownCode(std::string_view s) {
  std::string out = "`";
  for (char c : CleanText(s)) {
    if (c == '|')
      out += "\\|";
    else if (c == '`')
      out += '\'';
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out + "`";
}

std::string MarkdownFenced(std::string_view text) {
  std::string clean = CleanText(text);
  size_t longest = 0, run = 0;
  for (char c : clean) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(std::max<size_t>(3, longest + 1), '`');
  return fence + "text\n" + clean + (clean.ends_with('\n') || clean.empty() ? "" : "\n") + fence +
         "\n";
}

std::string MermaidLabel(std::string_view s, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  ForEachCodePoint(s, [&](char32_t cp, std::string_view) {
    if (chars >= max_chars) return;
    ++chars;
    bool keep = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
                cp == ' ' || cp == '-' || cp == '.' || cp == '_' || cp == '/' || cp == '(' ||
                cp == ')' || cp == '+';
    out += keep ? static_cast<char>(cp) : '_';
  });
  return out;
}

std::string HtmlText(std::string_view s) {
  std::string out;
  for (char c : CleanText(s)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string UrlPath(std::string_view path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (!segment.empty() && segment != "." && segment != "..") {
      if (!out.empty()) out += '/';
      out += boost::urls::encode(CleanText(segment), boost::urls::pchars);
    }
    start = end + 1;
  }
  return out;
}

}  // namespace leakcheck::reporters
