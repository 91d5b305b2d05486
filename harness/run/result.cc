#include "harness/run/result.h"

#include "harness/common/exit_status.h"
#include "harness/common/redact.h"

namespace leakcheck::run {

void RedactScenarioResult(ScenarioResult& s) {
  auto clean = [](std::string& text) { text = redact::Redact(text); };
  if (s.infrastructure_error) clean(*s.infrastructure_error);
  clean(s.infrastructure_stage);
  clean(s.app_stderr_tail);
  auto clean_checks = [&clean](std::vector<CheckResult>& checks) {
    for (CheckResult& c : checks) {
      clean(c.summary);
      clean(c.allowed_reason);
      clean(c.inconclusive_reason);
      for (Evidence& e : c.evidence) {
        clean(e.title);
        clean(e.detail);
      }
    }
  };
  clean_checks(s.checks);
  for (LoadStats* l : {&s.warmup, &s.load})
    for (RouteOutcome& r : l->routes) {
      for (BodySample& b : r.samples) clean(b.body);
      for (ErrorReason& e : r.reasons) clean(e.message);
    }
  for (ProcessResult& p : s.processes) {
    clean(p.problem);
    clean_checks(p.checks);
  }
}

int RunResult::ExitCode() const {
  if (interrupted) return kExitInterrupted;
  bool leak = false;
  for (const auto& s : scenarios) {
    if (s.infrastructure_error) return kExitFailure;
    for (const auto& c : s.checks)
      leak |= c.status == CheckStatus::kFailed ||
              (c.status == CheckStatus::kInconclusive && inconclusive == "fail");
  }
  return leak ? kExitLeak : kExitOk;
}

std::string_view CheckStatusName(CheckStatus s) {
  switch (s) {
    case CheckStatus::kPassed:
      return "passed";
    case CheckStatus::kFailed:
      return "failed";
    case CheckStatus::kAllowed:
      return "allowed";
    case CheckStatus::kSkipped:
      return "skipped";
    case CheckStatus::kInconclusive:
      return "inconclusive";
  }
  return "unknown";
}

std::string_view EvidenceKindName(Evidence::Kind k) {
  switch (k) {
    case Evidence::Kind::kGrowingClass:
      return "growing_class";
    case Evidence::Kind::kRetainerPath:
      return "retainer_path";
    case Evidence::Kind::kSourceLocation:
      return "source_location";
    case Evidence::Kind::kCollection:
      return "collection";
    case Evidence::Kind::kListener:
      return "listener";
    case Evidence::Kind::kHandle:
      return "handle";
    case Evidence::Kind::kNote:
      return "note";
    case Evidence::Kind::kRoute:
      return "route";
  }
  return "note";
}

}  // namespace leakcheck::run
