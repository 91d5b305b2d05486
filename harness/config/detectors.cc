#include "harness/config/detectors.h"

#include "harness/config/loader.h"

namespace leakcheck::config {

namespace {

constexpr bool SpecsInEnumOrder() {
  for (size_t i = 0; i < kDetectorCount; ++i)
    if (static_cast<size_t>(kDetectorSpecs[i].id) != i) return false;
  return true;
}
static_assert(SpecsInEnumOrder(), "kDetectorSpecs[i] must describe Detector(i)");

}  // namespace

const DetectorSpec* FindDetector(std::string_view name) {
  for (const auto& spec : kDetectorSpecs)
    if (spec.report_name == name || spec.threshold_key == name) return &spec;
  return nullptr;
}

std::string_view ThresholdUnitWord(const DetectorSpec& spec) {
  switch (spec.threshold_unit) {
    case ThresholdUnit::kBytes:
      return "size";
    case ThresholdUnit::kFraction:
      return "percentage";
    case ThresholdUnit::kCount:
      break;
  }
  return spec.whole_number ? "whole number" : "number";
}

const char* DetectorName(Detector detector) {
  // Every key is a string literal of detectors.def: NUL-terminated.
  return SpecOf(detector).threshold_key.data();
}

std::vector<Threshold> DefaultThresholds() {
  std::vector<Threshold> out;
  out.reserve(kDetectorCount);
  for (const auto& spec : kDetectorSpecs)
    out.push_back(
        {spec.id, spec.default_limit, spec.threshold_unit, std::string(spec.default_text), {}});
  return out;
}

}  // namespace leakcheck::config
