#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/config/scenario.h"

namespace leakcheck::config {

/// One problem found in a scenario file.
struct Diagnostic {
  SourceLocation location;
  std::string message;

  /// "file:line:col: message"
  std::string ToString() const;
};

/// Parses and validates `text` as the scenario file `path` (used for messages and to
/// resolve relative paths). Appends every problem found to `*diagnostics`; the returned
/// model is complete only when none were.
ScenarioFile ParseScenarioText(std::string_view text, const std::string& path,
                               std::vector<Diagnostic>* diagnostics);

/// Reads and validates a scenario file without running anything. Returns all problems,
/// in file order (an unreadable file gives one diagnostic at line 0).
std::vector<Diagnostic> ValidateScenarioFile(const std::string& path);

/// Reads a scenario file; throws InputError("config", "file:line:col: message") for the
/// first problem (and says how many more there are).
ScenarioFile LoadScenarioFile(const std::string& path);

/// The threshold defaults (docs/scenarios.md), one per detector, in Detector order.
std::vector<Threshold> DefaultThresholds();

}  // namespace leakcheck::config
