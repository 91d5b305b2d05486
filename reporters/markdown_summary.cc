#include "reporters/markdown_summary.h"

#include <algorithm>

#include <fmt/format.h>

#include "harness/common/format.h"
#include "reporters/values.h"

namespace leakcheck::reporters {

namespace {

// Text for a table cell or heading: one line, pipes and HTML escaped (GitHub drops unknown tags).
std::string Cell(std::string_view s) {
  std::string out;
  for (char c : CleanText(s)) {
    if (c == '|')
      out += "\\|";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

// Text inside a `code span` in a table: entities would show literally, so only pipes are
// escaped and backticks become quotes.
std::string Code(std::string_view s) {
  std::string out = "`";
  for (char c : CleanText(s)) {
    if (c == '|')
      out += "\\|";
    else if (c == '`')
      out += '\'';
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out + "`";
}

// A fenced block whose fence is longer than any run of backticks inside.
std::string Fenced(const std::string& text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(std::max<size_t>(3, longest + 1), '`');
  return fence + "text\n" + CleanText(text) + (text.ends_with('\n') ? "" : "\n") + fence + "\n";
}

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
  std::string facts;
  if (!r.scenario_file.empty()) facts += " · " + Code(r.scenario_file);
  if (!r.node_version.empty()) facts += " · node " + Cell(r.node_version);
  if (!r.leakcheck_version.empty()) facts += " · leakcheck " + Cell(r.leakcheck_version);
  if (!r.git_commit.empty()) facts += " · commit " + Cell(r.git_commit.substr(0, 12));
  if (!r.baseline_file.empty()) facts += " · baseline " + Code(r.baseline_file);
  if (r.duration_seconds > 0) facts += fmt::format(" · {:.1f} s", r.duration_seconds);
  return out + (facts.empty() ? "" : "\n" + facts.substr(std::string_view(" · ").size())) + "\n\n";
}

std::string ChecksTable(const run::ScenarioResult& s) {
  std::string out =
      "| status | check | measured | limit | threshold | note |\n|---|---|--:|--:|---|---|\n";
  for (const auto& c : s.checks) {
    std::string note =
        c.status == run::CheckStatus::kAllowed ? c.allowed_reason
        : c.status == run::CheckStatus::kFailed || c.status == run::CheckStatus::kSkipped
            ? c.summary
            : "";
    if (c.baseline_measured)
      note +=
          (note.empty() ? "" : "; ") + ("baseline " + FormatMeasured(*c.baseline_measured, c.unit));
    std::string where = FormatLocation(c.location);
    out +=
        fmt::format("| {} | {} | {} | {} | {} | {} |\n", StatusIcon(c.status), Code(c.detector),
                    Cell(FormatMeasured(c.measured, c.unit)), Cell(FormatMeasured(c.limit, c.unit)),
                    where.empty() ? "" : Code(where), Cell(Ellipsize(note, 200)));
  }
  return out + "\n";
}

std::string ScenarioHeader(const run::ScenarioResult& s) {
  CheckCounts n = CountChecks(s);
  std::string word = n.errors ? "💥 error" : n.failed ? "❌ failed" : "✅ passed";
  std::string out = fmt::format("### {} — {}\n\n", Cell(s.name), word);
  if (s.infrastructure_error) {
    std::string stage = s.infrastructure_stage.empty() ? "run" : s.infrastructure_stage;
    out +=
        fmt::format("**The run failed** ({}): {}\n\n", Cell(stage), Cell(*s.infrastructure_error));
  }
  return out;
}

// The optional parts: evidence of failures and the app's stderr; left out first when too big.
std::string EvidenceBlock(const run::ScenarioResult& s, const run::CheckResult& c) {
  std::string text = c.summary + "\n";
  for (const auto& e : c.evidence) text += EvidenceLine(e) + '\n';
  return fmt::format(
      "<details><summary>Evidence for <code>{}: {}</code></summary>\n\n{}\n</details>\n\n",
      Cell(s.name), Cell(c.detector), Fenced(text));
}

std::string StderrBlock(const run::ScenarioResult& s) {
  return fmt::format(
      "<details><summary>App stderr of <code>{}</code> (last "
      "lines)</summary>\n\n{}\n</details>\n\n",
      Cell(s.name), Fenced(s.app_stderr_tail));
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
    if (!s.checks.empty()) parts.push_back({ChecksTable(s)});
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
