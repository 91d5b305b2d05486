// `secrets:` and the captures that are secret (named there or sent as credentials).
#include "harness/config/parser.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

namespace leakcheck::config::internal {
namespace {

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

}  // namespace

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
  file->ForEachFlow([&](std::vector<Step>& flow) {
    ForEachRequest(flow, [&](RequestStep& r) {
      add_header_names(r.headers);
      // `cookie:` values are sent in the Cookie header: credentials too.
      for (const NamedValue& c : r.cookies)
        for (const std::string& v : c.value.VariableNames()) names.insert(v);
    });
  });
  file->ForEachFlow([&](std::vector<Step>& flow) {
    ForEachRequest(flow, [&](RequestStep& r) {
      for (Capture& c : r.captures) c.secret = names.count(c.as.value) > 0;
    });
  });
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
  file->ForEachFlow([&](std::vector<Step>& flow) {
    ForEachRequest(flow, [&](RequestStep& r) {
      AddEnvNames(r.url, &known);
      for (const auto* list : {&r.qs, &r.cookies, &r.form, &r.form_data})
        for (const NamedValue& v : *list) AddEnvNames(v.value, &known);
      for (const Header& h : r.headers) AddEnvNames(h.value, &known);
      if (r.body) AddEnvNames(*r.body, &known);
      if (r.expect.contains) AddEnvNames(*r.expect.contains, &known);
      for (const Capture& c : r.captures) known.insert(c.as.value);
    });
  });
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

}  // namespace leakcheck::config::internal
