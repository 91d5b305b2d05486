// Fuzzes the scenario loader: YAML text -> ScenarioFile with diagnostics. Problems in the
// input must come back as diagnostics (or leakcheck::Error), never as a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "harness/common/error.h"
#include "harness/config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<leakcheck::config::Diagnostic> diagnostics;
  try {
    auto file = leakcheck::config::ParseScenarioText(text, "/fuzz/scenario.yaml", &diagnostics);
    (void)file;
  } catch (const leakcheck::Error&) {
  }
  for (const auto& d : diagnostics) (void)d.ToString();
  return 0;
}
