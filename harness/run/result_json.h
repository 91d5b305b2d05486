#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include <boost/describe/members.hpp>
#include <boost/json/conversion.hpp>
#include <boost/json/value.hpp>

#include "harness/run/result.h"

/// results.json, beside the model it persists: the whole RunResult as JSON (schema in
/// docs/results-schema.md and docs/results.schema.json, versioned by `schema_version` =
/// kResultsSchemaVersion), and back. Writer and reader walk the same descriptions (the
/// BOOST_DESCRIBE_STRUCT lines of result.h), so a field cannot be written and not read:
/// - fields appear in the order the descriptions list them, after `schema_version`, `outcome`
///   and `exit_code` (derived, written, ignored on reading);
/// - a non-finite double is written as `null` and a `null` double reads back as NaN (JSON has no
///   NaN or Infinity); an empty std::optional is `null`;
/// - `std::vector<std::pair<std::string, int64_t>>` (counts by name) is an object;
/// - CheckStatus and Evidence::Kind are their names (CheckStatusName, EvidenceKindName);
/// - LoadStats' latency_*_ms fields are the object `latency_ms` {p50, p90, p99, max}.
/// The reader (what `--baseline`, `leakcheck report` and merges use) ignores unknown fields
/// (newer minor additions) and leaves missing ones at their defaults — a missing `measured` or
/// `limit` reads as NaN (unknown), not 0. A missing or newer `schema_version`, a field of the
/// wrong type or an unknown check status throws InputError("results", "<field path>: …"),
/// e.g. "scenarios[0].name: expected a string"; an unknown evidence kind reads as a note.
namespace leakcheck::run {

/// Boost.JSON's conversion for every described struct of result.h (RunResult, ScenarioResult,
/// CheckResult, Evidence, CheckpointSample, LoadStats, PhaseTimes, SourceLocation):
/// `boost::json::value_from(x)` writes it by the rules above. (The results-only fields
/// `schema_version`, `outcome` and `exit_code` are added by ResultsJson.)
template <typename T, typename = std::enable_if_t<boost::describe::has_describe_members<T>::value>>
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const T& v);

/// The reverse: `boost::json::value_to<T>(v)` reads by the rules above; errors name the field
/// path from `v`.
template <typename T, typename = std::enable_if_t<boost::describe::has_describe_members<T>::value>>
T tag_invoke(boost::json::value_to_tag<T>, const boost::json::value& v);

/// The `outcome` field: "passed", "failed" (a leak), "interrupted" or "error" (exit 3).
std::string_view ResultOutcome(const RunResult& r);

/// The RunResult as a JSON object; every described field of result.h is there.
boost::json::value ResultsJson(const RunResult& r);

/// ResultsJson serialised, pretty-printed with two-space indents and a final newline.
std::string ResultsJsonText(const RunResult& r);

/// Writes ResultsJsonText to `path` (replacing it, mode 0600). Throws HarnessError("results", …)
/// on I/O errors.
void WriteResultsFile(const RunResult& r, const std::string& path);

/// Reads a results object back (rules above).
RunResult ResultsFromJson(const boost::json::value& v);

/// Reads and parses a results.json file; errors (InputError "results") name the file and field.
RunResult ReadResultsFile(const std::string& path);

}  // namespace leakcheck::run
