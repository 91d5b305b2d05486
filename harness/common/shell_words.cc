#include "harness/common/shell_words.h"

namespace leakcheck {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::optional<std::vector<std::string>> SplitShellWords(std::string_view command,
                                                        std::string* error) {
  auto fail = [error](const char* why) -> std::optional<std::vector<std::string>> {
    if (error) *error = why;
    return std::nullopt;
  };
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (IsBlank(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    if (c == '\\') {
      if (++i == command.size()) return fail("trailing backslash");
      if (command[i] == '\n') continue;  // a line continuation joins the lines
      word += command[i];
    } else if (c == '\'') {
      size_t end = command.find('\'', i + 1);
      if (end == std::string_view::npos) return fail("unterminated '");
      word.append(command.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= command.size()) return fail("unterminated \"");
        char d = command[i];
        if (d == '"') break;
        if (d == '\\' && i + 1 < command.size() &&
            std::string_view("\"\\$`\n").find(command[i + 1]) != std::string_view::npos) {
          d = command[++i];
          if (d == '\n') continue;
        }
        word += d;
      }
    } else {
      word += c;
    }
    in_word = true;
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace leakcheck
