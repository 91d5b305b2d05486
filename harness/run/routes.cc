#include "harness/run/routes.h"

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "harness/common/format.h"
#include "harness/common/redact.h"
#include "harness/run/detectors.h"

namespace leakcheck::run {
namespace {

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view CutUtf8(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  for (int back = 0; back < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80;
       ++back)
    --end;
  return text.substr(0, end);
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char ch : text) {
    bool control = static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
    if (control || ch == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
  }
  return out;
}

}  // namespace

std::vector<RouteOutcome> ToRouteOutcomes(const std::vector<load::RouteStats>& routes) {
  std::vector<RouteOutcome> out;
  out.reserve(routes.size());
  for (const load::RouteStats& r : routes) {
    RouteOutcome o;
    o.route = r.route;
    o.requests = r.requests;
    o.failed = r.failed;
    for (const auto& [code, n] : r.statuses) o.statuses.emplace_back(std::to_string(code), n);
    for (int k = 0; k < load::kErrorKinds; ++k)
      if (int64_t n = r.errors[static_cast<size_t>(k)]; n != 0)
        o.errors.emplace_back(load::ErrorKindName(static_cast<load::ErrorKind>(k)), n);
    for (const load::BodySample& s : r.samples) {
      // Redacted whole (a secret is never cut in two before it is found), then bounded.
      std::string redacted = redact::Redact(s.body);
      std::string_view kept = CutUtf8(redacted, load::kRouteSampleBytes);
      o.samples.push_back(
          {s.status, std::string(kept),
           kept.size() < redacted.size() || s.body.size() >= load::kRouteSampleKeep});
    }
    for (int k = 0; k < load::kErrorKinds; ++k)
      if (const std::string& why = r.reasons[static_cast<size_t>(k)]; !why.empty())
        o.reasons.push_back(
            {load::ErrorKindName(static_cast<load::ErrorKind>(k)),
             std::string(CutUtf8(OneLine(redact::Redact(why)), load::kRouteSampleBytes))});
    out.push_back(std::move(o));
  }
  return out;
}

void AddRouteEvidence(const LoadStats& load, CheckResult& http) {
  for (const RouteOutcome& r : load.routes) {
    if (r.failed == 0) continue;
    std::string detail =
        fmt::format("— {} of {} failed", FormatCount(r.failed), FormatCount(r.requests));
    std::string statuses;
    for (const auto& [code, n] : r.statuses)
      statuses += fmt::format("{}{} ×{}", statuses.empty() ? "" : ", ", code, FormatCount(n));
    if (!statuses.empty()) detail += ": " + statuses;
    std::string errors;
    for (const auto& [kind, n] : r.errors) {
      errors += fmt::format("{}{} ×{}", errors.empty() ? "" : ", ", kind, FormatCount(n));
      for (const ErrorReason& why : r.reasons)
        if (why.kind == kind) errors += fmt::format(" ({})", why.message);
    }
    if (!errors.empty()) detail += "; errors: " + errors;
    http.evidence.push_back({Evidence::Kind::kRoute, r.route, detail, 0, 0, 0});
    for (const BodySample& s : r.samples)
      http.evidence.push_back(
          {Evidence::Kind::kRoute, r.route,
           fmt::format("— {} body: {}{}", s.status, OneLine(s.body), s.truncated ? " …" : ""), 0, 0,
           0});
  }
}

CheckResult CheckHttp(const DetectorInput& in, double limit_percent) {
  const auto& l = in.load;
  if (l.requests == 0) {
    CheckResult c = NewCheck("http", 100, limit_percent);
    c.status = CheckStatus::kFailed;
    c.summary = "the flow sent no requests: the scenario measured nothing";
    return c;
  }
  double failed = static_cast<double>(l.errors);
  double percent = 100.0 * failed / static_cast<double>(l.requests);
  CheckResult c = NewCheck("http", percent, limit_percent);
  c.summary =
      fmt::format("{} of {} requests failed ({:.2f}%; limit {}%), {:.0f} req/s, p99 {:.1f} ms",
                  FormatCount(l.errors), FormatCount(l.requests), percent, limit_percent,
                  l.requests_per_second, l.latency_p99_ms);
  for (const auto& [kind, n] : l.errors_by_kind) {
    if (n == 0) continue;
    Evidence e;
    e.kind = Evidence::Kind::kNote;
    e.title = kind;
    e.count = n;
    e.detail = "errors";
    c.evidence.push_back(std::move(e));
  }
  AddRouteEvidence(l, c);
  return c;
}

}  // namespace leakcheck::run
