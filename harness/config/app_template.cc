#include "harness/config/app_template.h"

#include <fmt/format.h>

#include "harness/config/template.h"

namespace leakcheck::config {

std::optional<std::string> AppTemplateError(std::string_view source) {
  if (source.find("{{") == std::string_view::npos) return std::nullopt;
  std::string error;
  auto t = Template::Compile(source, &error);
  if (!t) return error;
  for (const TemplatePart& p : t->parts()) {
    if (p.kind == TemplatePart::Kind::kLiteral || p.kind == TemplatePart::Kind::kEnv) continue;
    if (p.kind == TemplatePart::Kind::kVariable && p.text == "app.port") continue;
    return fmt::format(
        "only `{{{{ app.port }}}}` and `{{{{ $env.NAME }}}}` work in `app` (the "
        "app starts before any iteration or capture), got `{}`",
        source);
  }
  return std::nullopt;
}

bool UsesAppPort(const AppConfig& app) {
  auto uses = [](std::string_view s) {
    if (s.find("app.port") == std::string_view::npos) return false;
    std::string error;
    auto t = Template::Compile(s, &error);
    if (!t) return false;
    for (const std::string& name : t->VariableNames())
      if (name == "app.port") return true;
    return false;
  };
  for (const std::string& s : app.command.value)
    if (uses(s)) return true;
  for (const std::string& s : app.node_args.value)
    if (uses(s)) return true;
  for (const auto& [name, value] : app.env)
    if (uses(value.value)) return true;
  for (const auto& command : app.setup)
    for (const std::string& s : command.value)
      if (uses(s)) return true;
  return false;
}

std::string RenderAppValue(std::string_view source, int port) {
  if (source.find("{{") == std::string_view::npos) return std::string(source);
  std::string error;
  auto t = Template::Compile(source, &error);
  if (!t) return std::string(source);  // the loader reported it
  Variables globals;
  globals.Set("app.port", port > 0 ? std::to_string(port) : "");
  RenderContext context;
  context.globals = &globals;
  return t->Render(context);
}

}  // namespace leakcheck::config
