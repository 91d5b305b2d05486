// The load driver against a real Node server on 127.0.0.1: what the driver counts must match
// what the server received, exactly. No assertion depends on timing.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "harness/config/loader.h"
#include "harness/load/driver.h"
#include "tests/e2e/config_load_support.h"

namespace leakcheck::e2e {
namespace {

using load::ErrorKind;

// Parses a one-scenario file whose flow is `flow` (YAML, indented for the `flow:` key).
config::ScenarioFile Scenario(const std::string& flow,
                              const std::string& run = "{ iterations: 10 }") {
  std::string yaml =
      "app: { command: node x.js }\ndefaults: { timeout: 5s }\nscenarios:\n  - name: t\n"
      "    run: " +
      run + "\n    flow:\n" + flow;
  std::vector<config::Diagnostic> diagnostics;
  config::ScenarioFile file = config::ParseScenarioText(yaml, "test.yaml", &diagnostics);
  for (const auto& d : diagnostics) ADD_FAILURE() << d.ToString();
  return file;
}

load::DriverOptions Options(int concurrency, std::optional<double> rate = std::nullopt) {
  load::DriverOptions options;
  options.concurrency = concurrency;
  options.rate = rate;
  return options;
}

class LoadDriver : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server_.port(), 0) << "counting_server.js did not start"; }

  std::unique_ptr<load::Driver> MakeDriver(const config::ScenarioFile& file,
                                           load::DriverOptions options = {}) {
    auto driver = std::make_unique<load::Driver>(file, file.scenarios.at(0), options);
    driver->SetVariable("app.port", std::to_string(server_.port()));
    return driver;
  }

  CountingServer server_;
};

constexpr const char* kUserFlow = R"(      - post:
          url: /users
          json: { name: "user-{{ $iteration }}", ref: "{{ $uuid }}" }
          capture: [ { json: $.id, as: uid }, { json: "$.items[0].name", as: first } ]
          expect: { status: 201, header: location }
      - get: { url: "/users/{{ uid }}?first={{ first }}", expect: { status: 200 } }
      - loop:
          count: 3
          flow: [ { get: { url: "/users/{{ uid }}/posts?page={{ $loopCount }}" } } ]
)";

TEST_F(LoadDriver, ExactRequestCountsPerRouteAcrossBatches) {
  auto file = Scenario(kUserFlow, "{ iterations: 10, concurrency: 8 }");
  load::Driver driver(file, file.scenarios[0]);
  driver.SetVariable("app.port", std::to_string(server_.port()));
  load::Stats warmup = driver.RunIterations(7);
  int64_t run_requests = 0;
  for (int batch = 0; batch < 3; ++batch) {
    load::Stats s = driver.RunIterations(101);
    EXPECT_EQ(s.iterations, 101);
    EXPECT_EQ(s.requests, 101 * 5);
    EXPECT_EQ(s.failed_requests, 0);
    run_requests += s.requests;
    ASSERT_EQ(s.routes.size(), 3u);
    EXPECT_EQ(s.routes[0].route, "POST /users");
    EXPECT_EQ(s.routes[0].requests, 101);
    EXPECT_EQ(s.routes[1].requests, 101);
    EXPECT_EQ(s.routes[2].requests, 303);
    EXPECT_EQ(s.latency.count(), s.responses);
  }
  EXPECT_EQ(warmup.iterations, 7);
  EXPECT_EQ(driver.next_iteration(), 310);
  EXPECT_EQ(driver.total().requests, 7 * 5 + run_requests);
  EXPECT_EQ(driver.total().status_classes[2], 310 * 5);

  auto counts = server_.Counts();
  EXPECT_EQ(counts["POST /users"], 310);
  EXPECT_EQ(counts["name from template"], 310);
  EXPECT_EQ(counts["uuid from template"], 310);
  EXPECT_EQ(counts["distinct uuid"], 310);  // a new UUID per iteration
  EXPECT_EQ(counts["GET /users/:id"], 310);
  // Captured values flowed into the later requests: every id was one the server issued,
  // and the nested capture ($.items[0].name) came along too.
  EXPECT_EQ(counts["known id"], 310);
  EXPECT_EQ(counts["unknown id"], 0);
  EXPECT_EQ(counts["nested capture ok"], 310);
  EXPECT_EQ(counts["GET /users/:id/posts page=1"], 310);
  EXPECT_EQ(counts["GET /users/:id/posts page=3"], 310);
  // Keep-alive: one connection per virtual user, kept across batches.
  EXPECT_EQ(driver.total().connections_opened, 8);
  EXPECT_EQ(counts["connections"], 8 + 1);  // + the /__stats request
}

TEST_F(LoadDriver, FailedExpectationsAreCountedByKind) {
  auto file = Scenario(R"(      - get: { url: /status/500 }
      - get: { url: /ok, expect: { status: 201 } }
      - get: { url: /ok, expect: { contains: nope } }
      - get: { url: /header, headers: { x-request-id: "{{ $vu }}" }, expect: { header: { x-request-id: "{{ $vu }}" } } }
      - get: { url: /header, expect: { header: x-missing } }
      - get: { url: /notjson, capture: { json: $.id, as: id } }
      - get: { url: /never-reached }
)");
  auto driver = MakeDriver(file, Options(2));
  load::Stats s = driver->RunIterations(5);
  EXPECT_EQ(s.iterations, 5);
  EXPECT_EQ(s.failed_iterations, 5);
  EXPECT_EQ(s.requests, 5 * 6);
  EXPECT_EQ(s.errors_of(ErrorKind::kStatus), 5 * 2);
  EXPECT_EQ(s.errors_of(ErrorKind::kExpectation), 5 * 2);
  EXPECT_EQ(s.errors_of(ErrorKind::kCapture), 5);
  EXPECT_EQ(s.failed_requests, 5 * 5);
  EXPECT_DOUBLE_EQ(s.error_rate(), 25.0 / 30.0);
  // Steps with the same method and URL share a route: /ok and /header appear twice.
  ASSERT_EQ(s.routes.size(), 5u);
  EXPECT_EQ(s.routes[1].route, "GET /ok");
  EXPECT_EQ(s.routes[1].requests, 10);
  EXPECT_EQ(s.routes[2].requests, 10);
  EXPECT_EQ(s.routes[2].failed, 5);    // x-missing; the echoed x-request-id matched
  EXPECT_EQ(s.routes[3].failed, 5);    // not JSON: nothing to capture
  EXPECT_EQ(s.routes[4].requests, 0);  // a failed capture abandons the iteration
  auto counts = server_.Counts();
  EXPECT_EQ(counts["GET /status"], 5);
  EXPECT_EQ(counts["GET /notjson"], 5);
  EXPECT_EQ(counts["GET /never-reached"], 0);
}

TEST_F(LoadDriver, TimeoutsAreCountedAndTheConnectionReplaced) {
  auto file = Scenario(R"(      - get: { url: /slow, timeout: 100ms }
      - get: { url: /never-reached }
)");
  auto driver = MakeDriver(file, Options(2));
  load::Stats s = driver->RunIterations(4);
  EXPECT_EQ(s.iterations, 4);
  EXPECT_EQ(s.requests, 4);
  EXPECT_EQ(s.errors_of(ErrorKind::kTimeout), 4);
  EXPECT_EQ(s.responses, 0);
  EXPECT_EQ(s.connections_opened, 4);  // a timed-out connection is never reused
  auto counts = server_.Counts();
  EXPECT_EQ(counts["GET /slow"], 4);
  EXPECT_EQ(counts["GET /never-reached"], 0);
}

TEST_F(LoadDriver, ServerClosedConnectionsReconnectAndResetsAreCountedNotRetried) {
  auto file = Scenario(R"(      - get: { url: /close }
      - get: { url: /ok }
      - get: { url: /reset }
)");
  auto driver = MakeDriver(file, Options(3));
  load::Stats s = driver->RunIterations(9);
  EXPECT_EQ(s.requests, 27);
  EXPECT_EQ(s.responses, 18);
  EXPECT_EQ(s.errors_of(ErrorKind::kClosed), 9);
  EXPECT_EQ(s.failed_requests, 9);
  EXPECT_EQ(s.server_closes, 9);        // Connection: close on /close
  EXPECT_EQ(s.connections_opened, 18);  // after each close and each reset
  auto counts = server_.Counts();
  EXPECT_EQ(counts["GET /close"], 9);
  EXPECT_EQ(counts["GET /ok"], 9);
  EXPECT_EQ(counts["GET /reset"], 9);  // nothing retried
}

TEST_F(LoadDriver, IdleConnectionsTheServerClosedBetweenBatchesAreReopened) {
  auto file = Scenario("      - get: { url: /ok }\n");
  auto driver = MakeDriver(file, Options(4));
  load::Stats first = driver->RunIterations(20);
  EXPECT_EQ(first.connections_opened, 4);
  // What happens when the pipeline pauses longer than the app's keepAliveTimeout.
  EXPECT_EQ(server_.Get("/__close-idle"), "closed\n");
  load::Stats second = driver->RunIterations(20);
  EXPECT_EQ(second.failed_requests, 0);
  EXPECT_EQ(second.server_closes, 4);
  EXPECT_EQ(second.connections_opened, 4);
  EXPECT_EQ(server_.Counts()["GET /ok"], 40);
}

// The app froze (a checkpoint's snapshot) for longer than its keepAliveTimeout while every
// connection was idle; when it resumes, its overdue keep-alive timers close those connections
// just as the next requests arrive. The harness caused that: no request may fail.
TEST(LoadDriverKeepAlive, ConnectionsTheServerClosesAfterAPauseAreRetriedNotCounted) {
  CountingServer server("keepalive_pause_server.js");  // keepAliveTimeout 300 ms
  ASSERT_GT(server.port(), 0);
  auto file = Scenario("      - get: { url: /ok }\n");
  load::Driver driver(file, file.scenarios[0], Options(8));
  driver.SetVariable("app.port", std::to_string(server.port()));
  int64_t sent = 0, retried = 0;
  for (int round = 0; round < 3; ++round) {
    load::Stats s = driver.RunIterations(40);
    EXPECT_EQ(s.failed_requests, 0) << "round " << round;
    EXPECT_EQ(s.responses, 40);
    sent += s.requests;
    if (round > 0) retried += s.server_closes;
    // Freeze the server for 3 s, and send the next batch 1.2 s into the freeze.
    EXPECT_EQ(server.Get("/pause?ms=3000"), "paused\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  }
  EXPECT_EQ(server.Counts()["ok"], sent) << "every request reached the app exactly once";
  EXPECT_GT(retried, 0) << "the server closed idle connections while paused";
}

TEST_F(LoadDriver, ConnectionRefusedIsAConnectError) {
  auto file = Scenario("      - get: { url: /ok }\n      - get: { url: /never }\n");
  load::Driver driver(file, file.scenarios[0], Options(2));
  driver.SetTarget("http://127.0.0.1:1");
  load::Stats s = driver.RunIterations(3);
  EXPECT_EQ(s.iterations, 3);
  EXPECT_EQ(s.requests, 3);
  EXPECT_EQ(s.errors_of(ErrorKind::kConnect), 3);
}

TEST_F(LoadDriver, DurationModeAndRateStillCountExactly) {
  auto file = Scenario("      - get: { url: /ok }\n      - think: 1ms\n");
  auto timed = MakeDriver(file, Options(2));
  load::Stats s = timed->RunFor(config::Duration(200));
  EXPECT_GT(s.iterations, 0);
  EXPECT_EQ(s.requests, s.iterations);
  auto paced = MakeDriver(file, Options(2, 2000.0));
  load::Stats p = paced->RunIterations(30);
  EXPECT_EQ(p.iterations, 30);
  EXPECT_EQ(server_.Counts()["GET /ok"], s.iterations + 30);
}

TEST_F(LoadDriver, TargetBasePathAndTemplatesInHeadersAndBodies) {
  auto file = Scenario(R"(      - post:
          url: /users
          headers: { content-type: application/json }
          body: '{"name": "user-{{ $randomString(5) }}"}'
          capture: { json: $.id, as: uid }
      - get: { url: "/users/{{ uid }}" }
)");
  auto driver = MakeDriver(file);
  load::Stats s = driver->RunIterations(6);
  EXPECT_EQ(s.failed_requests, 0);
  EXPECT_EQ(driver->target(), server_.url());
  auto counts = server_.Counts();
  EXPECT_EQ(counts["name from template"], 6);
  EXPECT_EQ(counts["known id"], 6);
}

TEST_F(LoadDriver, UnusableTargetIsAHarnessError) {
  auto file = Scenario("      - get: { url: /ok }\n");
  load::Driver driver(file, file.scenarios[0]);  // app.port never set
  EXPECT_THROW(driver.RunIterations(1), leakcheck::Error);
}

TEST_F(LoadDriver, LoadCommandPrintsJsonStats) {
  std::string file = std::string(LEAKCHECK_FIXTURES_DIR) + "/scenarios/valid/load-counting.yaml";
  CommandResult r = RunLeakcheck(
      {"load", file, "--port", std::to_string(server_.port()), "--batches", "3", "--json"}, false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, ::testing::HasSubstr("\"warmup\":{\"iterations\":7,"));
  EXPECT_THAT(r.out, ::testing::HasSubstr(
                         "\"run\":{\"iterations\":303,\"failed_iterations\":0,\"requests\":1515,"));
  EXPECT_THAT(r.out,
              ::testing::HasSubstr("{\"route\":\"POST /users\",\"requests\":303,\"failed\":0,"
                                   "\"status\":{\"201\":303},\"errors\":{}}"));
  auto counts = server_.Counts();
  EXPECT_EQ(counts["POST /users"], 310);
  EXPECT_EQ(counts["known id"], 310);
  EXPECT_EQ(counts["nested capture ok"], 310);
}

}  // namespace
}  // namespace leakcheck::e2e
