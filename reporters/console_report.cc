#include "reporters/console_report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/common/format.h"
#include "harness/run/processes.h"
#include "reporters/escape.h"
#include "reporters/text_table.h"
#include "reporters/values.h"

namespace leakcheck::reporters {

ColorMode ParseColorMode(std::string_view s) {
  if (s == "auto") return ColorMode::kAuto;
  if (s == "always") return ColorMode::kAlways;
  if (s == "never") return ColorMode::kNever;
  throw InputError("options",
                   fmt::format("--color: expected auto, always or never, got \"{}\"", s));
}

bool ShouldColor(ColorMode mode, bool is_tty, const char* no_color, const char* term) {
  if (mode != ColorMode::kAuto) return mode == ColorMode::kAlways;
  if (no_color != nullptr && *no_color != '\0') return false;
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return is_tty;
}

bool ShouldColor(ColorMode mode, FILE* stream) {
  return ShouldColor(mode, isatty(fileno(stream)) != 0, std::getenv("NO_COLOR"),
                     std::getenv("TERM"));
}

namespace {

// SGR codes; Paint returns the text untouched when colour is off.
constexpr const char* kRed = "1;31";
constexpr const char* kGreen = "32";
constexpr const char* kYellow = "33";
constexpr const char* kDim = "2";
constexpr const char* kBold = "1";

std::string Paint(bool color, const char* sgr, std::string_view text) {
  if (!color) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", sgr, text);
}

const char* StatusWord(run::CheckStatus s) {
  switch (s) {
    case run::CheckStatus::kPassed:
      return "pass";
    case run::CheckStatus::kFailed:
      return "FAIL";
    case run::CheckStatus::kAllowed:
      return "allowed";
    case run::CheckStatus::kSkipped:
      return "skipped";
    case run::CheckStatus::kInconclusive:
      return "INCONCLUSIVE";
  }
  return "?";
}

const char* StatusColor(run::CheckStatus s) {
  switch (s) {
    case run::CheckStatus::kPassed:
      return kGreen;
    case run::CheckStatus::kFailed:
      return kRed;
    case run::CheckStatus::kAllowed:
      return kYellow;
    case run::CheckStatus::kSkipped:
      return kDim;
    case run::CheckStatus::kInconclusive:
      return kYellow;
  }
  return kDim;
}

std::string Indent(const std::string& text, std::string_view pad) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += std::string(pad) + text.substr(start, end - start) + '\n';
    start = end + 1;
  }
  return out;
}

std::string ScenarioHeading(const run::ScenarioResult& s, bool color) {
  CheckCounts n = CountChecks(s);
  std::string word = n.errors   ? Paint(color, kRed, "ERROR")
                     : n.failed ? Paint(color, kRed, "FAILED")
                                : Paint(color, kGreen, "passed");
  std::string line = Paint(color, kBold, s.name) + " — " + word;
  if (s.load.iterations > 0)
    line += fmt::format(" · {} iterations", FormatCount(s.load.iterations));
  if (s.load.requests_per_second > 0)
    line += fmt::format(" · {:.0f} req/s", s.load.requests_per_second);
  if (s.duration_seconds > 0) line += fmt::format(" · {:.1f} s", s.duration_seconds);
  return line + '\n';
}

// The checks table; the status word (first column) is coloured after alignment.
std::string ChecksTable(const run::ScenarioResult& s, bool color) {
  TextTable t({"status", "check", "measured", "limit", "note"},
              {TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kRight,
               TextTable::Align::kRight, TextTable::Align::kLeft});
  for (const auto& c : s.checks) {
    std::string note = c.status == run::CheckStatus::kAllowed        ? c.allowed_reason
                       : c.status == run::CheckStatus::kSkipped      ? c.summary
                       : c.status == run::CheckStatus::kInconclusive ? c.inconclusive_reason
                                                                     : "";
    if (c.baseline_measured)
      note +=
          (note.empty() ? "" : "; ") + ("baseline " + FormatMeasured(*c.baseline_measured, c.unit));
    t.AddRow({StatusWord(c.status), c.detector, FormatMeasured(c.measured, c.unit),
              FormatMeasured(c.limit, c.unit), Ellipsize(note, 60)});
  }
  std::string table = Indent(t.Render(), "  ");
  if (!color) return table;
  std::string out;
  size_t start = 0, row = 0;
  while (start < table.size()) {
    size_t end = table.find('\n', start);
    std::string line = table.substr(start, end - start);
    start = end + 1;
    if (row >= 2 && row - 2 < s.checks.size()) {
      const char* word = StatusWord(s.checks[row - 2].status);
      line = "  " + Paint(color, StatusColor(s.checks[row - 2].status), word) +
             line.substr(2 + std::strlen(word));
    } else if (row == 1) {
      line = Paint(color, kDim, line);
    }
    out += line + '\n';
    ++row;
  }
  return out;
}

// Growing classes and allocation sites are often the evidence of several checks (the same
// snapshot diff backs heap_per_iteration, retained_growth and survivors): each is printed once
// per scenario, numbered, and the checks refer to it by number.
struct SharedEvidence {
  std::vector<std::string> lines;  // in order of first use

  static bool Shared(const run::Evidence& e) {
    return e.kind == run::Evidence::Kind::kGrowingClass ||
           e.kind == run::Evidence::Kind::kSourceLocation;
  }
  explicit SharedEvidence(const run::ScenarioResult& s) {
    for (const auto& c : s.checks)
      if (c.status == run::CheckStatus::kFailed)
        for (const auto& e : c.evidence)
          if (Shared(e) && Number(EvidenceLine(e)) == 0) lines.push_back(EvidenceLine(e));
  }
  size_t Number(const std::string& line) const {
    auto it = std::find(lines.begin(), lines.end(), line);
    return it == lines.end() ? 0 : static_cast<size_t>(it - lines.begin()) + 1;
  }
  std::string Render() const {
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) out += fmt::format("  [{}] {}\n", i + 1, lines[i]);
    return out.empty() ? ""
                       : "  what grows and where it was allocated (numbered for the checks):\n" +
                             out + '\n';
  }
};

std::string FailureBlock(const run::CheckResult& c, const SharedEvidence& shared, bool color) {
  std::string out = "  " + Paint(color, kRed, "✗ " + c.detector);
  std::string where = FormatLocation(c.location);
  if (!where.empty()) out += "  " + Paint(color, kDim, where);
  out += '\n';
  out += "    " + (c.summary.empty() ? MeasuredVsLimit(c) : c.summary) + '\n';
  std::string refs;
  for (const auto& e : c.evidence) {
    if (SharedEvidence::Shared(e))
      refs += fmt::format("{}[{}]", refs.empty() ? "" : " ", shared.Number(EvidenceLine(e)));
    else
      out += "    " + EvidenceLine(e) + '\n';
  }
  if (!refs.empty()) out += "    growing and allocated: " + refs + '\n';
  return out;
}

// The heap series of the charts (HeapChartOf) in eight levels. The scale spans at least 5% of
// the highest sample, so that a flat heap draws flat rather than magnifying noise.
std::string Sparkline(const run::ScenarioResult& s) {
  HeapChart c = HeapChartOf(s);
  if (c.heap.empty()) return "";
  static constexpr const char* kLevels[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  auto [lo, hi] = std::minmax_element(c.heap.begin(), c.heap.end());
  double span = std::max(*hi - *lo, std::fabs(*hi) * 0.05);
  std::string line;
  for (double v : c.heap) line += kLevels[span > 0 ? std::lround((v - *lo) / span * 7) : 0];
  return fmt::format("  heap {} {} → {} over {} checkpoints (post-GC, less V8 code)\n", line,
                     FormatBytes(c.heap.front()), FormatBytes(c.heap.back()), c.heap.size());
}

std::string ErrorBlock(const run::ScenarioResult& s, bool color) {
  std::string stage = s.infrastructure_stage.empty() ? "run" : s.infrastructure_stage;
  std::string out = "  " + Paint(color, kRed, "! " + stage + ": " + *s.infrastructure_error) + '\n';
  if (!s.app_stderr_tail.empty())
    out += "    app stderr (last lines):\n" + TerminalBlock(s.app_stderr_tail, "      │ ");
  return out;
}

// The app's Node processes when it has more than one (or a launcher), and why any was not
// measured: "processes: primary 10 (server.js) · worker 11 (server.js) · launcher 9 (npm-cli.js)
// not measured: …".
std::string ProcessesLine(const run::ScenarioResult& s) {
  if (s.processes.empty()) return "";
  std::string line;
  for (const auto& p : s.processes) {
    line += (line.empty() ? "" : " · ") + p.label;
    if (!p.measured) line += " not measured: " + p.problem;
    if (const std::string note = run::LifetimeNote(p); !note.empty()) line += " (" + note + ")";
  }
  return "  processes: " + line + '\n';
}

std::string VerboseBlock(const run::ScenarioResult& s) {
  std::string out;
  for (const auto& c : s.checks)
    if (c.status == run::CheckStatus::kPassed && !c.summary.empty())
      out += "  ✓ " + c.detector + ": " + c.summary + '\n';
  if (!s.checkpoints.empty()) {
    TextTable t(
        {"iteration", "heap used", "heap total", "external", "array buffers", "rss", "snapshot"},
        {TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight,
         TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight,
         TextTable::Align::kLeft});
    for (const auto& p : s.checkpoints)
      t.AddRow({FormatCount(p.iteration), FormatBytes(p.heap_used), FormatBytes(p.heap_total),
                FormatBytes(p.external), FormatBytes(p.array_buffers),
                p.rss > 0 ? FormatBytes(p.rss) : "-", p.snapshot});
    out += "  checkpoints (post-GC):\n" + Indent(t.Render(), "    ");
  }
  const run::LoadStats& l = s.load;
  if (l.requests > 0)
    out +=
        fmt::format("  load: {} requests, {} errors, p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
                    FormatCount(l.requests), FormatCount(l.errors), l.latency_p50_ms,
                    l.latency_p99_ms, l.latency_max_ms);
  return out;
}

std::string ScenarioReport(const run::ScenarioResult& s, const ConsoleOptions& o) {
  bool quiet = o.verbosity == Verbosity::kQuiet;
  CheckCounts n = CountChecks(s);
  if (quiet && n.failed == 0 && n.errors == 0) return "";
  std::string out = ScenarioHeading(s, o.color);
  if (!quiet) out += Sparkline(s);
  if (!quiet) out += ProcessesLine(s);
  if (s.infrastructure_error) out += ErrorBlock(s, o.color);
  if (!quiet && !s.checks.empty()) out += ChecksTable(s, o.color) + (n.failed > 0 ? "\n" : "");
  if (s.warmup_end.stopped == "settled" || s.warmup_end.stopped == "cap")
    out += fmt::format("  warm-up: {}\n", s.warmup_end.reason);
  for (size_t i = 0; i < s.extensions.size(); ++i)
    out += fmt::format("  extended the run ({} of at most 2): {}\n", i + 1, s.extensions[i]);
  // One line per reason, naming the checks it made inconclusive.
  std::vector<std::pair<std::string, std::string>> reasons;  // reason, checks
  for (const auto& c : s.checks) {
    if (c.status != run::CheckStatus::kInconclusive) continue;
    auto it = std::find_if(reasons.begin(), reasons.end(),
                           [&](const auto& r) { return r.first == c.inconclusive_reason; });
    if (it == reasons.end()) {
      reasons.emplace_back(c.inconclusive_reason, c.detector);
    } else {
      it->second += ", " + c.detector;
    }
  }
  for (const auto& [reason, checks] : reasons)
    out += Paint(o.color, kYellow, "  inconclusive: ") + checks + ": " + reason + '\n';
  SharedEvidence shared(s);
  out += shared.Render();
  for (const auto& c : s.checks)
    if (c.status == run::CheckStatus::kFailed) out += FailureBlock(c, shared, o.color);
  if (o.verbosity == Verbosity::kVerbose) out += VerboseBlock(s);
  return out + '\n';
}

}  // namespace

std::string Verdict(const run::RunResult& result, bool color) {
  const run::RunResult r = ForTerminal(result);
  CheckCounts n = CountChecks(r);
  std::string failed_names, error_names;
  for (const auto& s : r.scenarios) {
    if (s.infrastructure_error) error_names += (error_names.empty() ? "" : ", ") + s.name;
    for (const auto& c : s.checks)
      if (c.status == run::CheckStatus::kFailed)
        failed_names += (failed_names.empty() ? "" : ", ") + s.name + ": " + c.detector;
  }
  std::string checks = fmt::format("{} check{}", n.Total(), n.Total() == 1 ? "" : "s");
  std::string tail = r.duration_seconds > 0 ? fmt::format(" · {:.1f} s", r.duration_seconds) : "";
  std::string extra;
  if (n.allowed) extra += fmt::format(", {} allowed", n.allowed);
  if (n.skipped) extra += fmt::format(", {} skipped", n.skipped);
  if (n.inconclusive)
    extra += fmt::format(", {} inconclusive (counted as {})", n.inconclusive, r.inconclusive);
  std::string_view outcome = Outcome(r);
  if (outcome == "interrupted")
    return Paint(color, kYellow, "INTERRUPTED") +
           fmt::format(": {} run before the interrupt{}", checks, tail);
  if (outcome == "error")
    return Paint(color, kRed, "ERROR") +
           fmt::format(": {} of {} scenarios could not run ({}); {} of {} failed{}", n.errors,
                       r.scenarios.size(), Ellipsize(error_names, 120), n.failed, checks, tail);
  if (outcome == "failed")
    return Paint(color, kRed, "FAILED") + fmt::format(": {} of {} failed ({}){}{}", n.failed,
                                                      checks, Ellipsize(failed_names, 160), extra,
                                                      tail);
  return Paint(color, kGreen, "PASSED") +
         fmt::format(": {} in {} scenario{}{}{}", checks, r.scenarios.size(),
                     r.scenarios.size() == 1 ? "" : "s", extra, tail);
}

std::string ConsoleReport(const run::RunResult& result, const ConsoleOptions& o) {
  const run::RunResult r = ForTerminal(result);
  std::string out;
  if (o.verbosity != Verbosity::kQuiet) {
    std::string head =
        "leakcheck " + (r.leakcheck_version.empty() ? std::string("") : r.leakcheck_version);
    if (!r.node_version.empty()) head += " · node " + r.node_version;
    if (!r.scenario_file.empty()) head += " · " + r.scenario_file;
    if (!r.baseline_file.empty()) head += " · baseline " + r.baseline_file;
    out += Paint(o.color, kDim, head) + "\n\n";
  }
  for (const auto& s : r.scenarios) out += ScenarioReport(s, o);
  return out + Verdict(r, o.color) + '\n';
}

}  // namespace leakcheck::reporters
