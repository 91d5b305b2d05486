// The scenario file: its top level, scenarios, thresholds and allow lists, and the public entry
// points. The rest of the parser is split by responsibility (see parser.h).
#include "harness/config/loader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "harness/common/error.h"
#include "harness/config/detectors.h"
#include "harness/config/parser.h"
#include "harness/config/regex_check.h"
#include "harness/config/suggest.h"

namespace leakcheck::config {
namespace {

constexpr std::string_view kTopKeys[] = {"version",   "app",         "target", "defaults",
                                         "scenarios", "secrets",     "before", "after",
                                         "variables", "environments"};
constexpr std::string_view kEnvironmentKeys[] = {"variables", "run"};
constexpr std::string_view kEnvironmentRunKeys[] = {"iterations", "duration", "concurrency"};
constexpr std::string_view kScenarioKeys[] = {
    "name", "warmup", "run", "checkpoints", "snapshots", "flow", "thresholds", "allow", "flows"};
constexpr std::string_view kWarmupKeys[] = {"iterations", "duration"};
constexpr std::string_view kRunKeys[] = {"iterations", "duration", "concurrency", "rate"};
constexpr std::string_view kAllowKeys[] = {"class", "path", "reason"};
// The threshold keys come from the detector registry (detectors.def).
constexpr auto& kDetectorKeys = kThresholdKeys;

constexpr int kMaxConcurrency = 10000;
constexpr int kMaxCheckpoints = 1000;

}  // namespace

namespace internal {

ScenarioFile Parser::Parse(std::string_view text) {
  ScenarioFile file;
  file.path = path_;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Error(SourceLocation{path_, e.mark.line + 1, e.mark.column + 1},
          fmt::format("YAML syntax error: {}", e.msg));
    return file;
  }
  if (!root || root.IsNull()) {
    Error(SourceLocation{path_, 1, 1},
          "the file is empty (expected `version`, `app` and `scenarios`)");
    return file;
  }
  auto top = Map(root, "the file", kTopKeys, {path_, 1, 1});
  if (!top) return file;

  if (const Field* f = top->Find("version")) {
    int64_t v = 0;
    if (!f->value.IsScalar() || !YAML::convert<int64_t>::decode(f->value, v) || v != 1) {
      Error(ValueLoc(*f), fmt::format("unsupported `version` {} (this leakcheck reads version 1)",
                                      f->value.IsScalar() ? f->value.Scalar() : "?"));
    } else {
      file.version = {1, ValueLoc(*f)};
    }
  }
  // First: every template of the file may use the variables of the file and its environments.
  if (const Field* f = top->Find("variables")) file.variables = ParseVariables(*f);
  if (const Field* f = top->Find("environments")) ParseEnvironments(*f, &file);
  if (const Field* f = top->Find("app")) {
    ParseApp(*f, &file.app);
  } else {
    Error(SourceLocation{path_, 1, 1}, "missing required key `app` (the Node app to run)");
  }
  file.target.value = Template::Literal("http://127.0.0.1:");
  file.target.value.Append(*Template::Compile("{{ app.port }}", nullptr), false);
  if (const Field* f = top->Find("target")) {
    if (auto t = TemplateValue(*f)) {
      if (t->source().rfind("http://", 0) != 0 && t->source().rfind("https://", 0) != 0) {
        Error(ValueLoc(*f), "`target` must start with `http://` or `https://`");
      } else {
        file.target = {std::move(*t), ValueLoc(*f)};
      }
    }
  }
  if (const Field* f = top->Find("defaults")) ParseDefaults(*f, &file.defaults);

  if (const Field* f = top->Find("before")) ParseOnceFlow(*f, &file.before, true);

  const Field* scenarios = top->Find("scenarios");
  if (!scenarios) {
    Error(SourceLocation{path_, 1, 1}, "missing required key `scenarios` (a list of scenarios)");
    return file;
  }
  if (!scenarios->value.IsSequence() || scenarios->value.size() == 0) {
    Error(ValueLoc(*scenarios), "`scenarios` must be a non-empty list");
    return file;
  }
  std::set<std::string> names;
  for (const YAML::Node& node : scenarios->value) {
    Scenario scenario;
    ParseScenario(node, &scenario);
    if (scenario.name.IsSet() && !names.insert(scenario.name.value).second) {
      Error(scenario.name.location,
            fmt::format("duplicate scenario name `{}`", scenario.name.value));
    }
    file.scenarios.push_back(std::move(scenario));
  }
  if (const Field* f = top->Find("after")) ParseOnceFlow(*f, &file.after, false);
  if (const Field* f = top->Find("secrets")) ParseSecrets(*f, &file);
  MarkSecretCaptures(&file);
  return file;
}

void Parser::ParseAmount(const MapView& map, Amount* amount, bool is_warmup) {
  const Field* iterations = map.Find("iterations");
  const Field* duration = map.Find("duration");
  if (iterations && duration) {
    Error(Loc(duration->key_node), "give either `iterations` or `duration`, not both");
    return;
  }
  if (iterations) {
    if (auto n = Integer(*iterations, is_warmup ? 0 : 1, int64_t{1} << 40)) {
      amount->iterations = {*n, ValueLoc(*iterations)};
    }
  }
  if (duration) {
    if (auto d = DurationValue(*duration, is_warmup)) {
      amount->duration = Located<Duration>{*d, ValueLoc(*duration)};
    }
  }
}

std::vector<Field> Parser::Entries(const Field& f, std::string_view what) {
  std::vector<Field> out;
  if (!f.value.IsMap()) {
    Error(ValueLoc(f), fmt::format("`{}` must be a mapping of names to values", what));
    return out;
  }
  for (auto it = f.value.begin(); it != f.value.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: see Parser::Map
    if (!key.IsScalar()) {
      Error(key, fmt::format("keys of `{}` must be plain names", what));
      continue;
    }
    auto same = [&](const Field& e) { return e.key == key.Scalar(); };
    if (auto first = std::find_if(out.begin(), out.end(), same); first != out.end()) {
      Error(key, fmt::format("duplicate key `{}` (first set on line {})", key.Scalar(),
                             Loc(first->key_node).line));
      continue;
    }
    out.push_back({key.Scalar(), key, it->second});
  }
  return out;
}

std::vector<Variable> Parser::ParseVariables(const Field& f) {
  std::vector<Variable> out;
  for (const Field& v : Entries(f, "variables")) {
    if (v.key.empty() || v.key[0] == '$' || !std::all_of(v.key.begin(), v.key.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        })) {
      Error(Loc(v.key_node), fmt::format("variable name `{}` may hold only letters, digits, `_`, "
                                         "`-` and `.`",
                                         v.key));
      continue;
    }
    if (v.key == "app.port") {
      Error(Loc(v.key_node), "`app.port` is set by leakcheck (the app's port), not a variable");
      continue;
    }
    if (!v.value.IsScalar()) {
      Error(ValueLoc(v), fmt::format("variable `{}` must be a single value", v.key));
      continue;
    }
    out.push_back({v.key, {v.value.Scalar(), ValueLoc(v)}});
    if (std::find(global_names_.begin(), global_names_.end(), v.key) == global_names_.end())
      global_names_.push_back(v.key);
  }
  return out;
}

void Parser::ParseEnvironments(const Field& f, ScenarioFile* file) {
  for (const Field& e : Entries(f, "environments")) {
    Environment env;
    env.name = {e.key, Loc(e.key_node)};
    auto body = Map(e.value, "environment", kEnvironmentKeys, ValueLoc(e));
    if (!body) continue;
    if (const Field* v = body->Find("variables")) env.variables = ParseVariables(*v);
    if (const Field* r = body->Find("run")) {
      if (auto run = Map(r->value, "run", kEnvironmentRunKeys, ValueLoc(*r))) {
        const Field* iterations = run->Find("iterations");
        const Field* duration = run->Find("duration");
        if (iterations && duration) {
          Error(Loc(duration->key_node), "give either `iterations` or `duration`, not both");
        } else if (iterations) {
          if (auto n = Integer(*iterations, 1, int64_t{1} << 40))
            env.run.iterations = Located<int64_t>{*n, ValueLoc(*iterations)};
        } else if (duration) {
          if (auto d = DurationValue(*duration, false))
            env.run.duration = Located<Duration>{*d, ValueLoc(*duration)};
        }
        if (const Field* c = run->Find("concurrency"))
          if (auto n = Integer(*c, 1, kMaxConcurrency))
            env.run.concurrency = Located<int>{static_cast<int>(*n), ValueLoc(*c)};
      }
    }
    file->environments.push_back(std::move(env));
  }
}

void Parser::ParseRun(const Field& f, RunSpec* run) {
  run->location = Loc(f.key_node);
  auto map = Map(f.value, "run", kRunKeys, ValueLoc(f));
  if (!map) return;
  ParseAmount(*map, &run->amount, false);
  if (const Field* c = map->Find("concurrency")) {
    if (auto n = Integer(*c, 1, kMaxConcurrency))
      run->concurrency = {static_cast<int>(*n), ValueLoc(*c)};
  }
  if (const Field* r = map->Find("rate")) {
    std::optional<double> rate;
    if (r->value.IsScalar()) rate = ParseRate(r->value.Scalar());
    if (!rate) {
      Error(ValueLoc(*r), "`rate` must be iterations per time unit, like `500/s` or `30/m`");
    } else if (*rate <= 0) {
      Error(ValueLoc(*r), fmt::format("`rate` must be more than zero, got {}", r->value.Scalar()));
    } else {
      run->rate = Located<double>{*rate, ValueLoc(*r)};
    }
  }
}

void Parser::ParseScenario(const YAML::Node& node, Scenario* scenario) {
  scenario->location = Loc(node);
  scenario->thresholds = DefaultThresholds();
  known_names_ = before_names_;  // what `before:` captured is visible to every flow
  auto map = Map(node, "scenario", kScenarioKeys, Loc(node));
  if (!map) return;
  if (const Field* f = map->Find("name")) {
    if (auto name = String(*f)) {
      if (name->empty()) Error(ValueLoc(*f), "`name` must not be empty");
      scenario->name = {*name, ValueLoc(*f)};
    }
  } else {
    Error(scenario->location, "missing required key `name` in scenario");
  }
  if (const Field* f = map->Find("warmup")) {
    if (auto warmup = Map(f->value, "warmup", kWarmupKeys, ValueLoc(*f))) {
      ParseAmount(*warmup, &scenario->warmup, true);
    }
  }
  if (const Field* f = map->Find("run")) ParseRun(*f, &scenario->run);
  if (const Field* f = map->Find("checkpoints")) {
    if (auto n = Integer(*f, 2, kMaxCheckpoints))
      scenario->checkpoints = {static_cast<int>(*n), ValueLoc(*f)};
  }
  if (const Field* f = map->Find("snapshots")) {
    int64_t n = 0;
    if (!f->value.IsScalar() || !YAML::convert<int64_t>::decode(f->value, n) ||
        (n != 2 && n != 3)) {
      Error(ValueLoc(*f), fmt::format("`snapshots` must be 2 (baseline, final) or 3 (baseline, "
                                      "middle, final), got {}",
                                      f->value.IsScalar() ? f->value.Scalar() : "a non-number"));
    } else {
      scenario->snapshots = {static_cast<int>(n), ValueLoc(*f)};
    }
  }
  const Field* flows = map->Find("flows");
  if (const Field* f = map->Find("flow")) {
    scenario->flow = ParseFlow(*f, scenario);
    if (flows) Error(Loc(flows->key_node), "give either `flow` or `flows` (weighted), not both");
  } else if (flows) {
    ParseWeightedFlows(*flows, scenario);
  } else {
    Error(scenario->location, "missing required key `flow` in scenario (the requests to send)");
  }
  if (const Field* f = map->Find("thresholds")) ParseThresholds(*f, scenario);
  if (const Field* f = map->Find("allow")) ParseAllow(*f, scenario);
}

void Parser::ParseThresholds(const Field& f, Scenario* scenario) {
  auto map = Map(f.value, "thresholds", kDetectorKeys, ValueLoc(f));
  if (!map) return;
  for (const Field& field : map->fields) {
    auto index = std::find(std::begin(kDetectorKeys), std::end(kDetectorKeys), field.key) -
                 std::begin(kDetectorKeys);
    Threshold& t = scenario->thresholds[static_cast<size_t>(index)];
    if (!field.value.IsScalar()) {
      Error(ValueLoc(field), fmt::format("threshold `{}` must be a single value", field.key));
      continue;
    }
    const std::string& text = field.value.Scalar();
    std::optional<double> value;
    std::string expected;
    switch (t.unit) {
      case ThresholdUnit::kBytes:
        value = ParseSize(text);
        expected = "a size like `64B`, `2KB` or `1MiB`";
        break;
      case ThresholdUnit::kFraction:
        value = ParsePercent(text);
        expected = "a percentage like `0%` or `1.5%`";
        break;
      case ThresholdUnit::kCount: {
        double n = 0;
        if (YAML::convert<double>::decode(field.value, n) && std::isfinite(n)) value = n;
        bool integral = SpecOf(t.detector).whole_number;
        expected = integral ? "a whole number" : "a number";
        if (value && integral && *value != std::floor(*value)) value.reset();
        break;
      }
    }
    if (!value) {
      Error(ValueLoc(field),
            fmt::format("threshold `{}` must be {}, got `{}`", field.key, expected, text));
      continue;
    }
    if (*value < 0) {
      Error(ValueLoc(field),
            fmt::format("threshold `{}` must not be negative, got `{}`", field.key, text));
      continue;
    }
    if (t.unit == ThresholdUnit::kFraction && *value > 1) {
      Error(ValueLoc(field),
            fmt::format("threshold `{}` must be at most 100%, got `{}`", field.key, text));
      continue;
    }
    t.limit = *value;
    t.text = text;
    t.location = ValueLoc(field);
  }
}

void Parser::ParseAllow(const Field& f, Scenario* scenario) {
  if (!f.value.IsSequence()) {
    Error(ValueLoc(f), "`allow` must be a list of `{ class: ..., reason: ... }` entries");
    return;
  }
  for (const YAML::Node& item : f.value) {
    auto map = Map(item, "allow", kAllowKeys, Loc(item));
    if (!map) continue;
    Allow allow;
    allow.location = Loc(item);
    if (const Field* c = map->Find("class")) {
      if (auto s = String(*c)) allow.class_name = *s;
    }
    if (const Field* p = map->Find("path")) {
      if (auto s = String(*p)) allow.path = *s;
    }
    if (const Field* r = map->Find("reason")) {
      if (auto s = String(*r)) allow.reason = *s;
    }
    if (!map->Find("class") && !map->Find("path")) {
      Error(allow.location, "an `allow` entry needs `class` or `path`");
      continue;
    }
    scenario->allow.push_back(std::move(allow));
  }
}

}  // namespace internal

std::string SourceLocation::ToString() const {
  if (line == 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Diagnostic::ToString() const {
  return fmt::format("{}: {}", location.ToString(), message);
}

const char* MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kHead:
      return "HEAD";
  }
  return "GET";
}

// DetectorName and DefaultThresholds read the detector registry: harness/config/detectors.cc.

ScenarioFile ParseScenarioText(std::string_view text, const std::string& path,
                               std::vector<Diagnostic>* diagnostics) {
  size_t first = diagnostics->size();
  internal::Parser parser(path, diagnostics);
  ScenarioFile file = parser.Parse(text);
  std::stable_sort(diagnostics->begin() + static_cast<std::ptrdiff_t>(first), diagnostics->end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.location.line, a.location.column) <
                            std::pair(b.location.line, b.location.column);
                   });
  return file;
}

namespace {

std::optional<std::string> ReadFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("{}: cannot read the file: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::vector<Diagnostic> ValidateScenarioFile(const std::string& path) {
  std::vector<Diagnostic> diagnostics;
  std::string error;
  auto text = ReadFile(path, &error);
  if (!text) {
    Diagnostic d;
    d.location.file = path;
    d.message = error.substr(path.size() + 2);
    diagnostics.push_back(std::move(d));
    return diagnostics;
  }
  ParseScenarioText(*text, path, &diagnostics);
  return diagnostics;
}

ScenarioFile LoadScenarioFile(const std::string& path) {
  std::string error;
  auto text = ReadFile(path, &error);
  if (!text) throw InputError("config", error);
  std::vector<Diagnostic> diagnostics;
  ScenarioFile file = ParseScenarioText(*text, path, &diagnostics);
  if (!diagnostics.empty()) {
    std::string message = diagnostics.front().ToString();
    if (diagnostics.size() > 1) {
      message +=
          fmt::format(" (and {} more; run `leakcheck validate {}`)", diagnostics.size() - 1, path);
    }
    throw InputError("config", message);
  }
  return file;
}

}  // namespace leakcheck::config
