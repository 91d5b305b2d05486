#pragma once

#include <string>
#include <vector>

namespace leakcheck {

/// A plain-text table for terminal reports: left-aligned text columns, right-aligned
/// numeric columns, widths measured in terminal columns (DisplayColumns: wide CJK and emoji
/// count 2, combining marks 0) so UTF-8 names line up.
class TextTable {
 public:
  enum class Align { kLeft, kRight };

  explicit TextTable(std::vector<std::string> headers, std::vector<Align> aligns = {});
  void AddRow(std::vector<std::string> cells);
  /// Renders the header, a rule and the rows, each line ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

/// Terminal columns of a UTF-8 string (reporters::DisplayColumns).
size_t DisplayWidth(const std::string& s);

}  // namespace leakcheck
