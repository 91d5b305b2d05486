#include "reporters/markdown_summary.h"

#include <algorithm>

#include <fmt/format.h>

#include "harness/common/format.h"
#include "reporters/escape.h"
#include "reporters/values.h"

namespace leakcheck::reporters {

namespace {

const char* StatusIcon(run::CheckStatus s) {
  switch (s) {
    case run::CheckStatus::kPassed:
      return "✅ pass";
    case run::CheckStatus::kFailed:
      return "❌ **fail**";
    case run::CheckStatus::kAllowed:
      return "⚠️ allowed";
    case run::CheckStatus::kSkipped:
      return "⏭️ skipped";
    case run::CheckStatus::kInconclusive:
      return "❔ inconclusive";
  }
  return "";
}

std::string Headline(const run::RunResult& r) {
  CheckCounts n = CountChecks(r);
  std::string_view outcome = Outcome(r);
  std::string icon = outcome == "passed"   ? "✅"
                     : outcome == "failed" ? "❌"
                     : outcome == "error"  ? "💥"
                                           : "⏹️";
  std::string out = fmt::format("## {} leakcheck: {}\n\n", icon, outcome);
  out += fmt::format(
      "{} checks: {} passed, {} failed, {} allowed, {} skipped; {} of {} scenarios could not run.",
      n.Total(), n.passed, n.failed, n.allowed, n.skipped, n.errors, r.scenarios.size());
  if (n.inconclusive)
    out += fmt::format(" {} inconclusive (counted as {}).", n.inconclusive, r.inconclusive);
  std::string facts;
  if (!r.scenario_file.empty()) facts += " · " + MarkdownCode(r.scenario_file);
  if (!r.node_version.empty()) facts += " · node " + MarkdownText(r.node_version);
  if (!r.leakcheck_version.empty()) facts += " · leakcheck " + MarkdownText(r.leakcheck_version);
  if (!r.git_commit.empty()) facts += " · commit " + MarkdownText(r.git_commit.substr(0, 12));
  if (!r.baseline_file.empty()) facts += " · baseline " + MarkdownCode(r.baseline_file);
  if (r.duration_seconds > 0) facts += fmt::format(" · {:.1f} s", r.duration_seconds);
  return out + (facts.empty() ? "" : "\n" + facts.substr(std::string_view(" · ").size())) + "\n\n";
}

std::string ChecksTable(const run::ScenarioResult& s) {
  std::string out =
      "| status | check | measured | limit | threshold | note |\n|---|---|--:|--:|---|---|\n";
  for (const auto& c : s.checks) {
    std::string note =
        c.status == run::CheckStatus::kAllowed        ? c.allowed_reason
        : c.status == run::CheckStatus::kInconclusive ? c.inconclusive_reason
        : c.status == run::CheckStatus::kFailed || c.status == run::CheckStatus::kSkipped
            ? c.summary
            : "";
    if (c.baseline_measured)
      note +=
          (note.empty() ? "" : "; ") + ("baseline " + FormatMeasured(*c.baseline_measured, c.unit));
    std::string where = FormatLocation(c.location);
    out +=
        fmt::format("| {} | {} | {} | {} | {} | {} |\n", StatusIcon(c.status),
                    MarkdownCode(c.detector), MarkdownText(FormatMeasured(c.measured, c.unit)),
                    MarkdownText(FormatMeasured(c.limit, c.unit)),
                    where.empty() ? "" : MarkdownCode(where), MarkdownText(Ellipsize(note, 200)));
  }
  return out + "\n";
}

std::string ScenarioHeader(const run::ScenarioResult& s) {
  CheckCounts n = CountChecks(s);
  std::string word = n.errors ? "💥 error" : n.failed ? "❌ failed" : "✅ passed";
  std::string out = fmt::format("### {} — {}\n\n", MarkdownText(s.name), word);
  if (s.infrastructure_error) {
    std::string stage = s.infrastructure_stage.empty() ? "run" : s.infrastructure_stage;
    out += fmt::format("**The run failed** ({}): {}\n\n", MarkdownText(stage),
                       MarkdownText(*s.infrastructure_error));
  }
  return out;
}

std::string Mib(double bytes) { return fmt::format("{:.2f}", bytes / (1024.0 * 1024.0)); }

// The heap over iterations as a Mermaid xychart-beta (GitHub renders ```mermaid blocks): line 1
// the post-GC heap, line 2 the limit's slope from the baseline sample, line 3 the fitted line.
std::string MermaidChart(const run::ScenarioResult& s) {
  HeapChart c = HeapChartOf(s);
  if (c.x.empty()) return "";
  std::vector<double> all = c.heap;
  if (c.has_slope) all.insert(all.end(), {c.limit_first, c.limit_last, c.fit_first, c.fit_last});
  auto [lo, hi] = std::minmax_element(all.begin(), all.end());
  double y_min = std::max(0.0, *lo / (1024.0 * 1024.0) * 0.95);
  double y_max = *hi / (1024.0 * 1024.0) * 1.05 + 0.01;
  std::string xs, heap, limit, fit;
  for (size_t i = 0; i < c.x.size(); ++i) {
    std::string sep = i == 0 ? "" : ", ";
    xs += sep + fmt::format("\"{:.0f}{}\"", c.x[i], c.snapshot[i] ? " ●" : "");
    heap += sep + Mib(c.heap[i]);
    double t = (c.x[i] - c.x.front()) / (c.x.back() - c.x.front());
    limit += sep + Mib(c.limit_first + t * (c.limit_last - c.limit_first));
    fit += sep + Mib(c.fit_first + t * (c.fit_last - c.fit_first));
  }
  std::string out = "```mermaid\nxychart-beta\n";
  out += fmt::format("  title \"{} - post-GC heap (MiB) over iterations\"\n", MermaidLabel(s.name));
  out += fmt::format("  x-axis \"iterations (● heap snapshot)\" [{}]\n", xs);
  out += fmt::format("  y-axis \"MiB\" {:.2f} --> {:.2f}\n", y_min, y_max);
  out += fmt::format("  line [{}]\n", heap);
  if (c.has_slope) out += fmt::format("  line [{}]\n  line [{}]\n", limit, fit);
  out += "```\n\n";
  if (c.has_slope)
    out +=
        "Lines: post-GC heap (less V8 code) · the limit's slope from the first checkpoint · "
        "the fitted slope of `heap_per_iteration`.\n\n";
  return out;
}

std::string CheckpointTable(const run::ScenarioResult& s) {
  if (s.checkpoints.empty()) return "";
  std::string out =
      "| iteration | heap used | V8 code | external | array buffers | snapshot |\n"
      "|--:|--:|--:|--:|--:|---|\n";
  for (const auto& p : s.checkpoints)
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", FormatCount(p.iteration),
                       FormatBytes(p.heap_used), FormatBytes(p.code), FormatBytes(p.external),
                       FormatBytes(p.array_buffers),
                       p.snapshot.empty() ? "" : MarkdownCode(p.snapshot));
  return "Checkpoints (post-GC):\n\n" + out + "\n";
}

// The optional parts: evidence of failures and the app's stderr; left out first when too big.
std::string EvidenceBlock(const run::ScenarioResult& s, const run::CheckResult& c) {
  std::string text = c.summary + "\n";
  for (const auto& e : c.evidence) text += EvidenceLine(e) + '\n';
  return fmt::format(
      "<details><summary>Evidence for <code>{}: {}</code></summary>\n\n{}\n</details>\n\n",
      HtmlText(s.name), HtmlText(c.detector), MarkdownFenced(text));  // raw HTML: no Markdown
}

std::string StderrBlock(const run::ScenarioResult& s) {
  return fmt::format(
      "<details><summary>App stderr of <code>{}</code> (last "
      "lines)</summary>\n\n{}\n</details>\n\n",
      HtmlText(s.name), MarkdownFenced(s.app_stderr_tail));
}

// The extensions of the measured run (docs/verdicts.md "Extension"), one line each.
std::string Extensions(const run::ScenarioResult& s) {
  std::string out;
  if (s.warmup_end.stopped == "settled" || s.warmup_end.stopped == "cap")
    out += fmt::format("- warm-up: {}\n", MarkdownText(s.warmup_end.reason));
  for (size_t i = 0; i < s.extensions.size(); ++i)
    out += fmt::format("- extended the run ({} of at most 2): {}\n", i + 1,
                       MarkdownText(s.extensions[i]));
  return out + "\n";
}

struct Part {
  std::string text;
  bool optional = false;
};

std::vector<Part> Parts(const run::RunResult& r) {
  std::vector<Part> parts;
  parts.push_back({Headline(r)});
  for (const auto& s : r.scenarios) {
    parts.push_back({ScenarioHeader(s)});
    parts.push_back({MermaidChart(s)});
    parts.push_back({CheckpointTable(s)});
    if (!s.checks.empty()) parts.push_back({ChecksTable(s)});
    if (!s.extensions.empty() || s.warmup_end.stopped == "settled" || s.warmup_end.stopped == "cap")
      parts.push_back({Extensions(s)});
    if (s.infrastructure_error && !s.app_stderr_tail.empty())
      parts.push_back({StderrBlock(s), true});
    for (const auto& c : s.checks)
      if (c.status == run::CheckStatus::kFailed) parts.push_back({EvidenceBlock(s, c), true});
  }
  return parts;
}

// Cuts at the last line break that fits, never inside a UTF-8 sequence.
std::string CutLines(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t nl = s.rfind('\n', max);
  return nl == std::string::npos ? "" : s.substr(0, nl + 1);
}

}  // namespace

std::string MarkdownSummary(const run::RunResult& r, size_t max_bytes) {
  std::vector<Part> parts = Parts(r);
  constexpr size_t kNoteReserve = 400;
  size_t budget = max_bytes > kNoteReserve ? max_bytes - kNoteReserve : 0;
  size_t required = 0;
  for (const auto& p : parts) required += p.optional ? 0 : p.text.size();

  std::string out;
  size_t evidence_left = budget > required ? budget - required : 0;
  int omitted = 0;
  for (const auto& p : parts) {
    if (!p.optional) {
      out += p.text;
    } else if (p.text.size() <= evidence_left) {
      out += p.text;
      evidence_left -= p.text.size();
    } else {
      ++omitted;
    }
  }
  bool cut = out.size() > budget;
  if (cut) out = CutLines(out, budget);
  if (omitted > 0 || cut) {
    out += fmt::format(
        "\n> **Summary truncated** to stay under GitHub's 1 MiB limit: {}{}. The full evidence is "
        "in "
        "results.json and the JUnit report.\n",
        omitted > 0 ? fmt::format("{} evidence block{} left out", omitted, omitted == 1 ? "" : "s")
                    : "",
        cut ? (omitted > 0 ? "; tables cut short" : "tables cut short") : "");
  }
  return out;
}

}  // namespace leakcheck::reporters
