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

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when invalid (overlong, surrogate, > U+10FFFF).
size_t Utf8Length(std::string_view s, size_t i, uint32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::string CleanText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = Utf8Length(s, i, cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for each invalid byte
      ++i;
      continue;
    }
    bool forbidden = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
                     cp == 0xFFFF || cp == 0x7F;
    if (!forbidden) out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

run::RunResult Sanitized(const run::RunResult& r) {
  run::RunResult out = r;
  auto clean = [](std::string& s) { s = CleanText(s); };
  for (auto& s : out.scenarios) {
    clean(s.name);
    clean(s.infrastructure_stage);
    clean(s.app_stderr_tail);
    if (s.infrastructure_error) clean(*s.infrastructure_error);
    for (auto& c : s.checks) {
      for (std::string* f : {&c.detector, &c.unit, &c.summary, &c.allowed_reason, &c.location.file})
        clean(*f);
      for (auto& e : c.evidence) {
        clean(e.title);
        clean(e.detail);
      }
    }
  }
  for (std::string* f :
       {&out.scenario_file, &out.node_version, &out.leakcheck_version, &out.baseline_file})
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

}  // namespace leakcheck::reporters
