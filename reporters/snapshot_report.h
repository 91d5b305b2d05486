#pragma once

#include <string>

#include <boost/json/value.hpp>

#include "harness/analysis/diff.h"
#include "harness/analysis/summary.h"

/// Renderings of `leakcheck analyze` and `leakcheck diff` results: text for terminals, JSON
/// for scripts. Nothing here computes; it only formats the structs analysis/ returns.
namespace leakcheck::reporters {

std::string SummaryText(const analysis::SnapshotSummary& s);
boost::json::value SummaryJson(const analysis::SnapshotSummary& s);

std::string DiffText(const analysis::SnapshotDiff& d, size_t max_rows);
boost::json::value DiffJson(const analysis::SnapshotDiff& d);

std::string SurvivorsText(const analysis::Survivors& s, size_t max_rows);
boost::json::value SurvivorsJson(const analysis::Survivors& s);

}  // namespace leakcheck::reporters
