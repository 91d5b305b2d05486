#include "reporters/github.h"

#include <cstdlib>

#include <fmt/format.h>

#include "reporters/markdown_summary.h"
#include "reporters/values.h"

namespace leakcheck::reporters {

namespace {

std::string AnnotationPath(const std::string& file, std::string_view prefix) {
  std::string_view f = file;
  while (f.starts_with("./")) f.remove_prefix(2);
  if (f.starts_with("/") || prefix.empty()) return std::string(f);
  std::string p(prefix);
  if (!p.ends_with('/')) p += '/';
  return p + std::string(f);
}

std::string Command(std::string_view level, const run::SourceLocation& loc, std::string_view title,
                    std::string_view message, std::string_view prefix) {
  std::string props;
  if (!loc.file.empty()) {
    props += "file=" + EscapeProperty(AnnotationPath(loc.file, prefix));
    if (loc.line > 0) props += fmt::format(",line={}", loc.line);
    if (loc.column > 0) props += fmt::format(",col={}", loc.column);
    props += ",";
  }
  props += "title=" + EscapeProperty(title);
  return fmt::format("::{} {}::{}\n", level, props, EscapeData(message));
}

std::string FailureMessage(const run::CheckResult& c) {
  std::string msg = MeasuredVsLimit(c);
  if (!c.summary.empty()) msg += "\n" + c.summary;
  for (const auto& e : c.evidence) msg += "\n" + EvidenceLine(e);
  return msg;
}

}  // namespace

std::string Annotations(const run::RunResult& r, size_t max, std::string_view path_prefix) {
  std::string out;
  size_t emitted = 0, left_out = 0;
  auto emit = [&](std::string command) {
    if (emitted < max) {
      out += command;
      ++emitted;
    } else {
      ++left_out;
    }
  };
  for (const auto& s : r.scenarios) {
    if (s.infrastructure_error) {
      std::string stage = s.infrastructure_stage.empty() ? "run" : s.infrastructure_stage;
      std::string msg = stage + ": " + *s.infrastructure_error;
      if (!s.app_stderr_tail.empty()) msg += "\napp stderr (last lines):\n" + s.app_stderr_tail;
      emit(Command("error", s.location, "leakcheck: " + s.name + ": run failed", msg, path_prefix));
    }
    for (const auto& c : s.checks) {
      if (c.status == run::CheckStatus::kInconclusive) {
        const run::SourceLocation& loc = c.location.file.empty() ? s.location : c.location;
        emit(Command("warning", loc, "leakcheck: " + s.name + ": " + c.detector + " inconclusive",
                     c.inconclusive_reason, path_prefix));
        continue;
      }
      if (c.status != run::CheckStatus::kFailed) continue;
      const run::SourceLocation& loc = c.location.file.empty() ? s.location : c.location;
      emit(Command("error", loc, "leakcheck: " + s.name + ": " + c.detector, FailureMessage(c),
                   path_prefix));
    }
  }
  if (left_out > 0)
    out += fmt::format(
        "::warning title=leakcheck::{} more failure{} not annotated (GitHub shows {} per step); "
        "see the job summary\n",
        left_out, left_out == 1 ? "" : "s", max);
  return out;
}

std::string GroupStart(std::string_view name) { return "::group::" + EscapeData(name) + "\n"; }
std::string GroupEnd() { return "::endgroup::\n"; }

std::string MultilineOutput(std::string_view name, std::string_view value) {
  std::string delim = "LEAKCHECK_EOF";
  for (int i = 1; value.find(delim) != std::string_view::npos; ++i)
    delim = fmt::format("LEAKCHECK_EOF_{}", i);
  std::string v(value);
  if (!v.empty() && v.back() != '\n') v += '\n';
  return fmt::format("{}<<{}\n{}{}\n", name, delim, v, delim);
}

std::string GithubOutputs(const run::RunResult& r, std::string_view results_json_path,
                          std::string_view junit_path) {
  CheckCounts n = CountChecks(r);
  std::string out = fmt::format("result={}\nfailed-checks={}\nerrors={}\nchecks={}\n", Outcome(r),
                                n.failed, n.errors, n.Total());
  auto single = [&](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    if (value.find_first_of("\r\n") == std::string_view::npos)
      out += fmt::format("{}={}\n", name, value);
    else
      out += MultilineOutput(name, value);
  };
  single("results-json", results_json_path);
  single("junit", junit_path);
  std::string failures;
  for (const auto& s : r.scenarios) {
    if (s.infrastructure_error) failures += s.name + ": run: " + *s.infrastructure_error + '\n';
    for (const auto& c : s.checks)
      if (c.status == run::CheckStatus::kFailed)
        failures += s.name + ": " + c.detector + ": " + MeasuredVsLimit(c) + '\n';
  }
  out += MultilineOutput("failures", CleanText(failures));
  return out;
}

GithubTarget GithubTargetFromEnv(bool forced) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v == nullptr ? "" : v);
  };
  GithubTarget t;
  t.enabled = forced || env("GITHUB_ACTIONS") == "true";
  t.step_summary = env("GITHUB_STEP_SUMMARY");
  t.output = env("GITHUB_OUTPUT");
  t.path_prefix = env("LEAKCHECK_PATH_PREFIX");
  return t;
}

void WriteGithubReports(const run::RunResult& r, const GithubTarget& target, FILE* commands,
                        std::string_view results_json_path, std::string_view junit_path) {
  if (!target.enabled) return;
  std::string annotations = Annotations(r, kMaxAnnotations, target.path_prefix);
  std::fputs(annotations.c_str(), commands);
  std::fflush(commands);
  if (!target.step_summary.empty())
    WriteTextFile(target.step_summary, MarkdownSummary(r), "github", true);
  if (!target.output.empty())
    WriteTextFile(target.output, GithubOutputs(r, results_json_path, junit_path), "github", true);
}

}  // namespace leakcheck::reporters
