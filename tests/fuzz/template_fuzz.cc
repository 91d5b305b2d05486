// Fuzzes the template engine: compile the input and render it with a few variables, both as
// it is and appended (JSON-escaped) to another template.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "harness/config/template.h"

using leakcheck::config::RenderContext;
using leakcheck::config::Template;
using leakcheck::config::Variables;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto compiled = Template::Compile(source, &error);
  if (!compiled) return 0;

  Variables variables;
  variables.Set("id", "42");
  variables.Set("token", "a\"b\\c\n\x01");
  Variables globals;
  globals.Set("app.port", "3000");
  std::mt19937_64 rng(size);
  RenderContext context;
  context.iteration = 7;
  context.vu = 1;
  context.loop_count = 2;
  context.uuid = "123e4567-e89b-42d3-a456-426614174000";
  context.rng = &rng;
  context.variables = &variables;
  context.globals = &globals;

  std::string out = compiled->Render(context);
  Template json = Template::Literal("{\"v\":\"");
  json.Append(*compiled, /*json_escape=*/true);
  json.AppendLiteral("\"}");
  out = json.Render(context);
  (void)compiled->IsLiteral();
  (void)compiled->VariableNames();
  return 0;
}
