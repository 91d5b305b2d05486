#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "harness/run/result.h"
#include "reporters/escape.h"

/// GitHub Actions integration: workflow commands (annotations, groups) on stdout, the job
/// summary appended to $GITHUB_STEP_SUMMARY and step outputs appended to $GITHUB_OUTPUT.
namespace leakcheck::reporters {

// EscapeData and EscapeProperty (the workflow-command escaping) are in reporters/escape.h.

/// GitHub shows at most 10 error annotations per step.
inline constexpr size_t kMaxAnnotations = 10;

/// `::error file=…,line=…,title=…::message` lines, one per failed check (at the threshold's
/// YAML line) and per scenario whose run failed, at most `max` of them; when more failed, a
/// final `::warning::` says how many were left out. `path_prefix` is prepended to relative
/// file paths (the working directory relative to the repository root, e.g. "services/api/").
///
/// A failed check whose culprit names a line of the app's code (the first evidence with
/// Evidence::code) inside the repository gets a second `::error` at that line (file, line,
/// col), right after the one at its YAML line. The repository is `code_root` (the runner's
/// GITHUB_WORKSPACE; the path is made relative to it) or, when empty, the current directory
/// (relative to it, then `path_prefix` prepended). Files outside it, `node:` internals and,
/// unless no other evidence has a line, files under node_modules/ are never annotated.
/// Everything from the app goes through EscapeProperty/EscapeData.
std::string Annotations(const run::RunResult& r, size_t max = kMaxAnnotations,
                        std::string_view path_prefix = "", std::string_view code_root = "");

/// The code line a failed check's annotation points at (see Annotations): `file` relative to
/// `root` (an absolute folder); nullopt when no evidence names a line inside it.
std::optional<run::SourceLocation> CodeLineInRepository(const run::CheckResult& c,
                                                        const std::string& root);

/// `::group::<name>` and `::endgroup::`, for the pipeline to fold each scenario's log lines.
std::string GroupStart(std::string_view name);
std::string GroupEnd();

/// Step outputs in $GITHUB_OUTPUT syntax: result=passed|failed|error|interrupted,
/// failed-checks=N, errors=N, checks=N, results-json=PATH, junit=PATH (when given), and
/// failures=<one line per failed check> as a multi-line heredoc value (`name<<DELIM`).
std::string GithubOutputs(const run::RunResult& r, std::string_view results_json_path,
                          std::string_view junit_path);

/// `name<<DELIM\nvalue\nDELIM\n` with a delimiter that does not occur in the value.
std::string MultilineOutput(std::string_view name, std::string_view value);

/// Where the GitHub integration writes; from the environment by default.
struct GithubTarget {
  bool enabled = false;      ///< GITHUB_ACTIONS=true, or --github
  std::string step_summary;  ///< $GITHUB_STEP_SUMMARY ("" = do not write)
  std::string output;        ///< $GITHUB_OUTPUT ("" = do not write)
  std::string path_prefix;   ///< prepended to annotation file paths
  std::string code_root{};   ///< $GITHUB_WORKSPACE: the repository's folder ("" = the cwd)
};

/// Reads GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, LEAKCHECK_PATH_PREFIX and
/// GITHUB_WORKSPACE; `forced` is `--github`.
GithubTarget GithubTargetFromEnv(bool forced);

/// Everything for one finished run: annotations to `commands` (stdout in the CLI), the summary
/// appended to target.step_summary, the outputs appended to target.output. Does nothing when
/// !target.enabled. Throws HarnessError("github", …) when a file cannot be appended to.
void WriteGithubReports(const run::RunResult& r, const GithubTarget& target, FILE* commands,
                        std::string_view results_json_path, std::string_view junit_path);

}  // namespace leakcheck::reporters
