#pragma once

#include <vector>

#include "harness/load/stats.h"
#include "harness/run/result.h"

/// Failed requests a person can act on (docs/scenarios.md "Failed requests"): the driver's
/// per-route counts become RouteOutcome (with redacted, bounded body samples) and the `http`
/// check's evidence, one line per failing route and one per sample body. The `http` check itself
/// (CheckHttp, declared with the other detectors in detectors.h) is defined in routes.cc.
namespace leakcheck::run {

/// The driver's routes as results: statuses by code, failures by kind (only kinds that
/// occurred), each sample body redacted (common/redact.h) and cut to load::kRouteSampleBytes
/// at a UTF-8 boundary.
std::vector<RouteOutcome> ToRouteOutcomes(const std::vector<load::RouteStats>& routes);

/// Appends to the `http` check one kRoute evidence per route with failed requests ("GET
/// /x/{{ id }}" — "1,990 of 2,000 failed: 500 ×1,990; errors: status ×1,990", each kind with its
/// reason when there is one: "connect ×3 (Connection refused)") and one per sample
/// body ("500 body: {…}", on one line: control characters become spaces).
void AddRouteEvidence(const LoadStats& load, CheckResult& http);

}  // namespace leakcheck::run
