#include "harness/run/baseline.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "harness/common/format.h"

namespace leakcheck::run {

double RisePercent(double current, double baseline, double limit, double noise_floor) {
  double scale = std::max(std::fabs(baseline), noise_floor * std::fabs(limit));
  if (!(scale > 0)) scale = 1;
  return (current - baseline) / scale * 100;
}

namespace {

const ScenarioResult* FindScenario(const RunResult& r, const std::string& name) {
  for (const auto& s : r.scenarios)
    if (s.name == name) return &s;
  return nullptr;
}

const CheckResult* FindCheck(const ScenarioResult& s, const std::string& detector) {
  for (const auto& c : s.checks)
    if (c.detector == detector && c.detector != "baseline") return &c;
  return nullptr;
}

bool Comparable(const CheckResult& c) {
  return (c.status == CheckStatus::kPassed || c.status == CheckStatus::kFailed) &&
         std::isfinite(c.measured);
}

CheckResult Compare(ScenarioResult& s, const ScenarioResult* base, const BaselineOptions& o) {
  CheckResult check;
  check.detector = "baseline";
  check.unit = "%";
  check.limit = o.margin_percent;
  check.default_threshold = false;
  check.location = o.location.file.empty() ? s.location : o.location;
  if (base == nullptr || base->infrastructure_error || s.infrastructure_error) {
    check.status = CheckStatus::kSkipped;
    check.summary = base == nullptr
                        ? "the baseline has no scenario of this name"
                        : "the scenario did not run to the end in this run or in the baseline";
    return check;
  }
  double worst = -std::numeric_limits<double>::infinity();
  int compared = 0;
  for (auto& c : s.checks) {
    const CheckResult* b = Comparable(c) ? FindCheck(*base, c.detector) : nullptr;
    if (b == nullptr || !Comparable(*b)) continue;
    c.baseline_measured = b->measured;
    ++compared;
    double rise = RisePercent(c.measured, b->measured, c.limit, o.noise_floor);
    worst = std::max(worst, rise);
    if (rise > o.margin_percent)
      check.evidence.push_back({Evidence::Kind::kNote, c.detector,
                                fmt::format("rose {:.0f}%: {} → {} (margin {:.0f}%)", rise,
                                            FormatMeasured(b->measured, c.unit),
                                            FormatMeasured(c.measured, c.unit), o.margin_percent)});
  }
  if (compared == 0) {
    check.status = CheckStatus::kSkipped;
    check.summary = "no detector was measured in both runs";
    return check;
  }
  check.measured = worst;
  check.status = check.evidence.empty() ? CheckStatus::kPassed : CheckStatus::kFailed;
  check.summary =
      check.evidence.empty()
          ? fmt::format("no detector rose more than {:.0f}% over the baseline ({} compared)",
                        o.margin_percent, compared)
          : fmt::format("{} of {} detectors rose more than {:.0f}% over the baseline",
                        check.evidence.size(), compared, o.margin_percent);
  return check;
}

}  // namespace

void ApplyBaseline(RunResult& current, const RunResult& baseline, const BaselineOptions& options) {
  current.baseline_file = options.baseline_file;
  for (auto& s : current.scenarios) {
    std::erase_if(s.checks, [](const CheckResult& c) { return c.detector == "baseline"; });
    CheckResult check = Compare(s, FindScenario(baseline, s.name), options);
    if (check.status == CheckStatus::kFailed) s.passed = false;
    s.checks.push_back(std::move(check));
  }
}

}  // namespace leakcheck::run
