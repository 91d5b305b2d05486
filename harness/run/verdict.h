#pragma once

#include <string_view>
#include <vector>

#include "harness/cdp/session.h"
#include "harness/config/scenario.h"
#include "harness/run/detectors.h"
#include "harness/run/result.h"

/// The verdict: a scenario's thresholds become limits, the detectors' checks get their YAML
/// locations, allocation sites and allow entries (each as the detector registry says), and
/// the scenario passes or fails. Pure functions of their inputs.
namespace leakcheck::run {

/// The limits the scenario's thresholds (or their defaults) set, in the detectors' report
/// units: threshold × the registry's limit_scale (http_errors 0.01 → 1 %).
DetectorLimits LimitsFor(const config::Scenario& scenario);

/// The threshold of the check named `report_name` ("http" → the `http_errors` threshold), or
/// nullptr for a name the registry does not know ("baseline").
const config::Threshold* ThresholdFor(const config::Scenario& scenario,
                                      std::string_view report_name);

/// Adds the sampling heap profiler's top 3 sites in the app's own code (not `node:` internals,
/// positive self size) as evidence to every failed check whose registry entry takes
/// allocation sites. Each reads "in function `f` at server.js:16:20" with its detail saying
/// that is the function's start: V8's sampling heap profiler names the allocating function's
/// position, not the allocating line (docs/attribution.md); Evidence::code holds the position.
void AddAllocationSites(const cdp::SamplingProfile& profile, std::vector<CheckResult>& checks);

/// An allow entry accepts a failed check (of a detector whose registry entry allows it) when
/// its class or path appears in the check's summary or its 3 leading evidence items (the
/// culprit); the check is still reported, as kAllowed with the entry's reason.
void ApplyAllowList(const config::Scenario& scenario, CheckResult& check);

/// Every check's location: its threshold's YAML line, or the scenario's (`scenario_location`)
/// for a default (then default_threshold stays true).
void LocateCheck(const config::Scenario& scenario, const SourceLocation& scenario_location,
                 CheckResult& check);

/// The extension rule (docs/verdicts.md "Extension"): at most kMaxExtensions extensions of
/// the measured run, each kExtensionShare of the scenario's `run:` iterations (or duration),
/// ending in one more checkpoint.
inline constexpr int kMaxExtensions = 2;
inline constexpr double kExtensionShare = 0.5;

/// Why the checks measured so far cannot be decided yet (a check's `undecided`, prefixed with
/// its name), or empty when every check decided: then the run is not extended.
std::string UndecidedReason(const std::vector<CheckResult>& checks);

/// The final word on checks that cannot decide (docs/verdicts.md "Inconclusive"): a check whose
/// windows still disagree after `extensions` extensions is kInconclusive; when the http check
/// failed (failed requests over its limit), every memory check that passed is kInconclusive,
/// since memory measured while requests fail says nothing about a leak. Each with its reason.
void DecideInconclusive(std::vector<CheckResult>& checks, int extensions);

}  // namespace leakcheck::run
