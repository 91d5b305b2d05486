// A scenario's `flow:`: steps, requests, loops, captures and expectations.
#include "harness/config/parser.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include <fmt/format.h>

namespace leakcheck::config::internal {
namespace {

constexpr std::string_view kStepKeys[] = {"get",    "post", "put",   "patch",
                                          "delete", "head", "think", "loop"};
constexpr std::string_view kRequestKeys[] = {"url",     "headers", "json",   "body",
                                             "capture", "expect",  "timeout"};
constexpr std::string_view kCaptureKeys[] = {"json", "as"};
constexpr std::string_view kExpectKeys[] = {"status", "header", "contains"};
constexpr std::string_view kLoopKeys[] = {"count", "flow"};
constexpr int64_t kMaxLoopCount = 1000000;

bool IsName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace

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

}  // namespace leakcheck::config::internal
