// `flows:` (weighted) and the top-level `before:` / `after:` flows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/config/loader.h"
#include "tests/unit/config/parse_text.h"

namespace leakcheck::config {
namespace {

using testing::Errors;
using testing::MustParse;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Flows, WeightedFlowsShareTheScenarioRoutes) {
  ScenarioFile file = MustParse(R"(app: { command: node s.js }
scenarios:
  - name: s
    flows:
      - { name: browse, weight: 7, flow: [ { get: { url: /items } } ] }
      - { weight: 3, flow: [ { get: { url: /items } }, { post: { url: /cart } } ] }
)");
  const Scenario& sc = file.scenarios.at(0);
  EXPECT_TRUE(sc.flow.empty());
  ASSERT_EQ(sc.flows.size(), 2u);
  EXPECT_EQ(sc.flows[0].name.value, "browse");
  EXPECT_EQ(sc.flows[0].weight.value, 7);
  EXPECT_EQ(sc.flows[1].name.value, "flow 2");
  EXPECT_THAT(sc.routes, ElementsAre("GET /items", "POST /cart"));
}

TEST(Flows, BeforeCapturesAreKnownToEveryFlowAndAfter) {
  ScenarioFile file = MustParse(R"(app: { command: node s.js }
before:
  flow: [ { post: { url: /login, capture: { json: $.token, as: token } } } ]
after:
  flow: [ { delete: { url: "/sessions/{{ token }}" } } ]
scenarios:
  - name: a
    flow: [ { get: { url: /me, headers: { authorization: "Bearer {{ token }}" } } } ]
  - name: b
    flows: [ { flow: [ { get: { url: "/t/{{ token }}" } } ] } ]
)");
  ASSERT_EQ(file.before.flow.size(), 1u);
  EXPECT_THAT(file.before.routes, ElementsAre("POST /login"));
  EXPECT_THAT(file.after.routes, ElementsAre("DELETE /sessions/{{ token }}"));
  EXPECT_TRUE(file.before.flow[0].request.captures[0].secret)
      << "sent in an Authorization header by a scenario: a secret";
}

TEST(Flows, MistakesAreLocated) {
  EXPECT_THAT(Errors("app: { command: x }\nscenarios: [ { name: s, flow: [ { get: { url: / } } ], "
                     "flows: [ { flow: [ { get: { url: / } } ] } ] } ]\n"),
              ElementsAre(HasSubstr("give either `flow` or `flows`")));
  EXPECT_THAT(Errors("app: { command: x }\nscenarios: [ { name: s, flows: [ { weight: 0, flow: "
                     "[ { get: { url: / } } ] } ] } ]\n"),
              ElementsAre(HasSubstr("add up to 0")));
  EXPECT_THAT(Errors("app: { command: x }\nscenarios: [ { name: s, flows: [ { weight: -1, flow: "
                     "[ { get: { url: / } } ] } ] } ]\n"),
              ElementsAre(HasSubstr("weight")));
  EXPECT_THAT(Errors("app: { command: x }\nscenarios: [ { name: s, flows: [ { wieght: 1, flow: "
                     "[ { get: { url: / } } ] } ] } ]\n"),
              ElementsAre(HasSubstr("did you mean `weight`")));
  EXPECT_THAT(Errors("app: { command: x }\nbefore: { steps: [] }\nscenarios: [ { name: s, flow: "
                     "[ { get: { url: / } } ] } ]\n"),
              ::testing::Contains(HasSubstr("2:")));
  // A capture of one scenario's flow is not known to `after`, only `before`'s are.
  EXPECT_THAT(Errors("app: { command: x }\nafter: { flow: [ { get: { url: '/{{ id }}' } } ] }\n"
                     "scenarios: [ { name: s, flow: [ { get: { url: /, capture: { json: $.id, "
                     "as: id } } } ] } ]\n"),
              ElementsAre(HasSubstr("unknown variable `id`")));
}

}  // namespace
}  // namespace leakcheck::config
