// Weighted flows (`flows:`) and `before:`/`after:` (issue 14 item 7) against
// tests/fixtures/servers/counting_server.js: what the driver says it ran must match what the
// server received, exactly; the weighted choice is the same on every run with the same seed.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "harness/config/loader.h"
#include "harness/load/driver.h"
#include "tests/e2e/config_load_support.h"
#include "tests/e2e/process_e2e_util.h"

namespace leakcheck::e2e {
namespace {

config::ScenarioFile Parse(const std::string& yaml) {
  std::vector<config::Diagnostic> diagnostics;
  config::ScenarioFile file = config::ParseScenarioText(yaml, "test.yaml", &diagnostics);
  for (const auto& d : diagnostics) ADD_FAILURE() << d.ToString();
  return file;
}

constexpr const char* kWeighted = R"(app: { command: node x.js }
scenarios:
  - name: mix
    flows:
      - { name: browse, weight: 3, flow: [ { get: { url: /browse } } ] }
      - { name: buy, weight: 1, flow: [ { post: { url: /buy } }, { get: { url: /receipt } } ] }
      - { name: never, weight: 0, flow: [ { get: { url: /never } } ] }
)";

class Flows : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server_.port(), 0) << "counting_server.js did not start"; }
  std::unique_ptr<load::Driver> MakeDriver(const config::ScenarioFile& file, uint64_t seed,
                                           int concurrency = 4) {
    load::DriverOptions options;
    options.concurrency = concurrency;
    options.seed = seed;
    auto driver = std::make_unique<load::Driver>(file, file.scenarios.at(0), options);
    driver->SetVariable("app.port", std::to_string(server_.port()));
    return driver;
  }
  CountingServer server_;
};

TEST_F(Flows, EachIterationRunsOneFlowByWeightAndTheServerAgrees) {
  const config::ScenarioFile file = Parse(kWeighted);
  auto driver = MakeDriver(file, 7);
  driver->RunIterations(250);
  driver->RunIterations(150);
  const std::vector<load::FlowShare> shares = driver->FlowShares();
  ASSERT_EQ(shares.size(), 3u);
  EXPECT_EQ(shares[0].name, "browse");
  EXPECT_EQ(shares[0].iterations + shares[1].iterations, 400);
  EXPECT_EQ(shares[2].iterations, 0) << "weight 0 never runs";
  // 3:1 of 400: far from both ends whatever the seed (a binomial's 8 standard deviations).
  EXPECT_GT(shares[0].iterations, 230);
  EXPECT_LT(shares[0].iterations, 370);
  auto counts = server_.Counts();
  EXPECT_EQ(counts["GET /browse"], shares[0].iterations);
  EXPECT_EQ(counts["POST /buy"], shares[1].iterations);
  EXPECT_EQ(counts["GET /receipt"], shares[1].iterations);
  EXPECT_EQ(counts["GET /never"], 0);
  EXPECT_EQ(driver->total().requests, shares[0].iterations + 2 * shares[1].iterations);
}

TEST_F(Flows, TheSameSeedPicksTheSameFlowsWhateverTheConcurrency) {
  const config::ScenarioFile file = Parse(kWeighted);
  auto a = MakeDriver(file, 11, 1);
  auto b = MakeDriver(file, 11, 8);
  auto c = MakeDriver(file, 12, 4);
  a->RunIterations(300);
  b->RunIterations(100);
  b->RunIterations(200);
  c->RunIterations(300);
  EXPECT_EQ(a->FlowShares()[0].iterations, b->FlowShares()[0].iterations);
  EXPECT_EQ(a->FlowShares()[1].iterations, b->FlowShares()[1].iterations);
  EXPECT_EQ(a->flow_seed(), 11u);
  EXPECT_NE(a->FlowShares()[0].iterations, c->FlowShares()[0].iterations)
      << "another seed, another choice (for these two seeds)";
}

TEST_F(Flows, BeforeRunsOnceItsCapturesReachEveryUserAndAfterRunsOnce) {
  const config::ScenarioFile file = Parse(R"(app: { command: node x.js }
before:
  flow:
    - post: { url: /users, json: { name: admin }, capture: { json: $.id, as: uid } }
after:
  flow:
    - get: { url: "/users/{{ uid }}/posts?page=after" }
scenarios:
  - name: s
    flow:
      - get: { url: "/users/{{ uid }}", expect: { status: 200 } }
)");
  auto driver = MakeDriver(file, 1);
  const load::Stats before = driver->RunBefore();
  EXPECT_EQ(before.requests, 1);
  EXPECT_EQ(before.failed_requests, 0);
  const load::Stats run = driver->RunIterations(40);
  EXPECT_EQ(run.failed_requests, 0);
  const load::Stats after = driver->RunAfter();
  EXPECT_EQ(after.requests, 1);
  EXPECT_EQ(driver->total().requests, 40) << "before and after are outside the batches";
  auto counts = server_.Counts();
  EXPECT_EQ(counts["POST /users"], 1);
  EXPECT_EQ(counts["known id"], 40) << "every virtual user sent the id `before` captured";
  EXPECT_EQ(counts["GET /users/:id/posts page=after"], 1);
}

TEST(FlowsRun, BeforeAndAfterRunOnceOutsideTheMeasuredRunAndTheMixIsInResultsJson) {
  const auto dir = TestDir("flows-run");
  const std::string counts = (dir / "counts.txt").string();
  const std::string yaml = (dir / "flows.yaml").string();
  std::ofstream(yaml)
      << "version: 1\napp:\n  command: node " << LEAKCHECK_FIXTURES_DIR
      << "/servers/counting_server.js\n  env: { COUNTS_FILE: '" << counts
      << "' }\nbefore:\n  flow: [ { post: { url: /users, capture: { json: $.id, "
         "as: uid } } } ]\n"
         "after:\n  flow: [ { get: { url: /after } } ]\n"
         "scenarios:\n  - name: mix\n    warmup: { iterations: 50 }\n"
         "    run: { iterations: 200, concurrency: 2 }\n"
         "    checkpoints: 2\n    snapshots: 2\n"
         "    flows:\n"
         "      - { name: read, weight: 4, flow: [ { get: { url: \"/users/{{ uid }}\" } } ] }\n"
         "      - { name: other, weight: 1, flow: [ { get: { url: /other } } ] }\n"
         "    thresholds: { heap_per_iteration: 1MB, retained_growth: 100MB, "
         "survivors: 1, collections: 1000, listeners: 1000, "
         "external: 1MB, rss: 10MB }\n";
  auto r = RunLeakcheck({"run", yaml, "--out", (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const std::string stats = Slurp(counts);
  EXPECT_THAT(stats, ::testing::HasSubstr("POST /users 1\n")) << "before: once";
  EXPECT_THAT(stats, ::testing::HasSubstr("GET /after 1\n")) << "after: once";
  EXPECT_THAT(stats, ::testing::Not(::testing::HasSubstr("unknown id"))) << stats;
  boost::system::error_code ec;
  const boost::json::value results = boost::json::parse(Slurp(dir / "out" / "results.json"), ec);
  ASSERT_FALSE(ec);
  const auto& scenario = results.at("scenarios").at(0);
  EXPECT_EQ(scenario.at("flow_seed").to_number<int64_t>(), 0x5eed);
  const auto& flows = scenario.at("flows").as_array();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].at("name").as_string(), "read");
  EXPECT_EQ(flows[0].at("weight").to_number<int64_t>(), 4);
  EXPECT_EQ(flows[0].at("iterations").to_number<int64_t>() +
                flows[1].at("iterations").to_number<int64_t>(),
            scenario.at("warmup").at("iterations").to_number<int64_t>() +
                scenario.at("load").at("iterations").to_number<int64_t>());
}

}  // namespace
}  // namespace leakcheck::e2e
