#pragma once

// Parsing a scenario file's text in the config unit tests: every diagnostic as a string, or a
// file that must parse without one.
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "harness/config/loader.h"

namespace leakcheck::config::testing {

/// Every diagnostic of `yaml` (as the file "t.yaml"), formatted "t.yaml:LINE:COL: message".
inline std::vector<std::string> Errors(std::string_view yaml) {
  std::vector<Diagnostic> diagnostics;
  ParseScenarioText(yaml, "t.yaml", &diagnostics);
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(d.ToString());
  return out;
}

/// `yaml` parsed; each diagnostic is a test failure.
inline ScenarioFile MustParse(std::string_view yaml) {
  std::vector<Diagnostic> diagnostics;
  ScenarioFile file = ParseScenarioText(yaml, "t.yaml", &diagnostics);
  for (const Diagnostic& d : diagnostics) ADD_FAILURE() << d.ToString();
  return file;
}

}  // namespace leakcheck::config::testing
