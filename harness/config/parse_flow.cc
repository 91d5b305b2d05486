// A scenario's `flow:`: steps, requests, loops, captures and expectations.
#include "harness/config/parser.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include <fmt/format.h>
#include <re2/re2.h>

namespace leakcheck::config::internal {
namespace {

constexpr std::string_view kStepKeys[] = {"get",    "post", "put",   "patch",
                                          "delete", "head", "think", "loop"};
constexpr std::string_view kRequestKeys[] = {"url",     "qs",     "headers", "cookie",
                                             "json",    "body",   "form",    "formData",
                                             "capture", "expect", "timeout", "followRedirect"};
constexpr std::string_view kCaptureKeys[] = {"json", "header", "regexp", "group", "as"};
constexpr std::string_view kBodyKeys[] = {"json", "body", "form", "formData"};
constexpr std::string_view kExpectKeys[] = {"status", "header", "contains"};
constexpr std::string_view kLoopKeys[] = {"count", "flow"};
constexpr int64_t kMaxLoopCount = 1000000;
constexpr std::string_view kWeightedFlowKeys[] = {"name", "weight", "flow"};
constexpr std::string_view kOnceFlowKeys[] = {"flow"};
constexpr int64_t kMaxWeight = 1000000;

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

void Parser::ParseWeightedFlows(const Field& f, Scenario* scenario) {
  if (!f.value.IsSequence() || f.value.size() == 0) {
    Error(ValueLoc(f), "`flows` must be a non-empty list of `{ name, weight, flow }`");
    return;
  }
  const std::vector<std::string> before = known_names_;
  for (const YAML::Node& node : f.value) {
    WeightedFlow w;
    w.name.value = fmt::format("flow {}", scenario->flows.size() + 1);
    auto map = Map(node, "weighted flow", kWeightedFlowKeys, Loc(node));
    if (!map) continue;
    known_names_ = before;  // each flow captures on its own
    if (const Field* n = map->Find("name")) {
      if (auto name = String(*n)) w.name = {*name, ValueLoc(*n)};
    }
    if (const Field* n = map->Find("weight")) {
      if (auto weight = Integer(*n, 0, kMaxWeight))
        w.weight = {static_cast<int>(*weight), ValueLoc(*n)};
    }
    if (const Field* n = map->Find("flow")) {
      w.flow = ParseFlow(*n, scenario);
    } else {
      Error(Loc(node), "missing required key `flow` in a weighted flow");
    }
    scenario->flows.push_back(std::move(w));
  }
  int64_t total = 0;
  for (const WeightedFlow& w : scenario->flows) total += w.weight.value;
  if (total == 0 && !scenario->flows.empty())
    Error(ValueLoc(f), "the `weight`s of `flows` add up to 0: no flow could ever run");
}

void Parser::ParseOnceFlow(const Field& f, OnceFlow* out, bool is_before) {
  out->location = Loc(f.key_node);
  auto map = Map(f.value, f.key, kOnceFlowKeys, ValueLoc(f));
  if (!map) return;
  known_names_ = before_names_;
  const Field* flow = map->Find("flow");
  if (!flow) {
    Error(Loc(f.key_node), fmt::format("missing required key `flow` in `{}`", f.key));
    return;
  }
  // Its own routes: a scenario-shaped holder for ParseFlow.
  Scenario holder;
  out->flow = ParseFlow(*flow, &holder);
  out->routes = std::move(holder.routes);
  if (is_before) before_names_ = known_names_;
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
      const std::string& text = url->source();
      // An absolute URL is sent only to the target's own scheme, host and port (the driver).
      if ((text.empty() || text[0] != '/') && !text.starts_with("http://") &&
          !text.starts_with("https://")) {
        Error(ValueLoc(*u),
              "`url` must be a path starting with `/` (the host comes from `target`) or an "
              "absolute http(s):// URL to the target's host");
      }
      request.url = std::move(*url);
    }
  } else {
    Error(step->location, fmt::format("missing required key `url` in `{}`", f.key));
  }
  request.url.EncodeForUrl();
  if (const Field* q = map->Find("qs")) request.qs = ParseNamedValues(*q);
  if (const Field* h = map->Find("headers")) request.headers = ParseHeaders(*h);
  if (const Field* c = map->Find("cookie")) request.cookies = ParseNamedValues(*c);
  // One body: the first of `json`, `body`, `form`, `formData` given; a second is an error.
  const Field* body_field = nullptr;
  for (std::string_view key : kBodyKeys) {
    const Field* b = map->Find(key);
    if (!b) continue;
    if (body_field) {
      Error(Loc(b->key_node),
            fmt::format("give either `{}` or `{}`, not both", body_field->key, b->key));
      continue;
    }
    body_field = b;
    if (key == "json") {
      request.body = JsonBody(b->value);
      request.json_body = true;
    } else if (key == "body") {
      request.body = TemplateValue(*b);
    } else if (key == "form") {
      request.form = ParseNamedValues(*b);
    } else {
      request.form_data = ParseNamedValues(*b);
    }
  }
  if (const Field* r = map->Find("followRedirect"))
    request.follow_redirect = Bool(*r).value_or(true);
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
    const Field* header = map->Find("header");
    const Field* regexp = map->Find("regexp");
    const Field* group = map->Find("group");
    const Field* as = map->Find("as");
    const int sources = (json != nullptr) + (header != nullptr) + (regexp != nullptr);
    if (sources != 1 || !as) {
      Error(Loc(item),
            sources > 1 ? "a `capture` reads from one of `json`, `header` or `regexp`, not several"
                        : "`capture` needs one of `json` (a JSONPath like `$.id`), `header` (a "
                          "response header name) or `regexp` (with an optional `group`), and `as`");
      continue;
    }
    Capture capture;
    auto name = String(*as);
    if (!name) continue;
    if (!IsName(*name)) {
      Error(ValueLoc(*as),
            fmt::format("`as` must be a name (letters, digits, `_`, `-`), got `{}`", *name));
      continue;
    }
    if (group && !regexp) {
      Error(Loc(group->key_node), "`group` belongs to a `regexp` capture");
      continue;
    }
    if (json) {
      auto path_text = String(*json);
      if (!path_text) continue;
      std::string error;
      auto path = JsonPath::Parse(*path_text, &error);
      if (!path) {
        Error(ValueLoc(*json), error);
        continue;
      }
      capture.json = std::move(*path);
    } else if (header) {
      auto header_name = String(*header);
      if (!header_name) continue;
      if (header_name->empty() || header_name->find_first_of(" :\r\n\t") != std::string::npos) {
        Error(ValueLoc(*header), fmt::format("`{}` is not a valid header name", *header_name));
        continue;
      }
      capture.source = CaptureSource::kHeader;
      capture.header = *header_name;
    } else {
      auto pattern = String(*regexp);
      if (!pattern) continue;
      RE2 re(*pattern, RE2::Quiet);
      if (!re.ok()) {
        Error(ValueLoc(*regexp),
              fmt::format("`regexp` is not a valid RE2 pattern: {}", re.error()));
        continue;
      }
      capture.source = CaptureSource::kRegexp;
      capture.regexp = *pattern;
      if (group) {
        int64_t number = 0;
        const std::string& text = group->value.IsScalar() ? group->value.Scalar() : "";
        if (YAML::convert<int64_t>::decode(group->value, number)) {
          if (number < 0 || number > re.NumberOfCapturingGroups()) {
            Error(ValueLoc(*group),
                  fmt::format("`group` {} is not a group of the pattern (it has {})", number,
                              re.NumberOfCapturingGroups()));
            continue;
          }
          capture.group = static_cast<int>(number);
        } else if (re.NamedCapturingGroups().count(text)) {
          capture.group_name = text;
        } else {
          Error(ValueLoc(*group),
                fmt::format("`group` must be a group number or the name of a `(?P<name>...)` "
                            "group of the pattern, got `{}`",
                            text));
          continue;
        }
      }
    }
    capture.as = {*name, ValueLoc(*as)};
    known_names_.push_back(*name);
    request->captures.push_back(std::move(capture));
  }
}

std::vector<NamedValue> Parser::ParseNamedValues(const Field& f) {
  std::vector<NamedValue> values;
  if (!f.value.IsMap()) {
    Error(ValueLoc(f), fmt::format("`{}` must be a mapping of names to values", f.key));
    return values;
  }
  for (auto it = f.value.begin(); it != f.value.end(); ++it) {
    const std::string name = it->first.Scalar();
    if (name.empty()) {
      Error(it->first, fmt::format("`{}` names must not be empty", f.key));
      continue;
    }
    if (f.key == "cookie" && name.find_first_of(" =;,\t\r\n\"") != std::string::npos) {
      Error(it->first, fmt::format("`{}` is not a valid cookie name (RFC 6265)", name));
      continue;
    }
    if (!it->second.IsScalar()) {
      Error(it->second, fmt::format("`{}` value `{}` must be a string or a number", f.key, name));
      continue;
    }
    if (auto value = TemplateScalar(it->second, Loc(it->second))) {
      values.push_back({name, std::move(*value), Loc(it->first)});
    }
  }
  return values;
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
