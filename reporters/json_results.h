#pragma once

#include <string>

#include <boost/json/value.hpp>

#include "harness/run/result.h"

/// results.json: the whole RunResult as JSON (schema in docs/results-schema.md and
/// docs/results.schema.json, versioned by `schema_version` = run::kResultsSchemaVersion), and
/// back. The reader is what `--baseline`, `leakcheck report` and merges use.
namespace leakcheck::reporters {

/// The RunResult as a JSON object; every field of result.h is there.
boost::json::value ResultsJson(const run::RunResult& r);

/// ResultsJson serialised, pretty-printed with two-space indents and a final newline.
std::string ResultsJsonText(const run::RunResult& r);

/// Writes ResultsJsonText to `path` (replacing it). Throws HarnessError("results", …) on I/O
/// errors.
void WriteResultsFile(const run::RunResult& r, const std::string& path);

/// Reads a results object back. Unknown fields are ignored (newer minor additions); a missing
/// or newer `schema_version`, or a field of the wrong type, throws InputError("results", …).
run::RunResult ResultsFromJson(const boost::json::value& v);

/// Reads and parses a results.json file; errors (InputError "results") name the file and field.
run::RunResult ReadResultsFile(const std::string& path);

}  // namespace leakcheck::reporters
