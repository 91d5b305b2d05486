// JSON that leaves leakcheck is parsed by a real reader: `json:` bodies by the Node server that
// receives them (JSON.parse), `leakcheck load --json` by Boost.JSON. (Issue 11, item 4.)
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "harness/config/loader.h"
#include "harness/load/driver.h"
#include "tests/e2e/config_load_support.h"

namespace leakcheck::e2e {
namespace {

namespace fs = std::filesystem;

// A scenario file in a fresh temporary folder, removed at the end.
class ScenarioFileOnDisk {
 public:
  explicit ScenarioFileOnDisk(const std::string& yaml)
      : dir_(fs::temp_directory_path() /
             ("leakcheck-json-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(dir_);
    std::ofstream(path()) << yaml;
  }
  ~ScenarioFileOnDisk() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path() const { return (dir_ / "scenario.yaml").string(); }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

class JsonOutput : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server_.port(), 0) << "counting_server.js did not start"; }
  CountingServer server_;
};

TEST_F(JsonOutput, EveryYamlNumberFormInAJsonBodyReachesTheServerAsValidJson) {
  // `{a: +5, b: 007, c: .5, d: 5.}` went out as invalid JSON before; the server counts
  // "bad json" when its JSON.parse fails and "name from template" when `name` came through.
  std::string yaml =
      "app: { command: node x.js }\nscenarios:\n  - name: numbers\n    run: { iterations: 6 }\n"
      "    flow:\n      - post: { url: /users, json: { name: \"user-{{ $iteration }}\", a: +5, "
      "b: 007, c: .5, d: 5., e: 0x1F, f: 0o17, g: -.5e3, h: True, i: ~, j: 1_000, k: 'say \"hi\"' "
      "} }\n";
  std::vector<config::Diagnostic> diagnostics;
  config::ScenarioFile file = config::ParseScenarioText(yaml, "numbers.yaml", &diagnostics);
  for (const auto& d : diagnostics) ADD_FAILURE() << d.ToString();
  load::Driver driver(file, file.scenarios.at(0));
  driver.SetVariable("app.port", std::to_string(server_.port()));
  load::Stats s = driver.RunIterations(6);
  EXPECT_EQ(s.failed_requests, 0);
  auto counts = server_.Counts();
  EXPECT_EQ(counts["POST /users"], 6);
  EXPECT_EQ(counts["bad json"], 0);
  EXPECT_EQ(counts["name from template"], 6);
}

TEST_F(JsonOutput, LoadJsonParsesForAScenarioNameWithQuotes) {
  ScenarioFileOnDisk file(
      "app: { command: node x.js }\nscenarios:\n  - name: 'say \"hi\" \\ back'\n"
      "    run: { iterations: 3 }\n    flow: [ { get: { url: \"/users/{{ $iteration }}\" } } ]\n");
  CommandResult r = RunLeakcheck(
      {"load", file.path(), "--port", std::to_string(server_.port()), "--no-warmup", "--json"},
      /*merge_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec) << "not JSON: " << r.out;
  const auto& scenario = v.as_array().at(0).as_object();
  EXPECT_EQ(scenario.at("scenario").as_string(), "say \"hi\" \\ back");
  EXPECT_EQ(scenario.at("run").at("requests").as_int64(), 3);
  EXPECT_EQ(scenario.at("run").at("routes").at(0).at("route").as_string(),
            "GET /users/{{ $iteration }}");
  EXPECT_EQ(scenario.at("batches").as_array().size(), 1u);
}

}  // namespace
}  // namespace leakcheck::e2e
