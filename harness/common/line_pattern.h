#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

/// A user-supplied regular expression matched against lines of the app's output (`ready.log`).
///
/// RE2, not std::regex: the app's output is untrusted input and the pattern is the user's, so the
/// matcher must run in time linear in the line and in bounded stack whatever either holds.
/// libstdc++'s std::regex recurses per character (`.*listening on (\d+)` overflowed the stack on
/// a 64 KiB line) and backtracks exponentially (`(.*)+y`), and its compiler overflows on large
/// counts. RE2's syntax is Perl's without backreferences and lookaround.
namespace leakcheck {

class LinePattern {
 public:
  /// Longest pattern accepted: a readiness line needs far less.
  static constexpr size_t kMaxPatternLength = 1000;

  /// Compiles `pattern`; on error returns nullopt and sets `*error` (RE2's message).
  static std::optional<LinePattern> Compile(std::string_view pattern, std::string* error);

  LinePattern(LinePattern&&) noexcept;
  LinePattern& operator=(LinePattern&&) noexcept;
  ~LinePattern();

  /// True when the pattern matches somewhere in `line`. `*group1` (when given) receives the
  /// first capturing group's text, or is cleared when the pattern has none or it did not take part.
  bool Search(std::string_view line, std::string* group1 = nullptr) const;

 private:
  explicit LinePattern(std::unique_ptr<re2::RE2> re);
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace leakcheck
