#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "harness/analysis/diff.h"
#include "harness/analysis/summary.h"

/// Renderings of `leakcheck analyze` and `leakcheck diff` results: text for terminals, JSON
/// for scripts. Nothing here computes; it only formats the structs analysis/ returns.
namespace leakcheck::reporters {

/// `s` with the characters a terminal or a CI log would act on made visible: \n \r \t as
/// such, other C0 controls and DEL as \xNN, C1 controls and U+2028/2029 as \uNNNN. Heap
/// content (property names, strings, script names) is untrusted: a raw newline in a retainer
/// path could start a GitHub Actions workflow command ("::error ...") in a CI log. Every
/// name the text renderings print goes through it (JSON escapes by itself).
std::string ShowName(std::string_view s);

std::string SummaryText(const analysis::SnapshotSummary& s);
boost::json::value SummaryJson(const analysis::SnapshotSummary& s);

std::string DiffText(const analysis::SnapshotDiff& d, size_t max_rows);
boost::json::value DiffJson(const analysis::SnapshotDiff& d);

std::string SurvivorsText(const analysis::Survivors& s, size_t max_rows);
boost::json::value SurvivorsJson(const analysis::Survivors& s);

}  // namespace leakcheck::reporters
