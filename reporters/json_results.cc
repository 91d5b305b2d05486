#include "reporters/json_results.h"

#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "harness/common/error.h"
#include "reporters/values.h"

namespace leakcheck::reporters {

namespace json = boost::json;

namespace {

// ---- writing --------------------------------------------------------------------------------

json::value Number(double d) {
  if (!std::isfinite(d)) return nullptr;  // JSON has no NaN/Infinity
  return d;
}

json::object Location(const run::SourceLocation& l) {
  return {{"file", l.file}, {"line", l.line}, {"column", l.column}};
}

json::object Pairs(const std::vector<std::pair<std::string, int64_t>>& pairs) {
  json::object o;
  for (const auto& [k, n] : pairs) o[k] = n;
  return o;
}

json::object EvidenceJson(const run::Evidence& e) {
  return {{"kind", EvidenceKindName(e.kind)},         {"title", e.title}, {"detail", e.detail},
          {"per_iteration", Number(e.per_iteration)}, {"count", e.count}, {"bytes", e.bytes}};
}

json::object CheckJson(const run::CheckResult& c) {
  json::array evidence;
  for (const auto& e : c.evidence) evidence.push_back(EvidenceJson(e));
  json::value baseline = nullptr;
  if (c.baseline_measured) baseline = Number(*c.baseline_measured);
  return {{"detector", c.detector},
          {"status", CheckStatusName(c.status)},
          {"measured", Number(c.measured)},
          {"limit", Number(c.limit)},
          {"unit", c.unit},
          {"summary", c.summary},
          {"allowed_reason", c.allowed_reason},
          {"location", Location(c.location)},
          {"default_threshold", c.default_threshold},
          {"baseline_measured", baseline},
          {"evidence", std::move(evidence)}};
}

json::object SampleJson(const run::CheckpointSample& s) {
  return {{"iteration", s.iteration},
          {"heap_used", Number(s.heap_used)},
          {"heap_total", Number(s.heap_total)},
          {"external", Number(s.external)},
          {"array_buffers", Number(s.array_buffers)},
          {"code", Number(s.code)},
          {"resources", Pairs(s.resources)},
          {"snapshot", s.snapshot}};
}

json::object LoadJson(const run::LoadStats& l) {
  return {{"iterations", l.iterations},
          {"requests", l.requests},
          {"errors", l.errors},
          {"errors_by_kind", Pairs(l.errors_by_kind)},
          {"requests_per_second", Number(l.requests_per_second)},
          {"latency_ms",
           {{"p50", Number(l.latency_p50_ms)},
            {"p90", Number(l.latency_p90_ms)},
            {"p99", Number(l.latency_p99_ms)},
            {"max", Number(l.latency_max_ms)}}}};
}

json::object TimesJson(const run::PhaseTimes& t) {
  return {{"startup", Number(t.startup)},     {"warmup", Number(t.warmup)},
          {"load", Number(t.load)},           {"gc_and_measure", Number(t.gc_and_measure)},
          {"snapshots", Number(t.snapshots)}, {"analysis", Number(t.analysis)},
          {"shutdown", Number(t.shutdown)}};
}

json::object ScenarioJson(const run::ScenarioResult& s) {
  json::array checks, samples, snapshots;
  for (const auto& c : s.checks) checks.push_back(CheckJson(c));
  for (const auto& p : s.checkpoints) samples.push_back(SampleJson(p));
  for (const auto& f : s.snapshots) snapshots.push_back(json::string(f));
  json::value infra = nullptr;
  if (s.infrastructure_error) infra = json::string(*s.infrastructure_error);
  return {{"name", s.name},
          {"location", Location(s.location)},
          {"passed", s.passed},
          {"infrastructure_error", infra},
          {"infrastructure_stage", s.infrastructure_stage},
          {"app_stderr_tail", s.app_stderr_tail},
          {"app_pid", s.app_pid},
          {"duration_seconds", Number(s.duration_seconds)},
          {"checks", std::move(checks)},
          {"checkpoints", std::move(samples)},
          {"warmup", LoadJson(s.warmup)},
          {"load", LoadJson(s.load)},
          {"times", TimesJson(s.times)},
          {"snapshots", std::move(snapshots)}};
}

void Pretty(std::string& out, const json::value& v, int indent) {
  auto newline = [&](int level) { out += '\n' + std::string(static_cast<size_t>(level) * 2, ' '); };
  if (v.is_object() && !v.get_object().empty()) {
    out += '{';
    bool first = true;
    for (const auto& [k, child] : v.get_object()) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      out += json::serialize(json::string(k)) + ": ";
      Pretty(out, child, indent + 1);
    }
    newline(indent);
    out += '}';
  } else if (v.is_array() && !v.get_array().empty()) {
    out += '[';
    bool first = true;
    for (const auto& child : v.get_array()) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      Pretty(out, child, indent + 1);
    }
    newline(indent);
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

json::value ResultsJson(const run::RunResult& r) {
  json::array scenarios;
  for (const auto& s : r.scenarios) scenarios.push_back(ScenarioJson(s));
  return json::object{{"schema_version", run::kResultsSchemaVersion},
                      {"outcome", Outcome(r)},
                      {"exit_code", r.ExitCode()},
                      {"scenario_file", r.scenario_file},
                      {"leakcheck_version", r.leakcheck_version},
                      {"node_version", r.node_version},
                      {"git_commit", r.git_commit},
                      {"started_at", r.started_at},
                      {"duration_seconds", Number(r.duration_seconds)},
                      {"run_dir", r.run_dir},
                      {"interrupted", r.interrupted},
                      {"baseline_file", r.baseline_file},
                      {"scenarios", std::move(scenarios)}};
}

std::string ResultsJsonText(const run::RunResult& r) {
  std::string out;
  Pretty(out, ResultsJson(r), 0);
  return out + '\n';
}

void WriteResultsFile(const run::RunResult& r, const std::string& path) {
  WriteTextFile(path, ResultsJsonText(r), "results");
  ::chmod(path.c_str(), 0600);  // lives in the private run folder, like the logs
}

// ---- reading --------------------------------------------------------------------------------

namespace {

// Reads fields of one JSON object, naming the field's path in errors ("scenarios[0].name").
class Fields {
 public:
  Fields(const json::value& v, std::string path) : path_(std::move(path)) {
    if (!v.is_object()) Fail(path_, "expected an object");
    object_ = &v.get_object();
  }

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const json::value* Find(std::string_view key) const {
    const json::value* v = object_->if_contains(key);
    return v != nullptr && !v->is_null() ? v : nullptr;
  }
  std::string String(std::string_view key) const {
    const json::value* v = Find(key);
    if (v == nullptr) return "";
    if (!v->is_string()) Fail(Path(key), "expected a string");
    return std::string(v->get_string());
  }
  double Double(std::string_view key, double missing = 0) const {
    const json::value* v = Find(key);
    if (v == nullptr) return missing;
    if (!v->is_number()) Fail(Path(key), "expected a number");
    return v->to_number<double>();
  }
  int64_t Int(std::string_view key) const {
    const json::value* v = Find(key);
    if (v == nullptr) return 0;
    if (v->is_double()) return static_cast<int64_t>(v->get_double());
    if (!v->is_number()) Fail(Path(key), "expected an integer");
    return v->to_number<int64_t>();
  }
  bool Bool(std::string_view key, bool missing) const {
    const json::value* v = Find(key);
    if (v == nullptr) return missing;
    if (!v->is_bool()) Fail(Path(key), "expected true or false");
    return v->get_bool();
  }
  /// Calls fn(element, path) for each element of an array field (none when absent).
  template <typename Fn>
  void Each(std::string_view key, Fn fn) const {
    const json::value* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_array()) Fail(Path(key), "expected an array");
    size_t i = 0;
    for (const auto& e : v->get_array()) fn(e, fmt::format("{}[{}]", Path(key), i++));
  }
  std::vector<std::pair<std::string, int64_t>> Pairs(std::string_view key) const {
    std::vector<std::pair<std::string, int64_t>> out;
    const json::value* v = Find(key);
    if (v == nullptr) return out;
    if (!v->is_object()) Fail(Path(key), "expected an object of counts");
    Fields counts(*v, Path(key));
    for (const auto& [k, n] : v->get_object()) out.emplace_back(std::string(k), counts.Int(k));
    return out;
  }
  [[noreturn]] static void Fail(const std::string& path, std::string_view what) {
    throw InputError("results", fmt::format("{}: {}", path.empty() ? "(top)" : path, what));
  }

 private:
  std::string path_;
  const json::object* object_ = nullptr;
};

run::SourceLocation ReadLocation(const Fields& f, std::string_view key) {
  run::SourceLocation l;
  if (const json::value* v = f.Find(key)) {
    Fields loc(*v, f.Path(key));
    l.file = loc.String("file");
    l.line = static_cast<int>(loc.Int("line"));
    l.column = static_cast<int>(loc.Int("column"));
  }
  return l;
}

run::CheckStatus ReadStatus(const Fields& f) {
  std::string s = f.String("status");
  for (auto st : {run::CheckStatus::kPassed, run::CheckStatus::kFailed, run::CheckStatus::kAllowed,
                  run::CheckStatus::kSkipped})
    if (CheckStatusName(st) == s) return st;
  Fields::Fail(f.Path("status"), fmt::format("unknown status \"{}\"", s));
}

run::Evidence::Kind ReadKind(const Fields& f) {
  std::string s = f.String("kind");
  for (int k = 0; k <= static_cast<int>(run::Evidence::Kind::kNote); ++k) {
    auto kind = static_cast<run::Evidence::Kind>(k);
    if (EvidenceKindName(kind) == s) return kind;
  }
  return run::Evidence::Kind::kNote;  // a newer kind reads as a note
}

run::CheckResult ReadCheck(const json::value& v, const std::string& path) {
  Fields f(v, path);
  run::CheckResult c;
  c.detector = f.String("detector");
  c.status = ReadStatus(f);
  c.measured = f.Double("measured", std::nan(""));
  c.limit = f.Double("limit", std::nan(""));
  c.unit = f.String("unit");
  c.summary = f.String("summary");
  c.allowed_reason = f.String("allowed_reason");
  c.location = ReadLocation(f, "location");
  c.default_threshold = f.Bool("default_threshold", true);
  if (f.Find("baseline_measured")) c.baseline_measured = f.Double("baseline_measured");
  f.Each("evidence", [&](const json::value& e, const std::string& p) {
    Fields ef(e, p);
    c.evidence.push_back({ReadKind(ef), ef.String("title"), ef.String("detail"),
                          ef.Double("per_iteration"), ef.Int("count"), ef.Int("bytes")});
  });
  return c;
}

run::LoadStats ReadLoad(const Fields& parent, std::string_view key) {
  run::LoadStats l;
  const json::value* v = parent.Find(key);
  if (v == nullptr) return l;
  Fields f(*v, parent.Path(key));
  l.iterations = f.Int("iterations");
  l.requests = f.Int("requests");
  l.errors = f.Int("errors");
  l.errors_by_kind = f.Pairs("errors_by_kind");
  l.requests_per_second = f.Double("requests_per_second");
  if (const json::value* lat = f.Find("latency_ms")) {
    Fields lf(*lat, f.Path("latency_ms"));
    l.latency_p50_ms = lf.Double("p50");
    l.latency_p90_ms = lf.Double("p90");
    l.latency_p99_ms = lf.Double("p99");
    l.latency_max_ms = lf.Double("max");
  }
  return l;
}

run::PhaseTimes ReadTimes(const Fields& parent) {
  run::PhaseTimes t;
  const json::value* v = parent.Find("times");
  if (v == nullptr) return t;
  Fields f(*v, parent.Path("times"));
  t.startup = f.Double("startup");
  t.warmup = f.Double("warmup");
  t.load = f.Double("load");
  t.gc_and_measure = f.Double("gc_and_measure");
  t.snapshots = f.Double("snapshots");
  t.analysis = f.Double("analysis");
  t.shutdown = f.Double("shutdown");
  return t;
}

run::ScenarioResult ReadScenario(const json::value& v, const std::string& path) {
  Fields f(v, path);
  run::ScenarioResult s;
  s.name = f.String("name");
  s.location = ReadLocation(f, "location");
  s.passed = f.Bool("passed", true);
  if (f.Find("infrastructure_error")) s.infrastructure_error = f.String("infrastructure_error");
  s.infrastructure_stage = f.String("infrastructure_stage");
  s.app_stderr_tail = f.String("app_stderr_tail");
  s.app_pid = static_cast<int>(f.Int("app_pid"));
  s.duration_seconds = f.Double("duration_seconds");
  f.Each("checks",
         [&](const json::value& c, const std::string& p) { s.checks.push_back(ReadCheck(c, p)); });
  f.Each("checkpoints", [&](const json::value& c, const std::string& p) {
    Fields cf(c, p);
    run::CheckpointSample sample;
    sample.iteration = cf.Int("iteration");
    sample.heap_used = cf.Double("heap_used");
    sample.heap_total = cf.Double("heap_total");
    sample.external = cf.Double("external");
    sample.array_buffers = cf.Double("array_buffers");
    sample.code = cf.Double("code");
    sample.resources = cf.Pairs("resources");
    sample.snapshot = cf.String("snapshot");
    s.checkpoints.push_back(std::move(sample));
  });
  s.warmup = ReadLoad(f, "warmup");
  s.load = ReadLoad(f, "load");
  s.times = ReadTimes(f);
  f.Each("snapshots", [&](const json::value& e, const std::string& p) {
    if (!e.is_string()) Fields::Fail(p, "expected a string");
    s.snapshots.emplace_back(e.get_string());
  });
  return s;
}

}  // namespace

run::RunResult ResultsFromJson(const json::value& v) {
  Fields f(v, "");
  if (!f.Find("schema_version"))
    Fields::Fail("schema_version", "missing: not a leakcheck results file");
  int64_t version = f.Int("schema_version");
  if (version < 1 || version > run::kResultsSchemaVersion)
    Fields::Fail("schema_version", fmt::format("{} is not supported (this leakcheck reads 1 to {})",
                                               version, run::kResultsSchemaVersion));
  run::RunResult r;
  r.scenario_file = f.String("scenario_file");
  r.leakcheck_version = f.String("leakcheck_version");
  r.node_version = f.String("node_version");
  r.git_commit = f.String("git_commit");
  r.started_at = f.String("started_at");
  r.duration_seconds = f.Double("duration_seconds");
  r.run_dir = f.String("run_dir");
  r.interrupted = f.Bool("interrupted", false);
  r.baseline_file = f.String("baseline_file");
  f.Each("scenarios", [&](const json::value& s, const std::string& p) {
    r.scenarios.push_back(ReadScenario(s, p));
  });
  return r;
}

run::RunResult ReadResultsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("results", fmt::format("{}: cannot open", path));
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  if (ec) throw InputError("results", fmt::format("{}: not JSON: {}", path, ec.message()));
  try {
    return ResultsFromJson(v);
  } catch (const Error& e) {
    throw InputError("results", fmt::format("{}: {}", path, e.detail()));
  }
}

}  // namespace leakcheck::reporters
