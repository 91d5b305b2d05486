#include "harness/run/verdict.h"

#include <fmt/format.h>

#include "harness/config/detectors.h"
#include "harness/run/allow.h"

namespace leakcheck::run {

DetectorLimits LimitsFor(const config::Scenario& sc) {
  DetectorLimits limits{};
  for (const auto& spec : config::kDetectorSpecs)
    limits[static_cast<size_t>(spec.id)] = sc.threshold(spec.id).limit * spec.limit_scale;
  return limits;
}

const config::Threshold* ThresholdFor(const config::Scenario& sc, std::string_view report_name) {
  const config::DetectorSpec* spec = config::FindDetector(report_name);
  if (spec == nullptr || spec->report_name != report_name) return nullptr;
  for (const auto& t : sc.thresholds)
    if (t.detector == spec->id) return &t;
  return nullptr;
}

void ApplyAllowList(const config::Scenario& sc, CheckResult& c) {
  if (c.status != CheckStatus::kFailed) return;
  const config::DetectorSpec* spec = config::FindDetector(c.detector);
  if (spec != nullptr && !spec->allow) return;
  if (auto a = MatchAllow(sc.allow, c)) {
    c.status = CheckStatus::kAllowed;
    c.allowed_reason = a->reason.empty() ? "allowed by the scenario's allow list" : a->reason;
  }
}

void AddAllocationSites(const cdp::SamplingProfile& profile, std::vector<CheckResult>& checks) {
  std::vector<Evidence> sites;
  for (const auto& s : profile.sites) {
    if (s.url.empty() || s.url.starts_with("node:") || s.self_size <= 0) continue;
    Evidence e;
    e.kind = Evidence::Kind::kSourceLocation;
    std::string url = s.url.starts_with("file://") ? s.url.substr(7) : s.url;
    // V8's sampling heap profiler attributes a sample to the allocating function's frame, whose
    // position is where the function starts: the finest it gives. Say so rather than let
    // "server.js:16" read as the allocating line.
    const std::string position = s.column > 0 ? fmt::format("{}:{}:{}", url, s.line, s.column)
                                              : fmt::format("{}:{}", url, s.line);
    e.title = s.function_name.empty()
                  ? fmt::format("in an anonymous function at {}", position)
                  : fmt::format("in function `{}` at {}", s.function_name, position);
    e.bytes = s.self_size;
    e.detail =
        "(function start; V8 samples functions, not lines; sampling heap profiler, bytes still "
        "live)";
    if (s.line > 0) e.code = SourceLocation{url, s.line, s.column};
    sites.push_back(std::move(e));
    if (sites.size() == 3) break;
  }
  for (auto& c : checks) {
    if (c.status != CheckStatus::kFailed) continue;
    const config::DetectorSpec* spec = config::FindDetector(c.detector);
    if (spec != nullptr && spec->allocation_sites)
      c.evidence.insert(c.evidence.end(), sites.begin(), sites.end());
  }
}

void LocateCheck(const config::Scenario& sc, const SourceLocation& scenario_location,
                 CheckResult& c) {
  const config::Threshold* t = ThresholdFor(sc, c.detector);
  if (t && t->location.line > 0) {
    c.location = t->location;
    c.default_threshold = false;
  } else {
    c.location = scenario_location;
  }
}

std::string UndecidedReason(const std::vector<CheckResult>& checks) {
  std::string reason;
  for (const auto& c : checks) {
    if (c.undecided.empty()) continue;
    if (!reason.empty()) reason += "; ";
    reason += c.detector + ": " + c.undecided;
  }
  return reason;
}

void DecideInconclusive(std::vector<CheckResult>& checks, int extensions) {
  const CheckResult* http = nullptr;
  for (const auto& c : checks)
    if (c.detector == "http") http = &c;
  const bool requests_failed = http != nullptr && http->status == CheckStatus::kFailed;
  for (auto& c : checks) {
    if (&c == http) continue;
    if (requests_failed && c.status == CheckStatus::kPassed) {
      c.status = CheckStatus::kInconclusive;
      c.inconclusive_reason = fmt::format(
          "failed requests exceed the http limit ({}): memory measured while requests fail is "
          "no evidence that the app does not leak",
          http->summary);
    } else if (c.status == CheckStatus::kPassed &&
               c.undecided.rfind("the windows disagree", 0) == 0) {
      c.status = CheckStatus::kInconclusive;
      c.inconclusive_reason = fmt::format("{}, still after {} extension{} of the run", c.undecided,
                                          extensions, extensions == 1 ? "" : "s");
    }
  }
}

}  // namespace leakcheck::run
