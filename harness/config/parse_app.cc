// `app:` (command, cwd, env, node_args, port, ready, stop_timeout, reuse) and `defaults:`.
#include "harness/config/parser.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>

#include <fmt/format.h>

#include "harness/config/app_template.h"
#include "harness/config/regex_check.h"

namespace leakcheck::config::internal {
namespace {

// `{{ app.port }}` → `{{app.port}}`: a template's spaces do not split a command string's word
// (`--port={{ app.port }}` stays one argument).
YAML::Node CompactTemplates(const YAML::Node& node) {
  if (!node.IsScalar() || node.Scalar().find("{{") == std::string::npos) return node;
  const std::string& in = node.Scalar();
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    size_t open = in.find("{{", i);
    size_t close = open == std::string::npos ? open : in.find("}}", open);
    if (close == std::string::npos) {
      out.append(in, i, std::string::npos);
      break;
    }
    out.append(in, i, open - i);
    for (size_t k = open; k < close; ++k)
      if (in[k] != ' ' && in[k] != '\t') out += in[k];
    i = close;
    out.append("}}");
    i += 2;
  }
  return YAML::Node(out);
}

// The field with its string value's templates compacted (a list is left as written).
Field Compacted(const Field& f) { return {f.key, f.key_node, CompactTemplates(f.value)}; }

constexpr std::string_view kAppKeys[] = {"command",
                                         "cwd",
                                         "env",
                                         "node_args",
                                         "port",
                                         "ready",
                                         "stop_timeout",
                                         "reuse",
                                         "url",
                                         "inspect",
                                         "allow_remote_inspector",
                                         "tls",  // these four: parse_attach.cc
                                         "setup"};
constexpr std::string_view kReadyKeys[] = {"http", "log", "timeout"};
constexpr std::string_view kDefaultsKeys[] = {"headers", "timeout"};

}  // namespace

void Parser::ParseApp(const Field& f, AppConfig* app) {
  app->location = Loc(f.key_node);
  auto map = Map(f.value, "app", kAppKeys, ValueLoc(f));
  if (!map) return;
  namespace fs = std::filesystem;
  fs::path base = fs::absolute(fs::path(path_)).parent_path();
  app->cwd.value = base.lexically_normal().string();
  if (const Field* c = map->Find("command")) {
    if (auto argv = StringList(Compacted(*c), true)) {
      if (argv->empty()) Error(ValueLoc(*c), "`command` must not be empty");
      app->command = {std::move(*argv), ValueLoc(*c)};
    }
  } else if (!map->Find("url")) {
    Error(Loc(f.key_node),
          "missing required key `command` in `app` (e.g. `command: node server.js`, or `url:` "
          "and `inspect:` to attach to a running app)");
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
    if (auto args = StringList(Compacted(*c), true))
      app->node_args = {std::move(*args), ValueLoc(*c)};
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
  ParseAttach(*map, app);
  if (const Field* c = map->Find("setup")) ParseSetup(*c, app);
  // Templates: `{{ app.port }}` and `{{ $env.NAME }}` only (config/app_template.h).
  auto check = [this](const std::string& s, const SourceLocation& where) {
    if (auto error = AppTemplateError(s)) Error(where, *error);
  };
  for (const std::string& s : app->command.value) check(s, app->command.location);
  for (const std::string& s : app->node_args.value) check(s, app->node_args.location);
  for (const auto& [name, value] : app->env) check(value.value, value.location);
  for (const auto& command : app->setup)
    for (const std::string& s : command.value) check(s, command.location);
}

void Parser::ParseSetup(const Field& f, AppConfig* app) {
  if (!f.value.IsSequence()) {
    Error(ValueLoc(f), "`setup` must be a list of commands (`- node seed.js`)");
    return;
  }
  for (const YAML::Node& item : f.value) {
    Field one{"setup", f.key_node, CompactTemplates(item)};
    // A string is split like a shell (never run by one); a list is the argv as written.
    std::optional<std::vector<std::string>> argv = StringList(one, true);
    if (!argv) continue;
    if (argv->empty()) {
      Error(Loc(item), "a `setup` command must not be empty");
      continue;
    }
    app->setup.push_back({std::move(*argv), Loc(item)});
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

}  // namespace leakcheck::config::internal
