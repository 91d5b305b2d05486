#include "harness/config/overrides.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/config/suggest.h"

namespace leakcheck::config {
namespace {

void SetVariable(std::vector<Variable>& variables, const Variable& v) {
  auto it = std::find_if(variables.begin(), variables.end(),
                         [&](const Variable& x) { return x.name == v.name; });
  if (it == variables.end())
    variables.push_back(v);
  else
    it->value = v.value;
}

void ApplyRun(std::vector<Scenario>& scenarios, const RunOverrides& run) {
  for (Scenario& s : scenarios) {
    if (run.iterations) {
      s.run.amount.iterations = *run.iterations;
      s.run.amount.duration.reset();
    }
    if (run.duration) s.run.amount.duration = *run.duration;
    if (run.concurrency) s.run.concurrency = *run.concurrency;
  }
}

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string s = Suggest(word, candidates);
  return s.empty() ? "" : fmt::format(" (did you mean `{}`?)", s);
}

}  // namespace

std::pair<std::string, std::string> ParseVarArgument(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("options", fmt::format("--var: expected name=value, got `{}`", text));
  return {text.substr(0, eq), text.substr(eq + 1)};
}

void ApplyOverrides(ScenarioFile& file, const Overrides& o) {
  if (!o.environment.empty()) {
    auto env = std::find_if(file.environments.begin(), file.environments.end(),
                            [&](const Environment& e) { return e.name.value == o.environment; });
    if (env == file.environments.end()) {
      std::vector<std::string_view> names;
      for (const Environment& e : file.environments) names.push_back(e.name.value);
      std::string list;
      for (std::string_view n : names) list += fmt::format("{}`{}`", list.empty() ? "" : ", ", n);
      throw InputError(
          "options",
          fmt::format("-e {}: {} has no such environment{}; {}", o.environment, file.path,
                      DidYouMean(o.environment, names),
                      list.empty() ? "it has no `environments:`" : "its environments: " + list));
    }
    for (const Variable& v : env->variables) SetVariable(file.variables, v);
    ApplyRun(file.scenarios, env->run);
  }
  ApplyRun(file.scenarios, o.run);
  std::vector<std::string_view> known;
  for (const Variable& v : file.variables) known.push_back(v.name);
  for (const Environment& e : file.environments)
    for (const Variable& v : e.variables) known.push_back(v.name);
  for (const auto& [name, value] : o.vars) {
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw InputError("options", fmt::format("--var {}: {} has no variable `{}` in `variables:` "
                                              "or an environment{}",
                                              name, file.path, name, DidYouMean(name, known)));
    SetVariable(file.variables, {name, {value, {}}});
  }
}

}  // namespace leakcheck::config
