#include "harness/config/secrets.h"

#include <cctype>
#include <cstdlib>
#include <string>

extern char** environ;

namespace leakcheck::config {
namespace {

bool IsCredentialHeader(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "authorization" || lower == "proxy-authorization" || lower == "cookie";
}

std::string EnvValue(const ScenarioFile& file, const std::string& name) {
  for (const auto& [n, v] : file.app.env)
    if (n == name) return v.value;
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

void AddHeaders(const ScenarioFile& file, const std::vector<Header>& headers, redact::Redactor& r) {
  for (const Header& h : headers) {
    if (!IsCredentialHeader(h.name)) continue;
    if (h.value.IsLiteral()) {
      r.AddHeaderValue(h.value.source());
      continue;
    }
    for (const TemplatePart& part : h.value.parts()) {
      if (part.kind == TemplatePart::Kind::kEnv) r.AddHeaderValue(EnvValue(file, part.text));
    }
  }
}

void AddFlow(const ScenarioFile& file, const std::vector<Step>& flow, redact::Redactor& r) {
  for (const Step& step : flow) {
    if (step.kind == Step::Kind::kRequest) AddHeaders(file, step.request.headers, r);
    if (step.kind == Step::Kind::kLoop) AddFlow(file, step.loop.flow, r);
  }
}

void AddDefault(std::string_view value, redact::Redactor& r) {
  if (value.size() >= kMinDefaultSecretLength) r.AddSecret(value);
}

}  // namespace

void RegisterSecrets(const ScenarioFile& file, redact::Redactor& redactor) {
  for (const auto& name : file.secrets) {
    for (const auto& [n, v] : file.app.env)
      if (n == name.value) redactor.AddSecret(v.value);
    if (const char* v = std::getenv(name.value.c_str())) redactor.AddSecret(v);
  }
  for (const auto& [n, v] : file.app.env)
    if (redact::LooksSecretName(n)) AddDefault(v.value, redactor);
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos && redact::LooksSecretName(kv.substr(0, eq)))
      AddDefault(kv.substr(eq + 1), redactor);
  }
  AddHeaders(file, file.defaults.headers, redactor);
  file.ForEachFlow([&](const std::vector<Step>& flow) { AddFlow(file, flow, redactor); });
}

}  // namespace leakcheck::config
