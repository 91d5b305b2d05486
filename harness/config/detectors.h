#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "harness/config/scenario.h"

/// The detector registry's declarative half (harness/config/detectors.def): what the loader,
/// the defaults, the reports and the docs need to know about each detector. The check function
/// of each entry is bound in harness/run/detectors.cc from the same list.
namespace leakcheck::config {

/// One detector, as declared in detectors.def (the fields are documented there).
struct DetectorSpec {
  Detector id;
  std::string_view threshold_key;  ///< YAML key under `thresholds:` ("http_errors")
  std::string_view report_name;    ///< name in reports and JUnit ("http")
  ThresholdUnit threshold_unit;    ///< unit of the YAML value
  bool whole_number;               ///< a kCount threshold that must be an integer
  double default_limit;            ///< in the threshold's unit (fraction: 0.01 = 1%)
  std::string_view default_text;   ///< "128B", "1%"
  double limit_scale;              ///< threshold × scale = limit in `report_unit`
  std::string_view report_unit;    ///< unit of the check's measured value and limit
  bool allocation_sites;           ///< a failure gets the sampling profiler's sites as evidence
  bool allow;                      ///< `allow:` entries can accept a failure
};

/// Every detector, in Detector (= report) order: kDetectorSpecs[i].id == Detector(i).
inline constexpr DetectorSpec kDetectorSpecs[] = {
#define LEAKCHECK_DETECTOR(enumerator, key, name, unit, whole, limit, text, scale, report_unit, \
                           sites, allow, check)                                                 \
  {Detector::enumerator, key,   name, ThresholdUnit::unit, whole, limit, text, scale,           \
   report_unit,          sites, allow},
#include "harness/config/detectors.def"
#undef LEAKCHECK_DETECTOR
};

/// How many detectors there are.
inline constexpr size_t kDetectorCount = std::size(kDetectorSpecs);

/// The YAML threshold keys, in Detector order (what `thresholds:` accepts).
inline constexpr std::string_view kThresholdKeys[] = {
#define LEAKCHECK_DETECTOR(enumerator, key, ...) key,
#include "harness/config/detectors.def"
#undef LEAKCHECK_DETECTOR
};

/// The spec of `detector`.
constexpr const DetectorSpec& SpecOf(Detector detector) {
  return kDetectorSpecs[static_cast<size_t>(detector)];
}

/// The spec whose report name ("http") or threshold key ("http_errors") is `name`; nullptr
/// when no detector has that name.
const DetectorSpec* FindDetector(std::string_view name);

/// How docs/scenarios.md names a threshold's unit: "size", "number", "whole number",
/// "percentage".
std::string_view ThresholdUnitWord(const DetectorSpec& spec);

}  // namespace leakcheck::config
