// Issue 14 items 8 and 9 in the loader: `variables:`, `environments:` and the run overrides
// (config/overrides.h: CLI > environment > file), `app.setup:` and the app's templates
// (config/app_template.h).
#include "harness/config/overrides.h"

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "harness/config/app_template.h"
#include "harness/config/loader.h"
#include "tests/unit/config/parse_text.h"

namespace leakcheck::config {
namespace {

using testing::Errors;
using testing::MustParse;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kEnvironments = R"(app: { command: node s.js }
variables: { user: jane, page-size: 10 }
environments:
  staging:
    variables: { user: stage-user, region: eu }
    run: { iterations: 50, concurrency: 2 }
  soak:
    run: { duration: 2m }
scenarios:
  - name: a
    run: { iterations: 1000, concurrency: 8 }
    flow: [ { get: { url: "/u/{{ user }}?n={{ page-size }}&r={{ region }}" } } ]
  - name: b
    run: { duration: 30s }
    flow: [ { get: { url: / } } ]
)";

std::string ValueOf(const ScenarioFile& f, std::string_view name) {
  for (const Variable& v : f.variables)
    if (v.name == name) return v.value.value;
  return "(unset)";
}

TEST(Overrides, VariablesAndEveryEnvironmentsNamesAreKnownToTemplates) {
  ScenarioFile f = MustParse(kEnvironments);
  ASSERT_EQ(f.variables.size(), 2u);
  EXPECT_EQ(f.variables[0].name, "user");
  EXPECT_EQ(f.variables[0].value.location.line, 2);
  ASSERT_EQ(f.environments.size(), 2u);
  EXPECT_EQ(f.environments[0].name.value, "staging");
  EXPECT_EQ(f.environments[0].run.iterations->value, 50);
  EXPECT_EQ(f.environments[1].run.duration->value, Duration(120000));
}

TEST(Overrides, WithoutOverridesTheFileStands) {
  ScenarioFile f = MustParse(kEnvironments);
  ApplyOverrides(f, {});
  EXPECT_EQ(f.scenarios[0].run.amount.iterations.value, 1000);
  EXPECT_EQ(f.scenarios[0].run.concurrency.value, 8);
  EXPECT_EQ(ValueOf(f, "user"), "jane");
  EXPECT_EQ(ValueOf(f, "region"), "(unset)");
}

TEST(Overrides, TheEnvironmentOverridesTheFileAndTheCommandLineTheEnvironment) {
  ScenarioFile f = MustParse(kEnvironments);
  Overrides o;
  o.environment = "staging";
  ApplyOverrides(f, o);
  EXPECT_EQ(f.scenarios[0].run.amount.iterations.value, 50);
  EXPECT_EQ(f.scenarios[0].run.concurrency.value, 2);
  EXPECT_FALSE(f.scenarios[1].run.amount.duration) << "iterations replace a file's duration";
  EXPECT_EQ(ValueOf(f, "user"), "stage-user");
  EXPECT_EQ(ValueOf(f, "region"), "eu");
  EXPECT_EQ(ValueOf(f, "page-size"), "10");

  ScenarioFile g = MustParse(kEnvironments);
  o.run.iterations = Located<int64_t>{7, {}};
  o.run.concurrency = Located<int>{3, {}};
  o.vars = {{"user", "cli-user"}, {"user", "last-wins"}};
  ApplyOverrides(g, o);
  EXPECT_EQ(g.scenarios[0].run.amount.iterations.value, 7);
  EXPECT_EQ(g.scenarios[0].run.concurrency.value, 3);
  EXPECT_EQ(ValueOf(g, "user"), "last-wins");
  EXPECT_EQ(ValueOf(g, "region"), "eu");
}

TEST(Overrides, DurationReplacesIterations) {
  ScenarioFile f = MustParse(kEnvironments);
  Overrides o;
  o.environment = "soak";
  ApplyOverrides(f, o);
  ASSERT_TRUE(f.scenarios[0].run.amount.duration);
  EXPECT_EQ(f.scenarios[0].run.amount.duration->value, Duration(120000));
  EXPECT_EQ(f.scenarios[0].run.concurrency.value, 8) << "soak sets no concurrency";
}

TEST(Overrides, AnUnknownEnvironmentIsExit2WithASuggestionAndTheList) {
  ScenarioFile f = MustParse(kEnvironments);
  Overrides o;
  o.environment = "stagin";
  try {
    ApplyOverrides(f, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_THAT(e.what(), HasSubstr("-e stagin: t.yaml has no such environment (did you mean "
                                    "`staging`?); its environments: `staging`, `soak`"));
  }
}

TEST(Overrides, AVarNamingNoVariableIsExit2WithASuggestion) {
  ScenarioFile f = MustParse(kEnvironments);
  Overrides o;
  o.vars = {{"usr", "x"}};
  try {
    ApplyOverrides(f, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_THAT(e.what(), HasSubstr("--var usr: t.yaml has no variable `usr` in `variables:` or "
                                    "an environment (did you mean `user`?)"));
  }
  EXPECT_EQ(ParseVarArgument("a=b=c"), (std::pair<std::string, std::string>{"a", "b=c"}));
  EXPECT_EQ(ParseVarArgument("a="), (std::pair<std::string, std::string>{"a", ""}));
  EXPECT_THROW(ParseVarArgument("novalue"), Error);
  EXPECT_THROW(ParseVarArgument("=x"), Error);
}

TEST(Overrides, ValidateKnowsTheKeysWithLocationsAndSuggestions) {
  EXPECT_THAT(Errors("app: { command: node s.js }\nenvironments:\n  ci:\n    variable: { a: 1 }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre("t.yaml:4:5: unknown key `variable` in `environment` (did you mean "
                          "`variables`?)"));
  EXPECT_THAT(Errors("app: { command: node s.js }\nenvironments:\n  ci:\n    run: { rate: 5/s }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre(HasSubstr("t.yaml:4:12: unknown key `rate` in `run`")));
  EXPECT_THAT(Errors("app: { command: node s.js }\nvariables: { a: [1, 2] }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre("t.yaml:2:17: variable `a` must be a single value"));
  EXPECT_THAT(Errors("app: { command: node s.js }\nvariables: { user: x }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: '/{{ usr }}' } } ] } ]\n"),
              ElementsAre(HasSubstr("unknown variable `usr` in template: not captured by an "
                                    "earlier step (did you mean `user`?)")));
  EXPECT_THAT(Errors("app: { command: node s.js }\nenvironment: {}\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre(HasSubstr("unknown key `environment` in `the file` (did you mean "
                                    "`environments`?)")));
}

constexpr std::string_view kSetup = R"(app:
  command: node server.js --port={{ app.port }}
  env: { API_PORT: "{{ app.port }}", HOME_DIR: "{{ $env.LEAKCHECK_TEST_HOME }}", PLAIN: x }
  node_args: ["--title=app-{{ app.port }}"]
  setup:
    - node seed.js --fresh
    - [node, "migrate up.js", "{{ app.port }}"]
scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]
)";

TEST(AppLifecycle, SetupCommandsAreArgvAndTemplatesRenderWithThePort) {
  ScenarioFile f = MustParse(kSetup);
  ASSERT_EQ(f.app.setup.size(), 2u);
  EXPECT_THAT(f.app.setup[0].value, ElementsAre("node", "seed.js", "--fresh"));
  EXPECT_EQ(f.app.setup[0].location.line, 6);
  EXPECT_THAT(f.app.setup[1].value, ElementsAre("node", "migrate up.js", "{{ app.port }}"));
  EXPECT_TRUE(UsesAppPort(f.app));
  ::setenv("LEAKCHECK_TEST_HOME", "/home/jane", 1);
  EXPECT_EQ(RenderAppValue(f.app.command.value[2], 4321), "--port=4321");
  EXPECT_EQ(RenderAppValue(f.app.env[1].second.value, 4321), "/home/jane");
  EXPECT_EQ(RenderAppValue("no braces {x}", 4321), "no braces {x}");
  ::unsetenv("LEAKCHECK_TEST_HOME");
  EXPECT_FALSE(UsesAppPort(MustParse("app: { command: node s.js, env: { A: app.port } }\n"
                                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n")
                               .app));
}

TEST(AppLifecycle, OnlyThePortAndTheEnvironmentWorkInAppTemplates) {
  EXPECT_THAT(Errors("app: { command: 'node s.js {{ $iteration }}' }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre(HasSubstr("t.yaml:1:17: only `{{ app.port }}` and `{{ $env.NAME }}` "
                                    "work in `app`")));
  EXPECT_THAT(Errors("app: { command: node s.js, env: { A: '{{ uid }}' } }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre(HasSubstr("only `{{ app.port }}`")));
  EXPECT_THAT(Errors("app: { command: node s.js, setup: [ 'node {{ $env }}' ] }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre(HasSubstr("`$env` needs a variable name")));
  EXPECT_THAT(Errors("app: { command: node s.js, setup: node seed.js }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre(HasSubstr("`setup` must be a list of commands")));
  EXPECT_THAT(Errors("app: { command: node s.js, setup: [ '' ] }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre(HasSubstr("a `setup` command must not be empty")));
  EXPECT_THAT(Errors("app: { command: node s.js, setpu: [] }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: / } } ] } ]\n"),
              ElementsAre(HasSubstr("(did you mean `setup`?)")));
}

}  // namespace
}  // namespace leakcheck::config
