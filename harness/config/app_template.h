#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "harness/config/scenario.h"

/// Templates in `app.command`, `app.env` values, `app.node_args` and `app.setup`
/// (docs/scenarios.md "app"): only `{{ app.port }}` (the port the app gets, also $PORT) and
/// `{{ $env.NAME }}` (leakcheck's environment). Rendered once per app start.
namespace leakcheck::config {

/// Why `source` is not a valid app template ("unknown variable `x` …", a syntax error), or
/// nullopt when it is.
std::optional<std::string> AppTemplateError(std::string_view source);

/// True when any app string (command, env, node_args, setup) uses `{{ app.port }}`: the port
/// must then be chosen before the app starts.
bool UsesAppPort(const AppConfig& app);

/// `source` rendered with `app.port` = `port` and `$env.NAME` from the environment. A string
/// without `{{` is returned as is.
std::string RenderAppValue(std::string_view source, int port);

}  // namespace leakcheck::config
