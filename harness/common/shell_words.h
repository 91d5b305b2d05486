#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakcheck {

/// Splits a command string into words like a POSIX shell does for a simple command, without
/// running one and without any expansion (`$HOME`, `*` and `~` stay as written). The rules, from
/// POSIX "Shell Command Language" 2.2 (quoting) and 2.3 (token recognition):
/// - space, tab, newline and carriage return separate words; other bytes belong to words;
/// - a backslash outside quotes keeps the next character literally; backslash-newline is a line
///   continuation and disappears; a backslash at the very end is an error (there is nothing to
///   escape: `node server.js \` is a truncated line, not a word `\`);
/// - single quotes keep everything up to the next `'` literally (backslashes too);
/// - double quotes keep everything but `\"`, `\\`, `\$`, `` \` `` (the backslash goes) and
///   backslash-newline (both go);
/// - quotes join with adjacent text (`x'y'z` is `xyz`), and `''` or `""` is an empty word.
/// An empty or blank command gives no words (callers decide whether that is an error).
/// Returns nullopt on an unterminated quote or a trailing backslash, with `*error` (when given)
/// saying which: "unterminated '", "unterminated \"", "trailing backslash".
std::optional<std::vector<std::string>> SplitShellWords(std::string_view command,
                                                        std::string* error = nullptr);

}  // namespace leakcheck
