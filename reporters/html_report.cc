#include "reporters/html_report.h"

#include <cctype>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>
#include <boost/url/parse.hpp>

#include "harness/common/format.h"
#include "reporters/escape.h"
#include "reporters/html_chart.h"
#include "reporters/values.h"

namespace leakcheck::reporters {

namespace {

bool AllOf(std::string_view s, bool (*ok)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!ok(c)) return false;
  return true;
}

bool RepoChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
}
bool HexChar(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

HtmlOptions HtmlOptionsFrom(const char* server_url, const char* repository, const char* sha,
                            const char* workspace) {
  HtmlOptions o;
  if (workspace != nullptr) o.workspace = workspace;
  if (server_url == nullptr || repository == nullptr || sha == nullptr) return o;
  auto url = boost::urls::parse_absolute_uri(server_url);
  if (!url || (url->scheme() != "https" && url->scheme() != "http") || !url->has_authority() ||
      url->encoded_host().empty() || url->has_query())
    return o;
  std::string_view repo = repository;
  size_t slash = repo.find('/');
  if (slash == std::string_view::npos || !AllOf(repo.substr(0, slash), RepoChar) ||
      !AllOf(repo.substr(slash + 1), RepoChar) || repo.substr(slash + 1).starts_with("."))
    return o;
  if (!AllOf(sha, HexChar) || std::string_view(sha).size() < 7) return o;
  std::string base(server_url);
  while (base.ends_with('/')) base.pop_back();
  o.blob_base = fmt::format("{}/{}/blob/{}/", base, repo, sha);
  return o;
}

HtmlOptions HtmlOptionsFromEnv() {
  return HtmlOptionsFrom(std::getenv("GITHUB_SERVER_URL"), std::getenv("GITHUB_REPOSITORY"),
                         std::getenv("GITHUB_SHA"), std::getenv("GITHUB_WORKSPACE"));
}

std::string SourceLink(const HtmlOptions& o, std::string_view file, int line) {
  if (o.blob_base.empty() || file.empty()) return "";
  if (file.starts_with("file://")) file.remove_prefix(7);
  if (file.find("://") != std::string_view::npos || file.starts_with("node:")) return "";
  if (file.starts_with("/")) {
    std::string ws = o.workspace;
    if (ws.empty()) return "";
    if (!ws.ends_with('/')) ws += '/';
    if (!file.starts_with(ws)) return "";
    file.remove_prefix(ws.size());
  }
  while (file.starts_with("./")) file.remove_prefix(2);
  if (file.starts_with("../") || file == "..") return "";
  std::string path = UrlPath(file);
  if (path.empty()) return "";
  return o.blob_base + path + (line > 0 ? fmt::format("#L{}", line) : "");
}

namespace {

// "path/to/file.js:16" (or :16:5) inside evidence text: the first token that looks like one.
struct FileLine {
  std::string file;
  int line = 0;
};

FileLine FindFileLine(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of(" ()", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(start, end - start);
    start = end + 1;
    // Split off trailing :line[:col].
    std::vector<std::string_view> parts;
    std::string_view rest = token;
    while (true) {
      size_t colon = rest.rfind(':');
      if (colon == std::string_view::npos) break;
      std::string_view tail = rest.substr(colon + 1);
      if (tail.empty() || tail.size() > 9 ||
          !AllOf(tail, [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
        break;
      parts.push_back(tail);
      rest = rest.substr(0, colon);
      if (parts.size() == 2) break;
    }
    if (parts.empty() || rest.find('.') == std::string_view::npos) continue;
    std::string_view line = parts.back();  // :line:col -> parts = {col, line}
    return {std::string(rest), std::atoi(std::string(line).c_str())};
  }
  return {};
}

constexpr std::string_view kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
header,main{max-width:980px;margin:0 auto;padding:12px 20px}
header{border-bottom:1px solid #d0d7de}
h1{font-size:22px;margin:8px 0}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}.facts{color:#59636e}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:13px;font-weight:600;color:#fff}
.passed{background:#1a7f37}.failed{background:#cf222e}.error{background:#8250df}.interrupted{background:#9a6700}
table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.status-failed td:first-child{color:#cf222e;font-weight:600}tr.status-allowed td:first-child{color:#9a6700}
code,pre{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-all}
.check{border-left:4px solid #cf222e;padding:2px 12px;margin:12px 0;background:#fff8f8}
.culprit{font-size:15px}.culprit code{font-weight:700;color:#cf222e}
ol.chain{list-style:none;padding:0;margin:4px 0}ol.chain li{font-family:ui-monospace,monospace;font-size:12.5px}
ol.chain li::before{content:"↳ ";color:#59636e}ol.chain li:last-child{font-weight:700}
svg.chart{max-width:100%;height:auto;background:#fff}
.grid{stroke:#eaeef2;stroke-width:1}.tick,.legend,.axis-title{font:11px system-ui,sans-serif;fill:#59636e}
.series{stroke-width:2;fill:none}.point{stroke:#fff;stroke-width:1}
.heap{stroke:#0969da}circle.heap{fill:#0969da}.external{stroke:#8250df}circle.external{fill:#8250df}
.fit{stroke:#cf222e;stroke-dasharray:6 4;stroke-width:1.5}.limit{stroke:#1a7f37;stroke-dasharray:2 3;stroke-width:1.5}
.mark{stroke:#9a6700;stroke-dasharray:3 3;stroke-width:1.2}
.rss{stroke:#bc4c00}circle.rss{fill:#bc4c00}.heap-total{stroke:#0969da;stroke-dasharray:4 3;stroke-width:1.5}
.note{color:#59636e}
)";

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
      return "inconclusive";
  }
  return "";
}

std::string Code(std::string_view s) { return "<code>" + HtmlText(s) + "</code>"; }

// A source location as text, linked to the repository file when it can be.
std::string Located(const HtmlOptions& o, std::string_view text, const FileLine& at) {
  std::string link = SourceLink(o, at.file, at.line);
  if (link.empty()) return Code(text);
  return fmt::format("<a href=\"{}\">{}</a>", HtmlText(link), Code(text));
}

// Resident memory at each checkpoint (the rss check's series), its own chart: RSS is tens of MB
// where the heap's changes are KB, and native memory (zlib, crypto, MessagePort queues, addons)
// grows here while the heap chart stays flat. "" when RSS was not measured at every checkpoint.
std::string RssChart(const run::ScenarioResult& s) {
  if (s.checkpoints.size() < 2) return "";
  SvgSeries rss{"resident memory (RSS)", "rss", {}, {}, true};
  SvgSeries heap{"JS heap (post-GC, total)", "heap-total", {}, {}, false};
  SvgChartSpec spec;
  for (const auto& p : s.checkpoints) {
    if (p.rss <= 0) return "";
    rss.x.push_back(static_cast<double>(p.iteration));
    rss.y.push_back(p.rss);
    heap.x.push_back(static_cast<double>(p.iteration));
    heap.y.push_back(p.heap_total);
    if (p.snapshot_taken || !p.snapshot.empty()) spec.marks.push_back(rss.x.back());
  }
  spec.series = {std::move(rss), std::move(heap)};
  return "<figure>" + SvgLineChart(spec) +
         "<figcaption class=\"note\">Resident memory (RSS) of the app's process at each "
         "checkpoint (dots), next to the heap V8 reserves; vertical: heap snapshots (taking one "
         "costs native memory the rss check discounts).</figcaption></figure>\n";
}

std::string Chart(const run::ScenarioResult& s) {
  HeapChart c = HeapChartOf(s);
  if (c.x.empty()) return "<p class=\"note\">No chart: fewer than two checkpoints.</p>\n";
  SvgChartSpec spec;
  spec.series.push_back({"post-GC heap (less V8 code)", "heap", c.x, c.heap, true});
  spec.series.push_back({"external", "external", c.x, c.external, true});
  if (c.has_slope) {
    spec.series.push_back(
        {"fitted slope", "fit", {c.x.front(), c.x.back()}, {c.fit_first, c.fit_last}, false});
    spec.series.push_back({"limit's slope",
                           "limit",
                           {c.x.front(), c.x.back()},
                           {c.limit_first, c.limit_last},
                           false});
  }
  for (size_t i = 0; i < c.x.size(); ++i)
    if (c.snapshot[i]) spec.marks.push_back(c.x[i]);
  return "<figure>" + SvgLineChart(spec) +
         "<figcaption class=\"note\">Post-GC samples at each checkpoint (dots); dashed: the "
         "slope heap_per_iteration measured and the threshold's slope from the first "
         "checkpoint; vertical: heap snapshots.</figcaption></figure>\n" +
         RssChart(s);
}

std::string VerdictTable(const run::ScenarioResult& s) {
  if (s.checks.empty()) return "";
  bool baseline = false;
  for (const auto& c : s.checks) baseline = baseline || c.baseline_measured.has_value();
  std::string out = fmt::format(
      "<table class=\"verdict\"><thead><tr><th>status</th><th>check</th><th>measured</th>"
      "<th>limit</th>{}<th>threshold</th><th>note</th></tr></thead><tbody>\n",
      baseline ? "<th>baseline</th>" : "");
  for (const auto& c : s.checks) {
    std::string note = c.status == run::CheckStatus::kAllowed        ? c.allowed_reason
                       : c.status == run::CheckStatus::kInconclusive ? c.inconclusive_reason
                       : c.status == run::CheckStatus::kPassed       ? ""
                                                                     : c.summary;
    std::string base = !baseline ? ""
                       : c.baseline_measured
                           ? "<td class=\"num\">" +
                                 HtmlText(FormatMeasured(*c.baseline_measured, c.unit)) + "</td>"
                           : "<td></td>";
    out += fmt::format(
        "<tr class=\"status-{}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td>{}<td>{}</td><td>{}</td></tr>\n",
        run::CheckStatusName(c.status), StatusWord(c.status), Code(c.detector),
        HtmlText(FormatMeasured(c.measured, c.unit)), HtmlText(FormatMeasured(c.limit, c.unit)),
        base, Code(FormatLocation(c.location)) + (c.default_threshold ? " (default)" : ""),
        HtmlText(note));
  }
  return out + "</tbody></table>\n";
}

// A retainer path "A → B → … → Z" as a chain; the steps before the app's holder (the last
// closure or global on the path) are folded, since they are Node's internals.
std::string Chain(std::string_view path) {
  std::vector<std::string_view> steps;
  size_t start = 0;
  static constexpr std::string_view kArrow = " → ";
  while (true) {
    size_t at = path.find(kArrow, start);
    steps.push_back(path.substr(start, at == std::string_view::npos ? path.npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + kArrow.size();
  }
  size_t holder = steps.size() > 3 ? steps.size() - 3 : 0;
  for (size_t i = steps.size() - 1; i-- > 0;) {
    if (steps[i].starts_with("(closure)") || steps[i].find("(global") != std::string_view::npos) {
      holder = i;
      break;
    }
  }
  std::string out;
  if (holder > 0) {
    out +=
        fmt::format("<details><summary>{} step{} from the GC roots</summary><ol class=\"chain\">",
                    holder, holder == 1 ? "" : "s");
    for (size_t i = 0; i < holder; ++i) out += "<li>" + HtmlText(steps[i]) + "</li>";
    out += "</ol></details>";
  }
  out += "<ol class=\"chain\">";
  for (size_t i = holder; i < steps.size(); ++i) out += "<li>" + HtmlText(steps[i]) + "</li>";
  return out + "</ol>\n";
}

std::string Numbers(const run::Evidence& e) {
  std::string n;
  if (e.count != 0) n += FormatCount(e.count);
  if (e.per_iteration != 0)
    n += fmt::format("{}{:.3g}/iteration", n.empty() ? "" : ", ", e.per_iteration);
  if (e.bytes != 0) n += (n.empty() ? "" : ", ") + FormatSignedBytes(static_cast<double>(e.bytes));
  return n;
}

std::string FailedCheck(const run::CheckResult& c, const HtmlOptions& o) {
  using Kind = run::Evidence::Kind;
  std::string out =
      fmt::format("<section class=\"check\" id=\"check-{}\"><h3>✗ {} — {}</h3>\n",
                  HtmlText(Slug(c.detector)), Code(c.detector), HtmlText(MeasuredVsLimit(c)));
  if (!c.location.file.empty())
    out +=
        "<p>threshold: " + Located(o, FormatLocation(c.location), {c.location.file, 0}) + "</p>\n";
  if (!c.summary.empty()) out += "<p>" + HtmlText(c.summary) + "</p>\n";
  // The culprit: the growing collection, else the first retainer path's end, else the top class.
  std::string culprit;
  for (Kind k : {Kind::kCollection, Kind::kListener, Kind::kHandle, Kind::kGrowingClass})
    for (const auto& e : c.evidence)
      if (culprit.empty() && e.kind == k) culprit = e.title;
  if (!culprit.empty())
    out += "<p class=\"culprit\">culprit: <code>" + HtmlText(culprit) + "</code></p>\n";
  std::string growers, sites, paths, other;
  for (const auto& e : c.evidence) {
    switch (e.kind) {
      case Kind::kGrowingClass:
        growers += fmt::format(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
            "<td class=\"num\">{}</td></tr>\n",
            Code(e.title), FormatCount(e.count),
            e.per_iteration != 0 ? fmt::format("{:.3g}", e.per_iteration) : "",
            e.bytes != 0 ? FormatSignedBytes(static_cast<double>(e.bytes)) : "");
        break;
      case Kind::kSourceLocation: {
        // "file:line in fn" is the title (detectors) or, untitled, the detail.
        const std::string& where = e.title.empty() ? e.detail : e.title;
        FileLine at = FindFileLine(where);
        std::string n = Numbers(e);
        sites += "<li>" + Located(o, where, at) +
                 (e.title.empty() || e.detail.empty() ? "" : " " + HtmlText(e.detail)) +
                 (n.empty() ? "" : " <span class=\"note\">(" + HtmlText(n) + ")</span>") +
                 "</li>\n";
        break;
      }
      case Kind::kRetainerPath:  // the path is the title (detectors) or, untitled, the detail
        paths += "<div class=\"path\">" + Chain(e.title.empty() ? e.detail : e.title) +
                 (e.title.empty() || e.detail.empty()
                      ? ""
                      : "<p class=\"note\">" + HtmlText(e.detail) + "</p>") +
                 "</div>\n";
        break;
      case Kind::kCollection: {
        size_t held = e.detail.find("held at ");
        paths += "<div class=\"path\"><p>" + Code(e.title) + " " +
                 HtmlText(held == std::string::npos ? e.detail : e.detail.substr(0, held)) +
                 "</p>" + (held == std::string::npos ? "" : Chain(e.detail.substr(held + 8))) +
                 "</div>\n";
        break;
      }
      default:
        other += "<li>" + HtmlText(EvidenceLine(e)) + "</li>\n";
    }
  }
  if (!paths.empty()) out += "<h4>Retainer path</h4>\n" + paths;
  if (!growers.empty())
    out +=
        "<h4>Top growers</h4>\n<table><thead><tr><th>class</th><th>objects</th>"
        "<th>per iteration</th><th>bytes</th></tr></thead><tbody>\n" +
        growers + "</tbody></table>\n";
  if (!sites.empty()) out += "<h4>Allocation sites</h4>\n<ul>\n" + sites + "</ul>\n";
  if (!other.empty()) out += "<h4>Other evidence</h4>\n<ul>\n" + other + "</ul>\n";
  return out + "</section>\n";
}

std::string Scenario(const run::ScenarioResult& s, const HtmlOptions& o) {
  CheckCounts n = CountChecks(s);
  const char* word = n.errors ? "error" : n.failed ? "failed" : "passed";
  std::string out = fmt::format(
      "<section class=\"scenario\" id=\"scenario-{}\"><h2>{} <span class=\"badge "
      "{}\">{}</span></h2>\n",
      HtmlText(Slug(s.name)), HtmlText(s.name), word, word);
  std::string facts;
  if (s.load.iterations > 0) facts += FormatCount(s.load.iterations) + " iterations";
  if (s.load.requests > 0)
    facts += fmt::format(" · {} requests, {} errors · {:.0f} req/s", FormatCount(s.load.requests),
                         FormatCount(s.load.errors), s.load.requests_per_second);
  if (s.duration_seconds > 0) facts += fmt::format(" · {:.1f} s", s.duration_seconds);
  if (!s.location.file.empty()) facts += " · " + HtmlText(FormatLocation(s.location));
  if (!facts.empty()) out += "<p class=\"facts\">" + facts + "</p>\n";
  if (s.infrastructure_error)
    out += fmt::format("<p class=\"check\"><strong>The run failed</strong> ({}): {}</p>\n",
                       HtmlText(s.infrastructure_stage.empty() ? "run" : s.infrastructure_stage),
                       HtmlText(*s.infrastructure_error));
  out += Chart(s);
  out += VerdictTable(s);
  if (s.warmup_end.stopped == "settled" || s.warmup_end.stopped == "cap")
    out += fmt::format("<p class=\"note\">Warm-up: {}</p>\n", HtmlText(s.warmup_end.reason));
  for (size_t i = 0; i < s.extensions.size(); ++i)
    out += fmt::format("<p class=\"note\">Extended the run ({} of at most 2): {}</p>\n", i + 1,
                       HtmlText(s.extensions[i]));
  for (const auto& c : s.checks)
    if (c.status == run::CheckStatus::kFailed) out += FailedCheck(c, o);
  if (!s.app_stderr_tail.empty())
    out += "<details" + std::string(s.infrastructure_error ? " open" : "") +
           "><summary>App stderr (last lines)</summary><pre class=\"stderr\">" +
           HtmlText(s.app_stderr_tail) + "</pre></details>\n";
  return out + "</section>\n";
}

}  // namespace

std::string HtmlReport(const run::RunResult& r, const HtmlOptions& o) {
  std::string_view outcome = Outcome(r);
  CheckCounts n = CountChecks(r);
  std::string title = "leakcheck: " + std::string(outcome) +
                      (r.scenario_file.empty() ? "" : " · " + r.scenario_file);
  std::string out = fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style></head>\n<body>\n<header><h1>leakcheck "
      "<span class=\"badge {}\">{}</span></h1>\n",
      HtmlText(title), kStyle, outcome, outcome);
  std::string facts = fmt::format(
      "{} checks: {} passed, {} failed, {} allowed, {} skipped; {} of {} scenarios could not run",
      n.Total(), n.passed, n.failed, n.allowed, n.skipped, n.errors, r.scenarios.size());
  if (n.inconclusive)
    facts += fmt::format("; {} inconclusive (counted as {})", n.inconclusive, r.inconclusive);
  for (const auto& [label, value] :
       {std::pair<const char*, std::string>{"file", r.scenario_file},
        {"node", r.node_version},
        {"leakcheck", r.leakcheck_version},
        {"commit", r.git_commit.substr(0, std::min<size_t>(12, r.git_commit.size()))},
        {"started", r.started_at},
        {"baseline", r.baseline_file}})
    if (!value.empty()) facts += fmt::format(" · {} {}", label, Code(value));
  if (r.duration_seconds > 0) facts += fmt::format(" · {:.1f} s", r.duration_seconds);
  out += "<p class=\"facts\">" + facts + "</p>\n";
  if (r.scenarios.size() > 1) {
    out += "<nav><ul>";
    for (const auto& s : r.scenarios)
      out += fmt::format("<li><a href=\"#scenario-{}\">{}</a></li>", HtmlText(Slug(s.name)),
                         HtmlText(s.name));
    out += "</ul></nav>\n";
  }
  out += "</header>\n<main>\n";
  for (const auto& s : r.scenarios) out += Scenario(s, o);
  return out + "</main>\n</body></html>\n";
}

void WriteHtmlFile(const run::RunResult& r, const std::string& path, const HtmlOptions& options) {
  WriteTextFile(path, HtmlReport(r, options), "html");
}

}  // namespace leakcheck::reporters
