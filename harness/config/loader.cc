#include "harness/config/loader.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <span>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "harness/common/error.h"
#include "harness/config/detectors.h"
#include "harness/config/regex_check.h"
#include "harness/config/suggest.h"

namespace leakcheck::config {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::string_view kTopKeys[] = {"version",  "app",       "target",
                                         "defaults", "scenarios", "secrets"};
constexpr std::string_view kAppKeys[] = {"command", "cwd",   "env",          "node_args",
                                         "port",    "ready", "stop_timeout", "reuse"};
constexpr std::string_view kReadyKeys[] = {"http", "log", "timeout"};
constexpr std::string_view kDefaultsKeys[] = {"headers", "timeout"};
constexpr std::string_view kScenarioKeys[] = {"name",      "warmup", "run",        "checkpoints",
                                              "snapshots", "flow",   "thresholds", "allow"};
constexpr std::string_view kWarmupKeys[] = {"iterations", "duration"};
constexpr std::string_view kRunKeys[] = {"iterations", "duration", "concurrency", "rate"};
constexpr std::string_view kStepKeys[] = {"get",    "post", "put",   "patch",
                                          "delete", "head", "think", "loop"};
constexpr std::string_view kRequestKeys[] = {"url",     "headers", "json",   "body",
                                             "capture", "expect",  "timeout"};
constexpr std::string_view kCaptureKeys[] = {"json", "as"};
constexpr std::string_view kExpectKeys[] = {"status", "header", "contains"};
constexpr std::string_view kLoopKeys[] = {"count", "flow"};
constexpr std::string_view kAllowKeys[] = {"class", "path", "reason"};
// The threshold keys come from the detector registry (detectors.def).
constexpr auto& kDetectorKeys = kThresholdKeys;

constexpr int kMaxConcurrency = 10000;
constexpr int kMaxCheckpoints = 1000;
constexpr int64_t kMaxLoopCount = 1000000;

struct Field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// The fields of one YAML mapping, already checked for unknown and duplicate keys.
struct MapView {
  std::vector<Field> fields;
  SourceLocation location;

  const Field* Find(std::string_view key) const {
    for (const Field& f : fields) {
      if (f.key == key) return &f;
    }
    return nullptr;
  }
};

std::string DidYouMean(std::string_view word, Keys candidates) {
  std::string s = Suggest(word, candidates);
  return s.empty() ? "" : fmt::format(" (did you mean `{}`?)", s);
}

bool IsName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// Splits a command line like a POSIX shell would (quotes and backslashes), without running one.
std::optional<std::vector<std::string>> ShellSplit(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote == '\'') {
      if (c == '\'')
        quote = 0;
      else
        word.push_back(c);
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < line.size() &&
                 std::string_view("\"\\$`").find(line[i + 1]) != std::string_view::npos) {
        word.push_back(line[++i]);
      } else {
        word.push_back(c);
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word.push_back(line[++i]);
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (quote != 0) return std::nullopt;
  if (in_word) words.push_back(std::move(word));
  return words;
}

// Calls `fn` on every request step of a flow, loops included.
template <typename Fn>
void ForEachRequest(std::vector<Step>& flow, const Fn& fn) {
  for (Step& step : flow) {
    if (step.kind == Step::Kind::kRequest) fn(step.request);
    if (step.kind == Step::Kind::kLoop) ForEachRequest(step.loop.flow, fn);
  }
}

bool IsCredentialHeader(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "authorization" || lower == "proxy-authorization" || lower == "cookie";
}

// Environment variables a template reads (`{{ $env.NAME }}`).
void AddEnvNames(const Template& t, std::set<std::string>* names) {
  for (const TemplatePart& part : t.parts())
    if (part.kind == TemplatePart::Kind::kEnv) names->insert(part.text);
}

// Captures named in `secrets:` or used in an Authorization/Cookie header are secret.
void MarkSecretCaptures(ScenarioFile* file) {
  std::set<std::string> names;
  for (const auto& s : file->secrets) names.insert(s.value);
  auto add_header_names = [&](const std::vector<Header>& headers) {
    for (const Header& h : headers)
      if (IsCredentialHeader(h.name))
        for (const std::string& v : h.value.VariableNames()) names.insert(v);
  };
  add_header_names(file->defaults.headers);
  for (Scenario& sc : file->scenarios)
    ForEachRequest(sc.flow, [&](RequestStep& r) { add_header_names(r.headers); });
  for (Scenario& sc : file->scenarios)
    ForEachRequest(sc.flow, [&](RequestStep& r) {
      for (Capture& c : r.captures) c.secret = names.count(c.as.value) > 0;
    });
}

class Parser {
 public:
  Parser(std::string path, std::vector<Diagnostic>* diagnostics)
      : path_(std::move(path)), diagnostics_(diagnostics) {}

  ScenarioFile Parse(std::string_view text);

 private:
  SourceLocation Loc(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.line < 0) return {path_, 0, 0};
    return {path_, mark.line + 1, mark.column + 1};
  }
  void Error(const SourceLocation& where, std::string message) {
    diagnostics_->push_back({where, std::move(message)});
  }
  void Error(const YAML::Node& node, std::string message) { Error(Loc(node), std::move(message)); }
  // The location of a field's value, or of its key when the value has none (an empty value).
  SourceLocation ValueLoc(const Field& f) const {
    SourceLocation loc = Loc(f.value);
    return loc.line == 0 ? Loc(f.key_node) : loc;
  }

  std::optional<MapView> Map(const YAML::Node& node, std::string_view what, Keys allowed,
                             const SourceLocation& where);
  std::optional<std::string> String(const Field& f);
  std::optional<int64_t> Integer(const Field& f, int64_t min, int64_t max);
  std::optional<Duration> DurationValue(const Field& f, bool allow_zero);
  std::optional<bool> Bool(const Field& f);
  std::optional<Template> TemplateValue(const Field& f);
  std::optional<Template> TemplateScalar(const YAML::Node& node, const SourceLocation& where);
  std::optional<std::vector<std::string>> StringList(const Field& f, bool split_string);
  void CheckVariables(const Template& t, const SourceLocation& where);

  void ParseApp(const Field& f, AppConfig* app);
  void ParseReady(const Field& f, ReadyProbe* ready);
  void ParseDefaults(const Field& f, Defaults* defaults);
  std::vector<Header> ParseHeaders(const Field& f);
  void ParseScenario(const YAML::Node& node, Scenario* scenario);
  void ParseAmount(const MapView& map, Amount* amount, bool is_warmup);
  void ParseRun(const Field& f, RunSpec* run);
  std::vector<Step> ParseFlow(const Field& f, Scenario* scenario);
  std::optional<Step> ParseStep(const YAML::Node& node, Scenario* scenario);
  void ParseRequest(const Field& f, Method method, Step* step, Scenario* scenario);
  void ParseCaptures(const Field& f, RequestStep* request);
  void ParseExpect(const Field& f, Expect* expect);
  std::optional<Template> JsonBody(const YAML::Node& node);
  bool AppendJson(const YAML::Node& node, Template* out);
  void ParseThresholds(const Field& f, Scenario* scenario);
  void ParseAllow(const Field& f, Scenario* scenario);
  void ParseSecrets(const Field& f, ScenarioFile* file);

  std::string path_;
  std::vector<Diagnostic>* diagnostics_;
  std::vector<std::string> known_names_;  // captured so far in the current scenario's flow
};

std::optional<MapView> Parser::Map(const YAML::Node& node, std::string_view what, Keys allowed,
                                   const SourceLocation& where) {
  if (!node.IsMap()) {
    SourceLocation loc = Loc(node);
    Error(loc.line == 0 ? where : loc, fmt::format("`{}` must be a mapping", what));
    return std::nullopt;
  }
  MapView view;
  view.location = Loc(node);
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: yaml-cpp's iterator yields temporaries, so `it->first` must not be bound to a
    // reference (AddressSanitizer caught a stack-use-after-scope here). Nodes are handles.
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      Error(key, fmt::format("keys of `{}` must be plain names", what));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      Error(key, fmt::format("unknown key `{}` in `{}`{}", name, what, DidYouMean(name, allowed)));
      continue;
    }
    if (const Field* first = view.Find(name)) {
      Error(key, fmt::format("duplicate key `{}` (first set on line {})", name,
                             Loc(first->key_node).line));
      continue;
    }
    view.fields.push_back({name, key, it->second});
  }
  return view;
}

std::optional<std::string> Parser::String(const Field& f) {
  if (!f.value.IsScalar()) {
    Error(ValueLoc(f), fmt::format("`{}` must be a string", f.key));
    return std::nullopt;
  }
  return f.value.Scalar();
}

std::optional<int64_t> Parser::Integer(const Field& f, int64_t min, int64_t max) {
  int64_t value = 0;
  if (!f.value.IsScalar() || !YAML::convert<int64_t>::decode(f.value, value)) {
    Error(ValueLoc(f), fmt::format("`{}` must be an integer", f.key));
    return std::nullopt;
  }
  if (value < min || value > max) {
    Error(ValueLoc(f),
          fmt::format("`{}` must be between {} and {}, got {}", f.key, min, max, value));
    return std::nullopt;
  }
  return value;
}

std::optional<Duration> Parser::DurationValue(const Field& f, bool allow_zero) {
  std::optional<Duration> d;
  if (f.value.IsScalar()) d = ParseDuration(f.value.Scalar());
  if (!d) {
    Error(ValueLoc(f),
          fmt::format("`{}` must be a duration with a unit, like `250ms`, `2s` or `1m`", f.key));
    return std::nullopt;
  }
  if (d->count() < 0 || (!allow_zero && d->count() == 0)) {
    Error(ValueLoc(f),
          fmt::format("`{}` must be {}, got {}", f.key,
                      allow_zero ? "zero or more" : "more than zero", f.value.Scalar()));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> Parser::Bool(const Field& f) {
  bool value = false;
  if (!f.value.IsScalar() || !YAML::convert<bool>::decode(f.value, value)) {
    Error(ValueLoc(f), fmt::format("`{}` must be true or false", f.key));
    return std::nullopt;
  }
  return value;
}

std::optional<Template> Parser::TemplateScalar(const YAML::Node& node,
                                               const SourceLocation& where) {
  std::string error;
  auto t = Template::Compile(node.Scalar(), &error);
  if (!t) {
    Error(where, error);
    return std::nullopt;
  }
  CheckVariables(*t, where);
  return t;
}

std::optional<Template> Parser::TemplateValue(const Field& f) {
  if (!f.value.IsScalar()) {
    Error(ValueLoc(f), fmt::format("`{}` must be a string", f.key));
    return std::nullopt;
  }
  return TemplateScalar(f.value, ValueLoc(f));
}

void Parser::CheckVariables(const Template& t, const SourceLocation& where) {
  for (const std::string& name : t.VariableNames()) {
    if (name == "app.port") continue;
    if (std::find(known_names_.begin(), known_names_.end(), name) != known_names_.end()) continue;
    std::vector<std::string_view> candidates(known_names_.begin(), known_names_.end());
    candidates.push_back("app.port");
    Error(where, fmt::format("unknown variable `{}` in template: not captured by an earlier step{}",
                             name, DidYouMean(name, candidates)));
  }
}

std::optional<std::vector<std::string>> Parser::StringList(const Field& f, bool split_string) {
  if (f.value.IsScalar() && split_string) {
    auto words = ShellSplit(f.value.Scalar());
    if (!words) Error(ValueLoc(f), fmt::format("`{}` has an unterminated quote", f.key));
    return words;
  }
  if (!f.value.IsSequence()) {
    Error(ValueLoc(f), fmt::format("`{}` must be a list of strings", f.key));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const YAML::Node& item : f.value) {
    if (!item.IsScalar()) {
      Error(item, fmt::format("`{}` must be a list of strings", f.key));
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

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
  if (const Field* f = top->Find("app")) {
    ParseApp(*f, &file.app);
  } else {
    Error(SourceLocation{path_, 1, 1}, "missing required key `app` (the Node app to run)");
  }
  file.target.value = Template::Literal("http://127.0.0.1:");
  file.target.value.Append(*Template::Compile("{{ app.port }}", nullptr), false);
  if (const Field* f = top->Find("target")) {
    if (auto t = TemplateValue(*f)) {
      if (t->source().rfind("http://", 0) != 0) {
        Error(ValueLoc(*f), "`target` must start with `http://` (https is not supported)");
      } else {
        file.target = {std::move(*t), ValueLoc(*f)};
      }
    }
  }
  if (const Field* f = top->Find("defaults")) ParseDefaults(*f, &file.defaults);

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
  if (const Field* f = top->Find("secrets")) ParseSecrets(*f, &file);
  MarkSecretCaptures(&file);
  return file;
}

void Parser::ParseApp(const Field& f, AppConfig* app) {
  app->location = Loc(f.key_node);
  auto map = Map(f.value, "app", kAppKeys, ValueLoc(f));
  if (!map) return;
  namespace fs = std::filesystem;
  fs::path base = fs::absolute(fs::path(path_)).parent_path();
  app->cwd.value = base.lexically_normal().string();
  if (const Field* c = map->Find("command")) {
    if (auto argv = StringList(*c, true)) {
      if (argv->empty()) Error(ValueLoc(*c), "`command` must not be empty");
      app->command = {std::move(*argv), ValueLoc(*c)};
    }
  } else {
    Error(Loc(f.key_node),
          "missing required key `command` in `app` (e.g. `command: node server.js`)");
  }
  if (const Field* c = map->Find("cwd")) {
    if (auto dir = String(*c)) {
      fs::path resolved = (base / *dir).lexically_normal();
      std::error_code ec;
      if (!fs::is_directory(resolved, ec)) {
        Error(ValueLoc(*c), fmt::format("`cwd` `{}` is not a directory (resolved to {})", *dir,
                                        resolved.string()));
      }
      app->cwd = {resolved.string(), ValueLoc(*c)};
    }
  }
  if (const Field* c = map->Find("env")) {
    if (!c->value.IsMap()) {
      Error(ValueLoc(*c), "`env` must be a mapping of variable names to values");
    } else {
      for (auto it = c->value.begin(); it != c->value.end(); ++it) {
        if (!it->second.IsScalar()) {
          Error(it->second, fmt::format("`env.{}` must be a string", it->first.Scalar()));
          continue;
        }
        app->env.push_back({it->first.Scalar(), {it->second.Scalar(), Loc(it->second)}});
      }
    }
  }
  if (const Field* c = map->Find("node_args")) {
    if (auto args = StringList(*c, true)) app->node_args = {std::move(*args), ValueLoc(*c)};
  }
  if (const Field* c = map->Find("port")) {
    if (c->value.IsScalar() && c->value.Scalar() == "auto") {
      app->port = {0, ValueLoc(*c)};
    } else if (int64_t p = 0; c->value.IsScalar() && YAML::convert<int64_t>::decode(c->value, p)) {
      if (p < 1 || p > 65535) {
        Error(ValueLoc(*c), fmt::format("`port` must be `auto` or between 1 and 65535, got {}", p));
      } else {
        app->port = {static_cast<int>(p), ValueLoc(*c)};
      }
    } else {
      Error(ValueLoc(*c), "`port` must be `auto` or a number");
    }
  }
  if (const Field* c = map->Find("ready")) ParseReady(*c, &app->ready);
  if (const Field* c = map->Find("stop_timeout")) {
    if (auto d = DurationValue(*c, false)) app->stop_timeout = {*d, ValueLoc(*c)};
  }
  if (const Field* c = map->Find("reuse")) {
    if (auto b = Bool(*c)) app->reuse = {*b, ValueLoc(*c)};
  }
}

void Parser::ParseReady(const Field& f, ReadyProbe* ready) {
  auto map = Map(f.value, "ready", kReadyKeys, ValueLoc(f));
  if (!map) return;
  const Field* http = map->Find("http");
  const Field* log = map->Find("log");
  if (http && log) {
    Error(Loc(log->key_node), "`ready` takes either `http` or `log`, not both");
    return;
  }
  if (http) {
    if (auto path = String(*http)) {
      if (path->empty() || (*path)[0] != '/') {
        Error(ValueLoc(*http), "`ready.http` must be a path starting with `/`");
      } else {
        ready->kind = ReadyKind::kHttp;
        ready->http = {*path, ValueLoc(*http)};
      }
    }
  }
  if (log) {
    if (auto pattern = String(*log)) {
      std::string error;
      if (IsValidRegex(*pattern, &error)) {
        ready->kind = ReadyKind::kLog;
        ready->log = {*pattern, ValueLoc(*log)};
      } else {
        Error(ValueLoc(*log), fmt::format("`ready.log` is not a valid regex: {}", error));
      }
    }
  }
  if (const Field* t = map->Find("timeout")) {
    if (auto d = DurationValue(*t, false)) ready->timeout = {*d, ValueLoc(*t)};
  }
}

std::vector<Header> Parser::ParseHeaders(const Field& f) {
  std::vector<Header> headers;
  if (!f.value.IsMap()) {
    Error(ValueLoc(f), "`headers` must be a mapping of header names to values");
    return headers;
  }
  for (auto it = f.value.begin(); it != f.value.end(); ++it) {
    const std::string name = it->first.Scalar();
    if (name.empty() || name.find_first_of(" :\r\n\t") != std::string::npos) {
      Error(it->first, fmt::format("`{}` is not a valid header name", name));
      continue;
    }
    if (!it->second.IsScalar()) {
      Error(it->second, fmt::format("header `{}` must be a string", name));
      continue;
    }
    if (auto value = TemplateScalar(it->second, Loc(it->second))) {
      headers.push_back({name, std::move(*value), Loc(it->first)});
    }
  }
  return headers;
}

void Parser::ParseDefaults(const Field& f, Defaults* defaults) {
  auto map = Map(f.value, "defaults", kDefaultsKeys, ValueLoc(f));
  if (!map) return;
  known_names_.clear();
  if (const Field* h = map->Find("headers")) defaults->headers = ParseHeaders(*h);
  if (const Field* t = map->Find("timeout")) {
    if (auto d = DurationValue(*t, false)) defaults->timeout = {*d, ValueLoc(*t)};
  }
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
  known_names_.clear();
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
  if (const Field* f = map->Find("flow")) {
    scenario->flow = ParseFlow(*f, scenario);
  } else {
    Error(scenario->location, "missing required key `flow` in scenario (the requests to send)");
  }
  if (const Field* f = map->Find("thresholds")) ParseThresholds(*f, scenario);
  if (const Field* f = map->Find("allow")) ParseAllow(*f, scenario);
}

std::vector<Step> Parser::ParseFlow(const Field& f, Scenario* scenario) {
  std::vector<Step> steps;
  if (!f.value.IsSequence() || f.value.size() == 0) {
    Error(ValueLoc(f), "`flow` must be a non-empty list of steps");
    return steps;
  }
  for (const YAML::Node& node : f.value) {
    if (auto step = ParseStep(node, scenario)) steps.push_back(std::move(*step));
  }
  return steps;
}

std::optional<Step> Parser::ParseStep(const YAML::Node& node, Scenario* scenario) {
  auto map = Map(node, "flow step", kStepKeys, Loc(node));
  if (!map) return std::nullopt;
  if (map->fields.empty() && node.size() > 0) return std::nullopt;  // unknown key, reported
  if (map->fields.size() != 1) {
    Error(Loc(node),
          map->fields.empty()
              ? "a flow step needs one of get, post, put, patch, delete, head, think, loop"
              : "a flow step has exactly one key (start a new `-` item for the next step)");
    return std::nullopt;
  }
  const Field& f = map->fields[0];
  Step step;
  step.location = Loc(f.key_node);
  static constexpr std::pair<std::string_view, Method> kMethods[] = {
      {"get", Method::kGet},     {"post", Method::kPost},     {"put", Method::kPut},
      {"patch", Method::kPatch}, {"delete", Method::kDelete}, {"head", Method::kHead}};
  for (const auto& [name, method] : kMethods) {
    if (f.key == name) {
      ParseRequest(f, method, &step, scenario);
      return step;
    }
  }
  if (f.key == "think") {
    auto d = DurationValue(f, true);
    if (!d) return std::nullopt;
    step.kind = Step::Kind::kThink;
    step.think = *d;
    return step;
  }
  step.kind = Step::Kind::kLoop;
  auto loop = Map(f.value, "loop", kLoopKeys, ValueLoc(f));
  if (!loop) return std::nullopt;
  if (const Field* c = loop->Find("count")) {
    if (auto n = Integer(*c, 1, kMaxLoopCount)) step.loop.count = {*n, ValueLoc(*c)};
  } else {
    Error(step.location, "missing required key `count` in `loop`");
  }
  if (const Field* body = loop->Find("flow")) {
    step.loop.flow = ParseFlow(*body, scenario);
  } else {
    Error(step.location, "missing required key `flow` in `loop`");
  }
  return step;
}

void Parser::ParseRequest(const Field& f, Method method, Step* step, Scenario* scenario) {
  step->kind = Step::Kind::kRequest;
  RequestStep& request = step->request;
  request.method = method;
  auto map = Map(f.value, f.key, kRequestKeys, ValueLoc(f));
  if (!map) return;
  if (const Field* u = map->Find("url")) {
    if (auto url = TemplateValue(*u)) {
      if (url->source().empty() || url->source()[0] != '/') {
        Error(ValueLoc(*u),
              "`url` must be a path starting with `/` (the host comes from `target`)");
      }
      request.url = std::move(*url);
    }
  } else {
    Error(step->location, fmt::format("missing required key `url` in `{}`", f.key));
  }
  if (const Field* h = map->Find("headers")) request.headers = ParseHeaders(*h);
  const Field* json = map->Find("json");
  const Field* body = map->Find("body");
  if (json && body) {
    Error(Loc(body->key_node), "give either `json` or `body`, not both");
  } else if (json) {
    request.body = JsonBody(json->value);
    request.json_body = true;
  } else if (body) {
    request.body = TemplateValue(*body);
  }
  if (const Field* t = map->Find("timeout")) request.timeout = DurationValue(*t, false);
  if (const Field* e = map->Find("expect")) ParseExpect(*e, &request.expect);
  // Captures come last: a step's own templates cannot use what it captures.
  if (const Field* c = map->Find("capture")) ParseCaptures(*c, &request);

  std::string route = fmt::format("{} {}", MethodName(method), request.url.source());
  auto it = std::find(scenario->routes.begin(), scenario->routes.end(), route);
  request.route = static_cast<int>(it - scenario->routes.begin());
  if (it == scenario->routes.end()) scenario->routes.push_back(std::move(route));
}

void Parser::ParseCaptures(const Field& f, RequestStep* request) {
  std::vector<YAML::Node> items;
  if (f.value.IsSequence()) {
    for (const YAML::Node& item : f.value) items.push_back(item);
  } else {
    items.push_back(f.value);
  }
  for (const YAML::Node& item : items) {
    auto map = Map(item, "capture", kCaptureKeys, ValueLoc(f));
    if (!map) continue;
    const Field* json = map->Find("json");
    const Field* as = map->Find("as");
    if (!json || !as) {
      Error(Loc(item),
            fmt::format("`capture` needs both `json` (a JSONPath like `$.id`) and `as`"));
      continue;
    }
    Capture capture;
    auto path_text = String(*json);
    auto name = String(*as);
    if (!path_text || !name) continue;
    std::string error;
    auto path = JsonPath::Parse(*path_text, &error);
    if (!path) {
      Error(ValueLoc(*json), error);
      continue;
    }
    if (!IsName(*name)) {
      Error(ValueLoc(*as),
            fmt::format("`as` must be a name (letters, digits, `_`, `-`), got `{}`", *name));
      continue;
    }
    capture.json = std::move(*path);
    capture.as = {*name, ValueLoc(*as)};
    known_names_.push_back(*name);
    request->captures.push_back(std::move(capture));
  }
}

void Parser::ParseSecrets(const Field& f, ScenarioFile* file) {
  if (!f.value.IsSequence()) {
    Error(ValueLoc(f),
          "`secrets` must be a list of names (environment variables or captured names)");
    return;
  }
  // What a name can refer to: variables of `app.env`, `{{ $env.NAME }}` of any template, and
  // names captured by any scenario. A name that is none of these is still accepted (the app
  // may read an inherited variable itself) unless it looks like a misspelling of one.
  std::set<std::string> known;
  for (const auto& [name, value] : file->app.env) known.insert(name);
  AddEnvNames(file->target.value, &known);
  for (const Header& h : file->defaults.headers) AddEnvNames(h.value, &known);
  for (Scenario& sc : file->scenarios) {
    ForEachRequest(sc.flow, [&](RequestStep& r) {
      AddEnvNames(r.url, &known);
      for (const Header& h : r.headers) AddEnvNames(h.value, &known);
      if (r.body) AddEnvNames(*r.body, &known);
      if (r.expect.contains) AddEnvNames(*r.expect.contains, &known);
      for (const Capture& c : r.captures) known.insert(c.as.value);
    });
  }
  std::vector<std::string_view> candidates(known.begin(), known.end());
  for (const YAML::Node& item : f.value) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      Error(item, "`secrets` entries must be names, like `API_TOKEN` or a captured name");
      continue;
    }
    const std::string& name = item.Scalar();
    if (name.find("{{") != std::string::npos || name.find_first_of(" \t=$") != std::string::npos) {
      Error(item,
            fmt::format("`secrets` entry `{}` must be a plain name (an environment variable like "
                        "`API_TOKEN` or a captured name), not a template or value",
                        name));
      continue;
    }
    auto first = std::find_if(file->secrets.begin(), file->secrets.end(),
                              [&](const Located<std::string>& s) { return s.value == name; });
    if (first != file->secrets.end()) {
      Error(item, fmt::format("duplicate secret `{}` (first listed on line {})", name,
                              first->location.line));
      continue;
    }
    if (!known.count(name) && !std::getenv(name.c_str())) {
      std::string suggestion = DidYouMean(name, candidates);
      if (!suggestion.empty()) {
        Error(item,
              fmt::format("secret `{}` is neither an environment variable of the file (`app.env`, "
                          "`{{{{ $env.NAME }}}}`) nor a captured name{}",
                          name, suggestion));
        continue;
      }
    }
    file->secrets.push_back({name, Loc(item)});
  }
}

void Parser::ParseExpect(const Field& f, Expect* expect) {
  expect->location = Loc(f.key_node);
  auto map = Map(f.value, "expect", kExpectKeys, ValueLoc(f));
  if (!map) return;
  if (const Field* s = map->Find("status")) {
    expect->status_location = ValueLoc(*s);
    std::vector<YAML::Node> items;
    if (s->value.IsSequence()) {
      for (const YAML::Node& item : s->value) items.push_back(item);
    } else {
      items.push_back(s->value);
    }
    if (items.empty()) Error(ValueLoc(*s), "`status` must not be an empty list");
    for (const YAML::Node& item : items) {
      int64_t code = 0;
      if (!item.IsScalar() || !YAML::convert<int64_t>::decode(item, code) || code < 100 ||
          code > 599) {
        Error(Loc(item).line ? Loc(item) : ValueLoc(*s),
              "`status` must be an HTTP status code (100-599) or a list of them");
        continue;
      }
      expect->statuses.push_back(static_cast<int>(code));
    }
  }
  if (const Field* h = map->Find("header")) {
    if (h->value.IsScalar()) {
      expect->header = h->value.Scalar();
    } else if (h->value.IsMap() && h->value.size() == 1) {
      auto it = h->value.begin();
      expect->header = it->first.Scalar();
      if (it->second.IsScalar())
        expect->header_equals = TemplateScalar(it->second, Loc(it->second));
    } else {
      Error(ValueLoc(*h), "`header` must be a header name, or `{ name: value }`");
    }
  }
  if (const Field* c = map->Find("contains")) expect->contains = TemplateValue(*c);
}

bool Parser::AppendJson(const YAML::Node& node, Template* out) {
  if (node.IsMap()) {
    out->AppendLiteral("{");
    bool first = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key;
      AppendJsonEscaped(it->first.Scalar(), key);
      out->AppendLiteral(fmt::format("{}\"{}\":", first ? "" : ",", key));
      first = false;
      if (!AppendJson(it->second, out)) return false;
    }
    out->AppendLiteral("}");
    return true;
  }
  if (node.IsSequence()) {
    out->AppendLiteral("[");
    for (size_t i = 0; i < node.size(); ++i) {
      if (i) out->AppendLiteral(",");
      if (!AppendJson(node[i], out)) return false;
    }
    out->AppendLiteral("]");
    return true;
  }
  if (node.IsNull()) {
    out->AppendLiteral("null");
    return true;
  }
  const std::string& s = node.Scalar();
  // Plain scalars that read as JSON numbers or booleans stay unquoted; quoted ones ("!") are
  // strings.
  double number = 0;
  if (node.Tag() != "!" && (s == "true" || s == "false" || s == "null")) {
    out->AppendLiteral(s);
    return true;
  }
  if (node.Tag() != "!" && YAML::convert<double>::decode(node, number) && std::isfinite(number) &&
      s.find_first_not_of("0123456789+-.eE") == std::string::npos) {
    out->AppendLiteral(s);
    return true;
  }
  auto t = TemplateScalar(node, Loc(node));
  if (!t) return false;
  out->AppendLiteral("\"");
  out->Append(*t, true);
  out->AppendLiteral("\"");
  return true;
}

std::optional<Template> Parser::JsonBody(const YAML::Node& node) {
  Template body;
  if (!AppendJson(node, &body)) return std::nullopt;
  return body;
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

}  // namespace

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
  Parser parser(path, diagnostics);
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
