#include "harness/config/loader.h"
#include "tests/unit/config/parse_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "harness/config/detectors.h"
#include "tests/support/param_name.h"

namespace leakcheck::config {
namespace {

using testing::Errors;
using testing::MustParse;

using ::testing::HasSubstr;

// The example of shared/scenario-format.md, verbatim apart from `cwd`.
constexpr std::string_view kExample = R"(version: 1
app:
  command: node server.js
  env: { NODE_ENV: production }
  node_args: [--max-old-space-size=256]
  port: auto
  ready:
    http: /healthz
    timeout: 20s
  stop_timeout: 5s
target: http://127.0.0.1:{{ app.port }}
defaults:
  headers: { accept: application/json }
  timeout: 5s
scenarios:
  - name: create-and-read-user
    warmup: { iterations: 200 }
    run: { iterations: 5000, concurrency: 8 }
    checkpoints: 5
    snapshots: 3
    flow:
      - post:
          url: /users
          json: { id: "{{ $uuid }}", name: "user-{{ $iteration }}", age: 3, ok: true }
          capture: { json: $.id, as: uid }
          expect: { status: 201 }
      - get: { url: "/users/{{ uid }}", expect: { status: [200, 304] } }
      - think: 2ms
      - loop:
          count: 3
          flow: [ { get: { url: "/users/{{ uid }}/posts?page={{ $loopCount }}" } } ]
    thresholds:
      heap_per_iteration: 64B
      retained_growth: 2MB
      survivors: 0.5
      collections: 0.05
      listeners: 0
      handles: 0
      external: 64B
      http_errors: 0%
    allow:
      - { class: LRUCache, reason: bounded at 5000 entries }
      - { path: "Module cache" }
)";

// A valid file with `scenario_body` as the keys of its one scenario (indented 4).
std::string WithScenario(std::string_view scenario_body) {
  return std::string("app: { command: node s.js }\nscenarios:\n  - name: s\n") +
         std::string(scenario_body);
}

constexpr std::string_view kFlow = "    flow: [ { get: { url: / } } ]\n";

TEST(Loader, ParsesTheFormatExample) {
  ScenarioFile file = MustParse(kExample);
  EXPECT_EQ(file.version.value, 1);
  EXPECT_EQ(file.app.command.value, (std::vector<std::string>{"node", "server.js"}));
  EXPECT_EQ(file.app.command.location.line, 3);
  EXPECT_EQ(file.app.command.location.column, 12);
  ASSERT_EQ(file.app.env.size(), 1u);
  EXPECT_EQ(file.app.env[0].first, "NODE_ENV");
  EXPECT_EQ(file.app.env[0].second.value, "production");
  EXPECT_EQ(file.app.node_args.value, std::vector<std::string>{"--max-old-space-size=256"});
  EXPECT_EQ(file.app.port.value, 0);
  EXPECT_EQ(file.app.ready.kind, ReadyKind::kHttp);
  EXPECT_EQ(file.app.ready.http.value, "/healthz");
  EXPECT_EQ(file.app.ready.timeout.value, Duration(20000));
  EXPECT_EQ(file.app.stop_timeout.value, Duration(5000));
  EXPECT_FALSE(file.app.reuse.value);
  EXPECT_EQ(file.target.value.source(), "http://127.0.0.1:{{ app.port }}");
  ASSERT_EQ(file.defaults.headers.size(), 1u);
  EXPECT_EQ(file.defaults.headers[0].name, "accept");
  EXPECT_EQ(file.defaults.timeout.value, Duration(5000));

  ASSERT_EQ(file.scenarios.size(), 1u);
  const Scenario& s = file.scenarios[0];
  EXPECT_EQ(s.name.value, "create-and-read-user");
  EXPECT_EQ(s.warmup.iterations.value, 200);
  EXPECT_EQ(s.run.amount.iterations.value, 5000);
  EXPECT_EQ(s.run.concurrency.value, 8);
  EXPECT_FALSE(s.run.rate);
  EXPECT_EQ(s.checkpoints.value, 5);
  EXPECT_EQ(s.snapshots.value, 3);
  ASSERT_EQ(s.flow.size(), 4u);

  const RequestStep& post = s.flow[0].request;
  EXPECT_EQ(post.method, Method::kPost);
  EXPECT_TRUE(post.json_body);
  ASSERT_TRUE(post.body);
  RenderContext ctx;
  ctx.iteration = 7;
  ctx.uuid = "U";
  EXPECT_EQ(post.body->Render(ctx), R"({"id":"U","name":"user-7","age":3,"ok":true})");
  ASSERT_EQ(post.captures.size(), 1u);
  EXPECT_EQ(post.captures[0].as.value, "uid");
  EXPECT_EQ(post.captures[0].json.segments[0].key, "id");
  EXPECT_EQ(post.expect.statuses, std::vector<int>{201});

  EXPECT_EQ(s.flow[1].request.expect.statuses, (std::vector<int>{200, 304}));
  EXPECT_EQ(s.flow[2].kind, Step::Kind::kThink);
  EXPECT_EQ(s.flow[2].think, Duration(2));
  EXPECT_EQ(s.flow[3].kind, Step::Kind::kLoop);
  EXPECT_EQ(s.flow[3].loop.count.value, 3);
  ASSERT_EQ(s.flow[3].loop.flow.size(), 1u);

  EXPECT_EQ(s.routes,
            (std::vector<std::string>{"POST /users", "GET /users/{{ uid }}",
                                      "GET /users/{{ uid }}/posts?page={{ $loopCount }}"}));
  EXPECT_EQ(s.flow[1].request.route, 1);

  const Threshold& heap = s.threshold(Detector::kHeapPerIteration);
  EXPECT_EQ(heap.limit, 64);
  EXPECT_EQ(heap.location.line, 33);
  EXPECT_EQ(heap.location.column, 27);
  EXPECT_EQ(s.threshold(Detector::kRetainedGrowth).limit, 2 * 1048576);
  EXPECT_EQ(s.threshold(Detector::kSurvivors).limit, 0.5);
  EXPECT_EQ(s.threshold(Detector::kHttpErrors).limit, 0);
  EXPECT_EQ(s.threshold(Detector::kHttpErrors).unit, ThresholdUnit::kFraction);
  ASSERT_EQ(s.allow.size(), 2u);
  EXPECT_EQ(*s.allow[0].class_name, "LRUCache");
  EXPECT_EQ(s.allow[0].reason, "bounded at 5000 entries");
  EXPECT_EQ(*s.allow[1].path, "Module cache");
}

TEST(Loader, FillsDocumentedDefaults) {
  ScenarioFile file = MustParse(WithScenario(kFlow));
  EXPECT_EQ(file.version.value, 1);
  EXPECT_FALSE(file.version.IsSet());
  EXPECT_EQ(file.app.port.value, 0);
  EXPECT_EQ(file.app.ready.kind, ReadyKind::kTcp);
  EXPECT_EQ(file.app.ready.timeout.value, Duration(20000));
  EXPECT_EQ(file.target.value.source(), "http://127.0.0.1:{{ app.port }}");
  EXPECT_EQ(file.defaults.timeout.value, Duration(5000));
  const Scenario& s = file.scenarios[0];
  EXPECT_EQ(s.warmup.iterations.value, 100);
  EXPECT_EQ(s.run.amount.iterations.value, 1000);
  EXPECT_EQ(s.run.concurrency.value, 4);
  EXPECT_EQ(s.checkpoints.value, 5);
  EXPECT_EQ(s.snapshots.value, 3);                         // issue 18: three snapshots by default
  ASSERT_EQ(s.thresholds.size(), config::kDetectorCount);  // one per registry entry
  for (size_t i = 0; i < s.thresholds.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(s.thresholds[i].detector), i);
    EXPECT_EQ(s.thresholds[i].location.line, 0);
  }
  EXPECT_STREQ(DetectorName(Detector::kHttpErrors), "http_errors");
}

TEST(Loader, CommandStringSplitsLikeAShellAndListStaysAsIs) {
  auto file = MustParse(
      "app: { command: \"node 'my server.js' --name=\\\"a b\\\" x\\\\ y\" }\n"
      "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n");
  EXPECT_EQ(file.app.command.value,
            (std::vector<std::string>{"node", "my server.js", "--name=a b", "x y"}));
  auto list = MustParse(
      "app: { command: [node, 'a b.js'] }\nscenarios: [ { name: s, flow: [ { get: { url: / } } ] } "
      "]\n");
  EXPECT_EQ(list.app.command.value, (std::vector<std::string>{"node", "a b.js"}));
}

TEST(Loader, SeveralScenariosDurationRateAndReuse) {
  auto file = MustParse(
      R"(app: { command: node s.js, reuse: true, port: 8123, ready: { log: 'listening on (\d+)' } }
scenarios:
  - name: a
    warmup: { duration: 2s }
    run: { duration: 30s, concurrency: 2, rate: 500/s }
    flow: [ { get: { url: / } } ]
  - name: b
    flow:
      - delete: { url: /x, headers: { x-id: "{{ $vu }}" }, body: "raw {{ $iteration }}", timeout: 250ms }
      - put: { url: /y, expect: { header: etag, contains: ok } }
      - patch: { url: /z, expect: { header: { content-type: application/json } } }
      - head: { url: /h }
)");
  EXPECT_TRUE(file.app.reuse.value);
  EXPECT_EQ(file.app.port.value, 8123);
  EXPECT_EQ(file.app.ready.kind, ReadyKind::kLog);
  ASSERT_EQ(file.scenarios.size(), 2u);
  const Scenario& a = file.scenarios[0];
  ASSERT_TRUE(a.warmup.duration);
  EXPECT_EQ(a.warmup.duration->value, Duration(2000));
  ASSERT_TRUE(a.run.amount.duration);
  EXPECT_EQ(a.run.amount.duration->value, Duration(30000));
  ASSERT_TRUE(a.run.rate);
  EXPECT_EQ(a.run.rate->value, 500);
  const Scenario& b = file.scenarios[1];
  EXPECT_EQ(b.flow[0].request.method, Method::kDelete);
  EXPECT_FALSE(b.flow[0].request.json_body);
  EXPECT_EQ(*b.flow[0].request.timeout, Duration(250));
  EXPECT_EQ(*b.flow[1].request.expect.header, "etag");
  EXPECT_EQ(b.flow[1].request.expect.contains->source(), "ok");
  EXPECT_EQ(*b.flow[2].request.expect.header, "content-type");
  EXPECT_EQ(b.flow[2].request.expect.header_equals->source(), "application/json");
  EXPECT_EQ(b.flow[3].request.method, Method::kHead);
}

TEST(Loader, CaptureListAndNamesFlowIntoLaterSteps) {
  auto file = MustParse(WithScenario(R"(    flow:
      - post:
          url: /a
          capture: [ { json: "$.id", as: id }, { json: "$.items[0].name", as: first } ]
      - get: { url: "/b/{{ id }}/{{ first }}" }
)"));
  EXPECT_EQ(file.scenarios[0].flow[0].request.captures.size(), 2u);
}

TEST(Loader, RejectsUnknownKeysWithASuggestion) {
  EXPECT_THAT(Errors(WithScenario("    warmup: { iteration: 10 }\n" + std::string(kFlow))),
              ::testing::ElementsAre(
                  "t.yaml:4:15: unknown key `iteration` in `warmup` (did you mean `iterations`?)"));
  EXPECT_THAT(Errors("app: { command: x }\nscenario: []\n"),
              ::testing::Contains(HasSubstr(
                  "2:1: unknown key `scenario` in `the file` (did you mean `scenarios`?)")));
  EXPECT_THAT(Errors(WithScenario("    flow: [ { gett: { url: / } } ]\n")),
              ::testing::ElementsAre(
                  HasSubstr("4:15: unknown key `gett` in `flow step` (did you mean `get`?)")));
  EXPECT_THAT(Errors(WithScenario("    thresholds: { heap_per_iter: 1KB }\n" + std::string(kFlow))),
              ::testing::ElementsAre(HasSubstr("(did you mean `heap_per_iteration`?)")));
  EXPECT_THAT(Errors(WithScenario("    frobnicate: 1\n" + std::string(kFlow))),
              ::testing::ElementsAre("t.yaml:4:5: unknown key `frobnicate` in `scenario`"));
}

struct RuleCase {
  const char* body;
  const char* expected;  // "line:col: message fragment"
};

class ScenarioRules : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ScenarioRules, ReportsOneErrorAtItsLocation) {
  std::vector<std::string> errors = Errors(WithScenario(GetParam().body));
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  std::string expected = GetParam().expected;
  std::string location = expected.substr(0, expected.find(' '));
  EXPECT_EQ(errors[0].rfind("t.yaml:" + location, 0), 0u) << errors[0];
  EXPECT_THAT(errors[0], HasSubstr(expected.substr(expected.find(' ') + 1))) << errors[0];
}

INSTANTIATE_TEST_SUITE_P(
    Validation, ScenarioRules,
    ::testing::Values(
        RuleCase{"    run: { concurrency: 0 }\n    flow: [ { get: { url: / } } ]\n",
                 "4:25: `concurrency` must be between 1 and 10000, got 0"},
        RuleCase{"    run: { iterations: 0 }\n    flow: [ { get: { url: / } } ]\n",
                 "4:24: `iterations` must be between 1"},
        RuleCase{"    run: { iterations: 5, duration: 2s }\n    flow: [ { get: { url: / } } ]\n",
                 "4:27: give either `iterations` or `duration`, not both"},
        RuleCase{"    run: { duration: 10 }\n    flow: [ { get: { url: / } } ]\n",
                 "4:22: `duration` must be a duration with a unit"},
        RuleCase{"    run: { rate: fast }\n    flow: [ { get: { url: / } } ]\n",
                 "4:18: `rate` must be iterations per time unit"},
        RuleCase{"    run: { rate: 0/s }\n    flow: [ { get: { url: / } } ]\n",
                 "4:18: `rate` must be more than zero"},
        RuleCase{"    snapshots: 4\n    flow: [ { get: { url: / } } ]\n",
                 "4:16: `snapshots` must be 2 (baseline, final) or 3"},
        RuleCase{"    checkpoints: 1\n    flow: [ { get: { url: / } } ]\n",
                 "4:18: `checkpoints` must be between 2 and 1000"},
        RuleCase{"    thresholds: { retained_growth: -1MB }\n    flow: [ { get: { url: / } } ]\n",
                 "4:36: threshold `retained_growth` must not be negative"},
        RuleCase{
            "    thresholds: { heap_per_iteration: lots }\n    flow: [ { get: { url: / } } ]\n",
            "4:39: threshold `heap_per_iteration` must be a size"},
        RuleCase{"    thresholds: { http_errors: 5 }\n    flow: [ { get: { url: / } } ]\n",
                 "4:32: threshold `http_errors` must be a percentage"},
        RuleCase{"    thresholds: { http_errors: 150% }\n    flow: [ { get: { url: / } } ]\n",
                 "4:32: threshold `http_errors` must be at most 100%"},
        RuleCase{"    thresholds: { listeners: 0.5 }\n    flow: [ { get: { url: / } } ]\n",
                 "4:30: threshold `listeners` must be a whole number"},
        RuleCase{"    thresholds: { survivors: -0.5 }\n    flow: [ { get: { url: / } } ]\n",
                 "4:30: threshold `survivors` must not be negative"},
        RuleCase{"    flow: []\n", "4:11: `flow` must be a non-empty list of steps"},
        RuleCase{"    flow: [ { get: { url: users } } ]\n",
                 "4:27: `url` must be a path starting with `/`"},
        RuleCase{"    flow: [ { get: { url: /, path: / } } ]\n",
                 "4:30: unknown key `path` in `get`"},
        RuleCase{"    flow: [ { get: { url: /, json: {}, body: x } } ]\n",
                 "4:40: give either `json` or `body`, not both"},
        RuleCase{"    flow: [ { get: { url: \"/u/{{ uid }}\" } } ]\n",
                 "4:27: unknown variable `uid` in template: not captured by an earlier step"},
        RuleCase{"    flow: [ { get: { url: \"/u/{{ $uuid\" } } ]\n",
                 "4:27: unclosed `{{` in template"},
        RuleCase{"    flow: [ { get: { url: /, expect: { status: 99 } } } ]\n",
                 "4:48: `status` must be an HTTP status code"},
        RuleCase{"    flow: [ { get: { url: /, capture: { json: id, as: x } } } ]\n",
                 "4:47: JSONPath `id` must start with `$`"},
        RuleCase{"    flow: [ { get: { url: /, capture: { json: $.id } } } ]\n",
                 "4:39: `capture` needs one of `json`"},
        RuleCase{"    flow: [ { get: { url: /, timeout: 0ms } } ]\n",
                 "4:39: `timeout` must be more than zero"},
        RuleCase{"    flow: [ { think: soon } ]\n", "4:22: `think` must be a duration"},
        RuleCase{"    flow: [ { loop: { count: 0, flow: [ { get: { url: / } } ] } } ]\n",
                 "4:30: `count` must be between 1"},
        RuleCase{"    flow: [ { loop: { flow: [ { get: { url: / } } ] } } ]\n",
                 "4:15: missing required key `count` in `loop`"},
        RuleCase{"    flow: [ { get: { url: / }, post: { url: / } } ]\n",
                 "4:13: a flow step has exactly one key"},
        RuleCase{"    allow: [ { reason: because } ]\n    flow: [ { get: { url: / } } ]\n",
                 "4:14: an `allow` entry needs `class` or `path`"},
        RuleCase{"    run: { iterations: 1 }\n    run: { iterations: 2 }\n    flow: [ { get: { "
                 "url: / } } ]\n",
                 "5:5: duplicate key `run` (first set on line 4)"}),
    // Named by the expected message without its location: "ConcurrencyMustBeBetween1And…".
    [](const ::testing::TestParamInfo<RuleCase>& param_info) {
      std::string_view expected = param_info.param.expected;
      return leakcheck::testing::ReadableName(expected.substr(expected.find(' ') + 1), 60);
    });

TEST(Loader, FileLevelRules) {
  EXPECT_THAT(Errors("version: 2\napp: { command: x }\nscenarios: [ { name: s, flow: [ { get: { "
                     "url: / } } ] } ]\n"),
              ::testing::ElementsAre(
                  HasSubstr("1:10: unsupported `version` 2 (this leakcheck reads version 1)")));
  EXPECT_THAT(Errors("scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ::testing::ElementsAre(HasSubstr("1:1: missing required key `app`")));
  EXPECT_THAT(Errors("app: { command: x }\n"),
              ::testing::ElementsAre(HasSubstr("1:1: missing required key `scenarios`")));
  EXPECT_THAT(Errors(""), ::testing::ElementsAre(HasSubstr("1:1: the file is empty")));
  EXPECT_THAT(
      Errors("app: { command: x, port: 70000 }\nscenarios: [ { name: s, flow: [ { get: { url: / } "
             "} ] } ]\n"),
      ::testing::ElementsAre(HasSubstr("1:26: `port` must be `auto` or between 1 and 65535")));
  EXPECT_THAT(
      Errors("app: { command: x, ready: { http: /a, log: x } }\nscenarios: [ { name: s, flow: [ { "
             "get: { url: / } } ] } ]\n"),
      ::testing::ElementsAre(HasSubstr("1:39: `ready` takes either `http` or `log`, not both")));
  EXPECT_THAT(Errors("app: { command: x, ready: { log: '(' } }\nscenarios: [ { name: s, flow: [ { "
                     "get: { url: / } } ] } ]\n"),
              ::testing::ElementsAre(HasSubstr("1:34: `ready.log` is not a valid regex")));
  // Found by fuzzing (tests/fuzz/corpus/scenario_loader/regress_ready_log_*.yaml): libstdc++'s
  // std::regex overflowed a `long` reading these numbers. Patterns are RE2 now: a count that is
  // not a valid repetition is literal text, a backreference is an error, the length is capped.
  EXPECT_THAT(Errors("app: { command: x, ready: { log: 'a{77777777777777777777}' } }\nscenarios: [ "
                     "{ name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ::testing::IsEmpty());
  EXPECT_THAT(Errors("app: { command: x, ready: { log: 'a{2,1001}' } }\nscenarios: [ { name: s, "
                     "flow: [ { get: { url: / } } ] } ]\n"),
              ::testing::ElementsAre(HasSubstr(
                  "1:34: `ready.log` is not a valid regex: invalid repetition size: {2,1001}")));
  EXPECT_THAT(
      Errors("app: { command: x, ready: { log: '(a)\\1 and (a)\\\\\\2222222222222222222222' } "
             "}\nscenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
      ::testing::ElementsAre(
          HasSubstr("`ready.log` is not a valid regex: invalid escape sequence")));
  EXPECT_THAT(Errors("app: { command: x, ready: { log: '" + std::string(1001, 'a') +
                     "' } }\nscenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ::testing::ElementsAre(
                  HasSubstr("`ready.log` is not a valid regex: longer than 1000 characters")));
  EXPECT_THAT(Errors("app: { command: x, ready: { log: 'port \\{99999} [{]99999 \\d{2,1000}' } "
                     "}\nscenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ::testing::IsEmpty());
  EXPECT_THAT(Errors("app: { command: 'node \"x' }\nscenarios: [ { name: s, flow: [ { get: { url: "
                     "/ } } ] } ]\n"),
              ::testing::ElementsAre(HasSubstr("1:17: `command` has an unterminated quote")));
  // The one splitter (common/shell_words.h): a trailing backslash is an error here too (it used to
  // become an argument `\`), and a backslash-newline joins lines.
  EXPECT_THAT(
      Errors("app: { command: 'node server.js \\' }\nscenarios: [ { name: s, flow: [ { get: "
             "{ url: / } } ] } ]\n"),
      ::testing::ElementsAre(
          HasSubstr("1:17: `command` ends with a backslash that escapes nothing")));
  EXPECT_THAT(Errors("app: { command: x, node_args: '--a \\' }\nscenarios: [ { name: s, flow: [ { "
                     "get: { url: / } } ] } ]\n"),
              ::testing::ElementsAre(HasSubstr("`node_args` ends with a backslash")));
  EXPECT_THAT(
      MustParse("app:\n  command: |\n    node \\\n    server.js\nscenarios: [ { name: s, flow: "
                "[ { get: { url: / } } ] } ]\n")
          .app.command.value,
      ::testing::ElementsAre("node", "server.js"));
  EXPECT_THAT(
      Errors("app: { command: x }\ntarget: ftp://example.com\nscenarios: [ { name: s, "
             "flow: [ { get: { url: / } } ] } ]\n"),
      ::testing::ElementsAre(HasSubstr("2:9: `target` must start with `http://` or `https://`")));
  EXPECT_THAT(Errors("app: { command: x }\nscenarios:\n  - { name: s, flow: [ { get: { url: / } } "
                     "] }\n  - { name: s, flow: [ { get: { url: / } } ] }\n"),
              ::testing::ElementsAre(HasSubstr("4:13: duplicate scenario name `s`")));
}

TEST(Loader, MoreRequiredKeysAndShapes) {
  const std::string tail = "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n";
  EXPECT_THAT(Errors("app: { command: [] }\n" + tail),
              ::testing::ElementsAre("t.yaml:1:17: `command` must not be empty"));
  EXPECT_THAT(
      Errors("app: { command: x, cwd: ./no/such/dir }\n" + tail),
      ::testing::ElementsAre(HasSubstr("t.yaml:1:25: `cwd` `./no/such/dir` is not a directory")));
  EXPECT_THAT(
      Errors("app: { command: x, env: [A] }\n" + tail),
      ::testing::ElementsAre("t.yaml:1:25: `env` must be a mapping of variable names to values"));
  EXPECT_THAT(Errors("app: { command: x }\nscenarios: []\n"),
              ::testing::ElementsAre("t.yaml:2:12: `scenarios` must be a non-empty list"));
  EXPECT_THAT(Errors("app: { command: x }\nscenarios: [ { flow: [ { get: { url: / } } ] } ]\n"),
              ::testing::ElementsAre("t.yaml:2:14: missing required key `name` in scenario"));
  EXPECT_THAT(Errors(WithScenario("    flow: [ { get: { headers: { a: b } } } ]\n")),
              ::testing::ElementsAre("t.yaml:4:15: missing required key `url` in `get`"));
  EXPECT_THAT(Errors(WithScenario(
                  "    flow: [ { get: { url: /, capture: { json: $.id, as: \"a b\" } } } ]\n")),
              ::testing::ElementsAre(HasSubstr("`as` must be a name")));
  EXPECT_THAT(Errors(WithScenario("    flow: [ { loop: { count: 2 } } ]\n")),
              ::testing::ElementsAre("t.yaml:4:15: missing required key `flow` in `loop`"));
  EXPECT_THAT(
      Errors(WithScenario("    flow: [ { get: { url: /, headers: { \"bad name\": x } } } ]\n")),
      ::testing::ElementsAre(HasSubstr("`bad name` is not a valid header name")));
  EXPECT_THAT(Errors(WithScenario("    thresholds: { survivors: [1] }\n" + std::string(kFlow))),
              ::testing::ElementsAre(HasSubstr("threshold `survivors` must be a single value")));
  EXPECT_THAT(
      Errors(WithScenario("    flow: [ { get: { url: /, expect: { header: [a] } } } ]\n")),
      ::testing::ElementsAre(HasSubstr("`header` must be a header name, or `{ name: value }`")));
}

TEST(Loader, YamlSyntaxErrorsHaveALocation) {
  EXPECT_THAT(Errors("app: { command: x\nscenarios: [\n"),
              ::testing::ElementsAre(
                  ::testing::MatchesRegex("t\\.yaml:[0-9]+:[0-9]+: YAML syntax error: .*")));
  EXPECT_THAT(Errors("app:\n  command: x\n   bad: indent\n"),
              ::testing::ElementsAre(HasSubstr("t.yaml:3:")));
}

TEST(Loader, CollectsEveryErrorInFileOrder) {
  auto errors =
      Errors(WithScenario("    run: { concurrency: 0 }\n    snapshots: 9\n    flow: []\n"));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr(":4:"));
  EXPECT_THAT(errors[1], HasSubstr(":5:"));
  EXPECT_THAT(errors[2], HasSubstr(":6:"));
}

TEST(Loader, LoadScenarioFileThrowsInputErrorWithTheFirstProblem) {
  try {
    LoadScenarioFile("/nonexistent/leakcheck.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/leakcheck.yaml: cannot read the file"));
  }
}

}  // namespace
}  // namespace leakcheck::config
