#pragma once

#include <cstddef>
#include <string>
#include <string_view>

/// The one escaping layer of the reporters: one function (family) per destination. Every string
/// that comes from the app or its heap (class and property names, retainer paths, source files,
/// stderr, error messages) goes through the function of the place it is written to, at the point
/// where it is written, so that nothing the app controls can forge output: no terminal escape
/// sequence, no GitHub workflow command, no Markdown/HTML markup, no broken XML. The rules and
/// where they come from are in docs/reporters.md ("Escaping").
namespace leakcheck::reporters {

// ---- shared ----------------------------------------------------------------------------------

/// Length in bytes of the valid UTF-8 sequence at `s[i]` and its code point in `cp`; 0 when the
/// bytes there are not valid UTF-8 (overlong, surrogate, above U+10FFFF, cut short).
size_t Utf8Sequence(std::string_view s, size_t i, char32_t& cp);

/// Replaces invalid UTF-8 with U+FFFD and drops the control characters XML 1.0 forbids
/// (everything below 0x20 but \t \n \r, and U+FFFE/U+FFFF) and DEL; the rest is kept as it is.
/// The XML (JUnit) layer: tinyxml2 then escapes < > & " '.
std::string CleanText(std::string_view s);

/// Columns a UTF-8 string takes in a terminal: East Asian wide and fullwidth characters and
/// emoji count 2, combining marks and zero-width characters 0, everything else 1 (the rules of
/// Unicode's EastAsianWidth.txt, as wcwidth(3) applies them, for the ranges names use).
size_t DisplayColumns(std::string_view s);

// ---- terminal (console report, analyze/diff text) ---------------------------------------------

/// One line of untrusted text for a terminal or a CI log: invalid UTF-8 becomes U+FFFD; C0 and
/// C1 controls, DEL and ESC become visible escapes (`\n`, `\t`, `\x1b`, `\u{9b}`); Unicode line
/// separators and bidirectional overrides (U+2028/9, U+202A–E, U+2066–9) become `\u{…}`. Since
/// GitHub's runner reads workflow commands from the job's stdout (a line whose text after
/// leading whitespace starts with `::`, or holding `##[`), a leading `::` becomes `\::` and
/// `##[` becomes `#\#[`.
std::string TerminalText(std::string_view s);

/// Multi-line untrusted text (an app's stderr) for a terminal: each line through TerminalText,
/// prefixed with `prefix` (which must hold a non-blank character, e.g. "    │ ", so that no line
/// can start a workflow command), each ending in '\n'. CRLF counts as one line break.
std::string TerminalBlock(std::string_view s, std::string_view prefix);

// ---- GitHub workflow commands -----------------------------------------------------------------

/// A workflow command's message (data): CleanText (and C1 controls and bidi overrides dropped),
/// then % \r \n as %25 %0D %0A (the runner's own escaping, actions/toolkit `escapeData`), so
/// the message stays on its one line.
std::string EscapeData(std::string_view s);
/// A workflow command's property value: EscapeData plus : and , as %3A %2C (`escapeProperty`).
std::string EscapeProperty(std::string_view s);

// ---- Markdown (GitHub step summary) -----------------------------------------------------------

/// Text in a table cell, a heading or a paragraph: one line (CR/LF as spaces), `|` as `\|`,
/// `< > &` as entities, and the ASCII punctuation GFM gives meaning to (`\ ` * _ [ ] # ! ~`)
/// backslash-escaped, so a name cannot open a link, an image, emphasis or a tag.
std::string MarkdownText(std::string_view s);

/// A code span in a table cell: entities would show literally there, so only `|` is escaped
/// (`\|`, which GFM tables honour inside code) and backticks become `'`.
std::string MarkdownCode(std::string_view s);

/// A fenced code block whose fence is longer than any run of backticks inside (so the text
/// cannot close it); info string `text`; ends with '\n'.
std::string MarkdownFenced(std::string_view s);

/// Text inside a double-quoted Mermaid label (an `xychart-beta` title or axis name): only
/// letters, digits, space and `- . _ / ( ) +` are kept, anything else (quotes, `#` entity codes,
/// `%%` comments, `;`, line breaks, markup) becomes `_`, at most `max_chars` code points.
std::string MermaidLabel(std::string_view s, size_t max_chars = 60);

// ---- HTML (report.html) -----------------------------------------------------------------------

/// Text for an HTML element's content or a quoted attribute value: CleanText, then
/// `& < > " '` as entities. Line breaks are kept (a <pre> shows them).
std::string HtmlText(std::string_view s);

/// A path inside a URL: each segment percent-encoded (Boost.URL's path-segment charset), `/`
/// kept; a `..` or `.` segment is dropped. For links built from trusted parts plus a file name.
std::string UrlPath(std::string_view path);

}  // namespace leakcheck::reporters
