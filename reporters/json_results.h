#pragma once

#include "harness/run/result_json.h"

/// results.json moved beside the result model: harness/run/result_json.h reads and writes it
/// from the model's descriptions. These names remain so callers not yet switched keep building;
/// new code includes harness/run/result_json.h. (Remove once run_command.cc includes it.)
namespace leakcheck::reporters {

using run::ReadResultsFile;
using run::ResultsFromJson;
using run::ResultsJson;
using run::ResultsJsonText;
using run::WriteResultsFile;

}  // namespace leakcheck::reporters
