#include "reporters/github.h"

#include <cstdlib>
#include <filesystem>

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

namespace fs = std::filesystem;

// `file` relative to `root` (both made canonical, as far as they exist: Node names a module by
// its real path), or "" when it lies outside `root`.
std::string RelativeInside(const std::string& file, const fs::path& root) {
  if (file.empty() || file.starts_with("node:") || file.find("://") != std::string::npos) return "";
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(fs::path(file), ec), ec);
  if (ec) return "";
  fs::path rel = p.lexically_relative(root);
  if (rel.empty() || rel == "." || *rel.begin() == "..") return "";
  return rel.generic_string();
}

bool UnderNodeModules(std::string_view relative) {
  return relative.starts_with("node_modules/") ||
         relative.find("/node_modules/") != std::string_view::npos;
}

// The culprit's code line inside `root` and the evidence that names it (see Annotations).
struct CodeLine {
  const run::Evidence* evidence = nullptr;
  run::SourceLocation at;
};

std::optional<CodeLine> FindCodeLine(const run::CheckResult& c, const std::string& root) {
  std::error_code ec;
  if (root.empty()) return std::nullopt;
  const fs::path base = fs::weakly_canonical(fs::absolute(fs::path(root), ec), ec);
  if (ec) return std::nullopt;
  std::optional<CodeLine> dependency;  // under node_modules/: only if nothing else
  for (const auto& e : c.evidence) {
    if (!e.code || e.code->line <= 0) continue;
    std::string rel = RelativeInside(e.code->file, base);
    if (rel.empty()) continue;
    CodeLine line{&e, run::SourceLocation{rel, e.code->line, e.code->column}};
    if (!UnderNodeModules(rel)) return line;
    if (!dependency) dependency = line;
  }
  return dependency;
}

}  // namespace

std::optional<run::SourceLocation> CodeLineInRepository(const run::CheckResult& c,
                                                        const std::string& root) {
  auto line = FindCodeLine(c, root);
  if (!line) return std::nullopt;
  return line->at;
}

std::string Annotations(const run::RunResult& r, size_t max, std::string_view path_prefix,
                        std::string_view code_root) {
  std::string cwd;
  if (code_root.empty()) {
    std::error_code ec;
    cwd = fs::current_path(ec).string();
  }
  const std::string root = code_root.empty() ? cwd : std::string(code_root);
  // Relative to the repository already, or to the working directory (then the prefix applies).
  const std::string_view code_prefix = code_root.empty() ? path_prefix : std::string_view();
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
      // The same failure at the code line that leaks, when that file is in the repository.
      if (auto line = FindCodeLine(c, root)) {
        std::string msg = MeasuredVsLimit(c) + "\n" + EvidenceLine(*line->evidence);
        if (loc.line > 0) msg += "\nthreshold: " + loc.ToString();
        emit(Command("error", line->at, "leakcheck: " + s.name + ": " + c.detector + " (code line)",
                     msg, code_prefix));
      }
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
  t.code_root = env("GITHUB_WORKSPACE");
  return t;
}

void WriteGithubReports(const run::RunResult& r, const GithubTarget& target, FILE* commands,
                        std::string_view results_json_path, std::string_view junit_path) {
  if (!target.enabled) return;
  std::string annotations = Annotations(r, kMaxAnnotations, target.path_prefix, target.code_root);
  std::fputs(annotations.c_str(), commands);
  std::fflush(commands);
  if (!target.step_summary.empty())
    WriteTextFile(target.step_summary, MarkdownSummary(r), "github", true);
  if (!target.output.empty())
    WriteTextFile(target.output, GithubOutputs(r, results_json_path, junit_path), "github", true);
}

}  // namespace leakcheck::reporters
