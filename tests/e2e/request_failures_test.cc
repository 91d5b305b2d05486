// Failed requests a person can act on (issue 14 item 11), through the real binary and a real
// app (tests/fixtures/apps/failing_routes.js): per route (as written in the YAML) the status
// codes, the error kinds and a redacted, bounded body sample in the console, results.json,
// JUnit (valid against the XSD) and the GitHub step summary; the memory checks read
// "inconclusive" while requests fail. Counts are exact; nothing depends on timing.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kFixtures = LEAKCHECK_FIXTURES_DIR;
constexpr const char* kToken = "tok-5b1e0c7d93a24f68";

// Sets environment variables for the commands this test runs; restores them at scope exit.
class ScopedEnv {
 public:
  void Set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

class RequestFailures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_ = new Run;
    TempDir& tmp = run_->tmp;
    run_->junit = tmp.File("junit.xml");
    run_->summary = tmp.File("summary.md");
    ScopedEnv env;
    env.Set("FAILING_ROUTES_TOKEN", kToken);  // a secret-looking name: redacted by default
    env.Set("GITHUB_STEP_SUMMARY", run_->summary);
    env.Set("GITHUB_OUTPUT", tmp.File("output.txt"));
    run_->r = RunCommand({LEAKCHECK_BIN, "run", kFixtures + "/failures/failing-flow.yaml", "--out",
                          tmp.File("run"), "--junit", run_->junit, "--github", "--color", "never"});
    run_->results = ReadWholeFile(tmp.File("run") + "/results.json");
  }
  static void TearDownTestSuite() {
    delete run_;
    run_ = nullptr;
  }
  struct Run {
    TempDir tmp;
    CommandResult r;
    std::string junit, summary, results;
  };
  static inline Run* run_ = nullptr;
};

TEST_F(RequestFailures, TheRunFailsOnHttpAndTheMemoryChecksReadInconclusive) {
  const CommandResult& r = run_->r;
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("✗ http"));
  EXPECT_THAT(r.out, HasSubstr("INCONCLUSIVE"));
  EXPECT_THAT(r.out, HasSubstr("failed requests exceed the http limit"));
  boost::json::value v = boost::json::parse(run_->results);
  const auto& checks = v.at("scenarios").at(0).at("checks").as_array();
  int inconclusive = 0;
  for (const auto& c : checks) {
    const std::string detector(c.at("detector").as_string());
    const std::string status(c.at("status").as_string());
    if (detector == "http") {
      EXPECT_EQ(status, "failed");
    } else {
      EXPECT_NE(status, "passed") << detector << ": a memory check passed while requests fail";
      inconclusive += status == "inconclusive";
    }
  }
  EXPECT_GT(inconclusive, 0);
}

TEST_F(RequestFailures, ResultsJsonHasEachRouteAsWrittenWithStatusesErrorsAndSamples) {
  boost::json::value v = boost::json::parse(run_->results);
  const auto& routes = v.at("scenarios").at(0).at("load").at("routes").as_array();
  ASSERT_EQ(routes.size(), 3u) << run_->results;
  const auto& items = routes[0].as_object();
  EXPECT_EQ(items.at("route").as_string(), "GET /items/{{ $iteration }}") << "the template";
  const auto& item_statuses = items.at("statuses").as_object();
  const int64_t ok = item_statuses.at("200").as_int64(),
                missing = item_statuses.at("404").as_int64();
  EXPECT_EQ(ok + missing, items.at("requests").as_int64());
  EXPECT_EQ(items.at("failed").as_int64(), missing);
  EXPECT_EQ(items.at("errors").at("status").as_int64(), missing);
  ASSERT_EQ(items.at("samples").as_array().size(), 1u) << "one sample per failing status";
  const auto& sample = items.at("samples").as_array()[0].as_object();
  EXPECT_EQ(sample.at("status").as_int64(), 404);
  EXPECT_THAT(std::string(sample.at("body").as_string()), HasSubstr("\"error\":\"no item "));
  EXPECT_THAT(std::string(sample.at("body").as_string()), HasSubstr("[redacted]"));

  const auto& orders = routes[1].as_object();
  EXPECT_EQ(orders.at("route").as_string(), "POST /orders");
  EXPECT_EQ(orders.at("failed").as_int64(), orders.at("requests").as_int64());
  EXPECT_EQ(orders.at("statuses").at("500").as_int64(), orders.at("requests").as_int64());
  const auto& cut = orders.at("samples").as_array().at(0).as_object();
  EXPECT_TRUE(cut.at("truncated").as_bool());
  EXPECT_LE(cut.at("body").as_string().size(), 512u) << "bounded";
  EXPECT_THAT(std::string(cut.at("body").as_string()), ::testing::StartsWith("db down\n"));

  const auto& health = routes[2].as_object();
  EXPECT_EQ(health.at("failed").as_int64(), 0);
  EXPECT_TRUE(health.at("samples").as_array().empty());
}

TEST_F(RequestFailures, ConsoleJunitAndSummaryNameRoutesStatusesAndABodySample) {
  const std::string junit = ReadWholeFile(run_->junit), summary = ReadWholeFile(run_->summary);
  for (const auto& [name, text] : std::map<std::string, std::string>{
           {"console", run_->r.out}, {"junit", junit}, {"summary", summary}}) {
    EXPECT_THAT(text, HasSubstr("route: GET /items/{{ $iteration }} — ")) << name;
    EXPECT_THAT(text, HasSubstr("200 ×")) << name << ": statuses by code";
    EXPECT_THAT(text, HasSubstr("404 body: {")) << name;
    EXPECT_THAT(text, HasSubstr("route: POST /orders — ")) << name;
    EXPECT_THAT(text, HasSubstr("errors: status ×")) << name;
    EXPECT_THAT(text, HasSubstr("500 body: db down x")) << name << ": one line";
  }
  auto lint = RunCommand(
      {"xmllint", "--noout", "--schema", kFixtures + "/schemas/junit-10.xsd", run_->junit});
  EXPECT_EQ(lint.exit_code, 0) << lint.err;
}

TEST_F(RequestFailures, TheAppsTokenInABodyIsRedactedEverywhere) {
  EXPECT_THAT(run_->r.out, Not(HasSubstr(kToken)));
  EXPECT_THAT(run_->results, Not(HasSubstr(kToken)));
  EXPECT_THAT(ReadWholeFile(run_->junit), Not(HasSubstr(kToken)));
  EXPECT_THAT(ReadWholeFile(run_->summary), Not(HasSubstr(kToken)));
}

}  // namespace
}  // namespace leakcheck::testing
