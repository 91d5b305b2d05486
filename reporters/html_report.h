#pragma once

#include <string>
#include <string_view>

#include "harness/run/result.h"

/// report.html: one self-contained page per run (inline CSS and SVG, no script, no font, no
/// request to anywhere; a Content-Security-Policy of `default-src 'none'` makes the browser
/// refuse any load). Per scenario: the heap chart (html_chart.h), the verdict table, each failed
/// check's culprit, retainer chain, source lines, top growers and allocation sites, the baseline
/// comparison and the app's stderr tail. Renders the RunResult only; computes no verdict.
namespace leakcheck::reporters {

/// Where source lines link to. Empty `blob_base` = plain text, no links.
struct HtmlOptions {
  /// "https://github.com/OWNER/REPO/blob/SHA/", from GITHUB_SERVER_URL, GITHUB_REPOSITORY and
  /// GITHUB_SHA when all three are set and well-formed (http(s) URL, OWNER/REPO, hex SHA).
  std::string blob_base;
  /// GITHUB_WORKSPACE: an absolute source path under it is linked relative to it.
  std::string workspace;
};

/// Builds the options from the three variables (and GITHUB_WORKSPACE); each is the value or
/// nullptr when unset. A malformed value gives no links rather than a wrong one.
HtmlOptions HtmlOptionsFrom(const char* server_url, const char* repository, const char* sha,
                            const char* workspace);

/// HtmlOptionsFrom the process environment.
HtmlOptions HtmlOptionsFromEnv();

/// The link to `file` at `line` (1-based; 0 = the file), or "" when options have no blob_base
/// or the path is not inside the repository (absolute outside the workspace, `node:` internals,
/// a URL).
std::string SourceLink(const HtmlOptions& options, std::string_view file, int line);

/// The whole page (UTF-8, `<!doctype html>`).
std::string HtmlReport(const run::RunResult& r, const HtmlOptions& options = {});

/// Writes HtmlReport to `path`; throws HarnessError("html", "PATH: cannot write…") when it cannot.
void WriteHtmlFile(const run::RunResult& r, const std::string& path,
                   const HtmlOptions& options = HtmlOptionsFromEnv());

}  // namespace leakcheck::reporters
