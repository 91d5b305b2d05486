#pragma once

#include "harness/common/redact.h"
#include "harness/config/scenario.h"

namespace leakcheck::config {

/// Minimum length of a value redacted only because its variable's name looks secret
/// (redact::LooksSecretName): shorter values (`true`, `8`) would blank out ordinary words.
inline constexpr size_t kMinDefaultSecretLength = 8;

/// Adds to `redactor` the secret values a scenario file knows before anything runs:
///  - each `secrets:` name's value in `app.env` and in leakcheck's environment;
///  - values of environment variables (leakcheck's own, which the app inherits, and `app.env`)
///    whose names look secret (GITHUB_TOKEN, DB_PASSWORD, …; at least kMinDefaultSecretLength);
///  - Authorization/Proxy-Authorization/Cookie header values of `defaults.headers` and of every
///    step: literal ones as written, `{{ $env.NAME }}` parts with the variable's value.
/// Captured secrets are added by the load driver when they are captured.
void RegisterSecrets(const ScenarioFile& file, redact::Redactor& redactor);

}  // namespace leakcheck::config
