#pragma once

#include <string>
#include <string_view>

/// The one JSON string escaper and unescaper of leakcheck. Every writer of JSON text either
/// builds a boost::json::value and serialises it, or (where JSON is composed around template
/// holes or streamed) quotes strings with these functions, which are Boost.JSON's serializer.
namespace leakcheck {

/// `s` as a quoted JSON string literal (`"a\"b"` for `a"b`), exactly as boost::json::serialize
/// writes a string: `"` and `\` escaped, `\b \f \n \r \t` in short form, other bytes below 0x20
/// as `\u00XX`; everything else (UTF-8, `/`, DEL) verbatim. Invalid UTF-8 passes through.
std::string QuoteJson(std::string_view s);

/// Appends `s` to `out` escaped for the inside of a JSON string (QuoteJson without the quotes).
void AppendJsonEscaped(std::string_view s, std::string& out);

/// Unescapes the body of a JSON string (the text between its quotes) and appends it to `out`.
/// Every escape of RFC 8259 is decoded; a `\uD8xx\uDCxx` surrogate pair becomes one 4-byte
/// UTF-8 sequence. A lone surrogate (a high one not followed by `\u` + a low one, or a low one
/// alone) becomes U+FFFD, the replacement character, so the output is valid UTF-8 whenever the
/// input was; the snapshot reader (snapshot/reader.cc) decodes lone surrogates the same way.
/// Returns false on a malformed escape (`\x`, a short `\u12`, a trailing `\`); `out` then holds
/// what was decoded before it.
bool UnescapeJson(std::string_view escaped, std::string& out);

}  // namespace leakcheck
