#include "harness/common/line_pattern.h"

#include <re2/re2.h>

#include <fmt/format.h>

namespace leakcheck {

std::optional<LinePattern> LinePattern::Compile(std::string_view pattern, std::string* error) {
  if (pattern.size() > kMaxPatternLength) {
    *error = fmt::format("longer than {} characters", kMaxPatternLength);
    return std::nullopt;
  }
  RE2::Options options;
  options.set_log_errors(false);  // the error goes into our message, not to stderr
  options.set_max_mem(8 << 20);   // the compiled program's budget
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    *error = re->error();
    return std::nullopt;
  }
  return LinePattern(std::move(re));
}

LinePattern::LinePattern(std::unique_ptr<RE2> re) : re_(std::move(re)) {}
LinePattern::LinePattern(LinePattern&&) noexcept = default;
LinePattern& LinePattern::operator=(LinePattern&&) noexcept = default;
LinePattern::~LinePattern() = default;

bool LinePattern::Search(std::string_view line, std::string* group1) const {
  re2::StringPiece text(line.data(), line.size());
  re2::StringPiece groups[2];
  const int n = re_->NumberOfCapturingGroups() >= 1 ? 2 : 1;
  if (!re_->Match(text, 0, text.size(), RE2::UNANCHORED, groups, n)) return false;
  if (group1) {
    if (n == 2 && groups[1].data() != nullptr) {
      group1->assign(groups[1].data(), groups[1].size());
    } else {
      group1->clear();
    }
  }
  return true;
}

}  // namespace leakcheck
