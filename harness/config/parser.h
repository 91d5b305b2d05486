#pragma once

// The scenario YAML parser's internals, shared by the files it is split into (loader.cc: the
// file and scenarios; yaml_walk.cc: mappings and scalars with locations; parse_app.cc: `app`
// and `defaults`; parse_flow.cc: flows, requests, captures, expectations; json_body.cc: `json:`
// bodies; mark_secrets.cc: `secrets:` and secret captures). Not a public interface.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "harness/config/loader.h"
#include "harness/config/scenario.h"

namespace leakcheck::config::internal {

/// The allowed keys of one mapping.
using Keys = std::span<const std::string_view>;

/// One key of a YAML mapping with its nodes.
struct Field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

/// The fields of one YAML mapping, already checked for unknown and duplicate keys.
struct MapView {
  std::vector<Field> fields;
  SourceLocation location;

  /// The field named `key`, or null.
  const Field* Find(std::string_view key) const {
    for (const Field& f : fields) {
      if (f.key == key) return &f;
    }
    return nullptr;
  }
};

/// " (did you mean `x`?)" for the closest of `candidates`, or "" when none is close.
std::string DidYouMean(std::string_view word, Keys candidates);

/// Calls `fn` on every request step of a flow, loops included.
template <typename Fn>
void ForEachRequest(std::vector<Step>& flow, const Fn& fn) {
  for (Step& step : flow) {
    if (step.kind == Step::Kind::kRequest) fn(step.request);
    if (step.kind == Step::Kind::kLoop) ForEachRequest(step.loop.flow, fn);
  }
}

/// Marks captures named in `secrets:` or used in an Authorization/Cookie header as secret.
void MarkSecretCaptures(ScenarioFile* file);

/// Walks the YAML of one scenario file into a ScenarioFile, collecting diagnostics.
class Parser {
 public:
  /// Reports into `*diagnostics`; `path` names the file in locations.
  Parser(std::string path, std::vector<Diagnostic>* diagnostics)
      : path_(std::move(path)), diagnostics_(diagnostics) {}

  /// The model of `text` (complete only when no diagnostic was added).
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
  void ParseAttach(const MapView& map, AppConfig* app);  // parse_attach.cc
  void ParseSetup(const Field& f, AppConfig* app);
  void ParseDefaults(const Field& f, Defaults* defaults);
  std::vector<Header> ParseHeaders(const Field& f);
  void ParseScenario(const YAML::Node& node, Scenario* scenario);
  void ParseAmount(const MapView& map, Amount* amount, bool is_warmup);
  void ParseRun(const Field& f, RunSpec* run);
  std::vector<Step> ParseFlow(const Field& f, Scenario* scenario);
  void ParseWeightedFlows(const Field& f, Scenario* scenario);        // parse_flow.cc
  void ParseOnceFlow(const Field& f, OnceFlow* out, bool is_before);  // parse_flow.cc
  std::optional<Step> ParseStep(const YAML::Node& node, Scenario* scenario);
  void ParseRequest(const Field& f, Method method, Step* step, Scenario* scenario);
  void ParseCaptures(const Field& f, RequestStep* request);
  std::vector<NamedValue> ParseNamedValues(const Field& f);
  void ParseExpect(const Field& f, Expect* expect);
  std::optional<Template> JsonBody(const YAML::Node& node);
  bool AppendJson(const YAML::Node& node, Template* out);
  void ParseThresholds(const Field& f, Scenario* scenario);
  void ParseAllow(const Field& f, Scenario* scenario);
  void ParseSecrets(const Field& f, ScenarioFile* file);
  // The entries of a mapping with free keys (`variables`, `environments`), duplicates reported.
  std::vector<Field> Entries(const Field& f, std::string_view what);
  std::vector<Variable> ParseVariables(const Field& f);
  void ParseEnvironments(const Field& f, ScenarioFile* file);

  std::string path_;
  std::vector<Diagnostic>* diagnostics_;
  std::vector<std::string> known_names_;   // captured so far in the current scenario's flow
  std::vector<std::string> before_names_;  // captured by `before:`: known to every flow
  std::vector<std::string> global_names_;  // `variables:` of the file and its environments
};

}  // namespace leakcheck::config::internal
