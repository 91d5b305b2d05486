#include "reporters/values.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/common/exit_status.h"
#include "harness/common/format.h"

namespace leakcheck::reporters {

std::string MeasuredVsLimit(const run::CheckResult& c) {
  const char* op = c.status == run::CheckStatus::kFailed ? ">" : "<=";
  return fmt::format("{} {} limit {}", FormatMeasured(c.measured, c.unit), op,
                     FormatMeasured(c.limit, c.unit));
}

run::RunResult ForTerminal(const run::RunResult& r) {
  run::RunResult out = r;
  auto clean = [](std::string& s) { s = TerminalText(s); };
  for (auto& s : out.scenarios) {
    clean(s.name);
    clean(s.infrastructure_stage);
    if (s.infrastructure_error) clean(*s.infrastructure_error);
    for (auto& c : s.checks) {
      for (std::string* f : {&c.detector, &c.unit, &c.summary, &c.allowed_reason, &c.location.file})
        clean(*f);
      for (auto& e : c.evidence) {
        clean(e.title);
        clean(e.detail);
      }
    }
    for (auto& p : s.processes)
      for (std::string* f : {&p.role, &p.script, &p.label, &p.problem}) clean(*f);
  }
  for (std::string* f : {&out.scenario_file, &out.node_version, &out.leakcheck_version,
                         &out.baseline_file, &out.run_dir, &out.git_commit})
    clean(*f);
  return out;
}

void WriteTextFile(const std::string& path, std::string_view text, const char* stage, bool append) {
  std::ofstream f(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  errno = 0;
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  f.close();
  if (!f) {
    // The stream keeps no reason; errno is the failed open/write/close's ("No space left on
    // device").
    std::string why = errno ? std::string(": ") + std::strerror(errno) : "";
    throw HarnessError(
        stage, fmt::format("{}: cannot {}{}", path, append ? "append to it" : "write", why));
  }
}

std::string FormatLocation(const run::SourceLocation& loc) {
  if (loc.file.empty()) return "";
  return loc.line > 0 ? fmt::format("{}:{}", loc.file, loc.line) : loc.file;
}

CheckCounts CountChecks(const run::ScenarioResult& s) {
  CheckCounts n;
  for (const auto& c : s.checks) {
    switch (c.status) {
      case run::CheckStatus::kPassed:
        ++n.passed;
        break;
      case run::CheckStatus::kFailed:
        ++n.failed;
        break;
      case run::CheckStatus::kAllowed:
        ++n.allowed;
        break;
      case run::CheckStatus::kSkipped:
        ++n.skipped;
        break;
      case run::CheckStatus::kInconclusive:
        ++n.inconclusive;
        break;
    }
  }
  n.errors = s.infrastructure_error ? 1 : 0;
  return n;
}

CheckCounts CountChecks(const run::RunResult& r) {
  CheckCounts total;
  for (const auto& s : r.scenarios) {
    CheckCounts n = CountChecks(s);
    total.passed += n.passed;
    total.failed += n.failed;
    total.allowed += n.allowed;
    total.skipped += n.skipped;
    total.inconclusive += n.inconclusive;
    total.errors += n.errors;
  }
  return total;
}

std::string_view Outcome(const run::RunResult& r) {
  switch (r.ExitCode()) {
    case kExitOk:
      return "passed";
    case kExitLeak:
      return "failed";
    case kExitInterrupted:
      return "interrupted";
    default:
      return "error";
  }
}

std::string EvidenceLine(const run::Evidence& e) {
  std::string label;
  switch (e.kind) {
    case run::Evidence::Kind::kGrowingClass:
      label = "growing";
      break;
    case run::Evidence::Kind::kRetainerPath:
      label = "retainer path";
      break;
    case run::Evidence::Kind::kSourceLocation:
      label = "allocated at";
      break;
    case run::Evidence::Kind::kCollection:
      label = "collection";
      break;
    case run::Evidence::Kind::kListener:
      label = "listener";
      break;
    case run::Evidence::Kind::kHandle:
      label = "handle";
      break;
    case run::Evidence::Kind::kNote:
      label = "note";
      break;
    case run::Evidence::Kind::kRoute:
      label = "route";
      break;
  }
  std::string line = label + ": " + e.title;
  if (!e.detail.empty()) line += (e.title.empty() ? "" : " ") + e.detail;
  std::string numbers;
  if (e.count != 0)
    numbers += fmt::format("{}{}", numbers.empty() ? "" : ", ", FormatCount(e.count));
  if (e.per_iteration != 0)
    numbers += fmt::format("{}{:.3g}/iteration", numbers.empty() ? "" : ", ", e.per_iteration);
  if (e.bytes != 0)
    numbers += fmt::format("{}{}", numbers.empty() ? "" : ", ",
                           FormatSignedBytes(static_cast<double>(e.bytes)));
  if (!numbers.empty()) line += " (" + numbers + ")";
  return line;
}

HeapChart HeapChartOf(const run::ScenarioResult& s) {
  HeapChart c;
  if (s.checkpoints.size() < 2) return c;
  for (const auto& p : s.checkpoints) {
    c.x.push_back(static_cast<double>(p.iteration));
    c.heap.push_back(p.heap_used - p.code);
    c.external.push_back(p.external);
    c.snapshot.push_back(p.snapshot_taken || !p.snapshot.empty());
  }
  double mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < c.x.size(); ++i) {
    mean_x += c.x[i] / static_cast<double>(c.x.size());
    mean_y += c.heap[i] / static_cast<double>(c.x.size());
  }
  for (const auto& check : s.checks) {
    if (check.detector != "heap_per_iteration") continue;
    c.has_slope = true;
    c.failed = check.status == run::CheckStatus::kFailed;
    c.fit_first = mean_y + check.measured * (c.x.front() - mean_x);
    c.fit_last = mean_y + check.measured * (c.x.back() - mean_x);
    c.limit_first = c.heap.front();
    c.limit_last = c.heap.front() + check.limit * (c.x.back() - c.x.front());
  }
  return c;
}

}  // namespace leakcheck::reporters
