// `run` overrides and the app's lifecycle (issue 14 items 8 and 9) through the real binary and a
// real app (tests/fixtures/apps/lifecycle_server.js) that answers 404 unless the request was
// right and will not start unless its lifecycle was: `app.setup` seeded its users,
// `{{ app.port }}` reached it through app.env (it ignores PORT), `{{ $env.X }}` named the seed
// file. `-e`, `--var`, `--iterations` and `--concurrency` pick the user and the amount; the app
// logs each greeting, so the counts come from the app itself. Nothing depends on timing.
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

int64_t Occurrences(const std::string& text, const std::string& needle) {
  int64_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class RunOverrides : public ::testing::Test {
 protected:
  // The scenario file, with `setup` as the app's setup list.
  std::string Write(const std::string& setup) {
    std::string path = tmp_.File("lifecycle.yaml");
    std::ofstream(path) << "version: 1\n"
                           "variables: { user: jane }\n"
                           "environments:\n"
                           "  staging:\n"
                           "    variables: { user: stage-user }\n"
                           "    run: { iterations: 5, concurrency: 2 }\n"
                           "app:\n"
                           "  command: node " +
                               kFixtures +
                               "/apps/lifecycle_server.js\n"
                               "  env: { API_PORT: '{{ app.port }}', SEED_FILE: "
                               "'{{ $env.LEAKCHECK_E2E_DIR }}/seed.json' }\n"
                               "  ready: { http: /healthz, timeout: 30s }\n"
                               "  setup:\n" +
                               setup +
                               "scenarios:\n"
                               "  - name: greet\n"
                               "    warmup: { iterations: 2 }\n"
                               "    run: { iterations: 1000, concurrency: 4 }\n"
                               "    checkpoints: 2\n"
                               "    snapshots: 2\n"
                               "    flow: [ { get: { url: '/greet/{{ user }}' } } ]\n"
                               // A handful of iterations decides no leak: only the run matters.
                               "    thresholds: { heap_per_iteration: 1MB, retained_growth: "
                               "1GB, survivors: 100000, collections: 100000, listeners: 1000, "
                               "handles: 1000, external: 1MB, closures: 100000, fds: 1000, "
                               "sockets: 1000, rss: 1GB }\n";
    return path;
  }
  std::string Seed() const {
    return "    - [node, " + kFixtures +
           "/apps/lifecycle_seed.js, '{{ $env.LEAKCHECK_E2E_DIR }}/seed.json', jane, stage-user, "
           "cli-user]\n";
  }
  CommandResult Run(std::vector<std::string> args) {
    ::setenv("LEAKCHECK_E2E_DIR", tmp_.File("").c_str(), 1);
    std::vector<std::string> argv = {LEAKCHECK_BIN, "run",     Write(Seed()), "--out",
                                     out(),         "--color", "never",       "--no-sampling"};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = RunCommand(argv);
    ::unsetenv("LEAKCHECK_E2E_DIR");
    return r;
  }
  std::string out() const { return tmp_.File("run"); }
  boost::json::object Scenario() {
    return boost::json::parse(ReadWholeFile(out() + "/results.json"))
        .at("scenarios")
        .at(0)
        .as_object();
  }
  TempDir tmp_;
};

TEST_F(RunOverrides, CommandLineBeatsTheEnvironmentWhichBeatsTheFile) {
  CommandResult r =
      Run({"-e", "staging", "--var", "user=cli-user", "--iterations", "7", "--concurrency", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  boost::json::object s = Scenario();
  EXPECT_EQ(s.at("load").at("errors").as_int64(), 0) << "the app knew the user";
  const int64_t measured = s.at("load").at("iterations").as_int64();
  if (s.at("extensions").as_array().empty()) {
    EXPECT_EQ(measured, 7) << "--iterations 7";
  }
  const std::string app_log = ReadWholeFile(out() + "/greet/stdout.log");
  EXPECT_EQ(Occurrences(app_log, "greet cli-user"), 2 + measured) << "--var over -e and the file";
  EXPECT_EQ(Occurrences(app_log, "greet stage-user") + Occurrences(app_log, "greet jane"), 0);
}

TEST_F(RunOverrides, TheEnvironmentBeatsTheFile) {
  CommandResult r = Run({"-e", "staging"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  boost::json::object s = Scenario();
  const int64_t measured = s.at("load").at("iterations").as_int64();
  if (s.at("extensions").as_array().empty()) {
    EXPECT_EQ(measured, 5) << "staging's run:";
  }
  const std::string app_log = ReadWholeFile(out() + "/greet/stdout.log");
  EXPECT_EQ(Occurrences(app_log, "greet stage-user"), 2 + measured);
  EXPECT_EQ(Occurrences(app_log, "greet jane"), 0);
}

TEST_F(RunOverrides, SetupRanBeforeTheAppAndThePortReachedItThroughAppEnv) {
  CommandResult r = Run({"--iterations", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string setup_log = ReadWholeFile(out() + "/greet/setup.log");
  EXPECT_THAT(setup_log, HasSubstr("$ node " + kFixtures + "/apps/lifecycle_seed.js"));
  EXPECT_THAT(setup_log, HasSubstr("seeded 3 users into "));
  const std::string app_log = ReadWholeFile(out() + "/greet/stdout.log");
  // `listening on API_PORT=N PORT=N`: the app bound the port leakcheck chose and passed.
  size_t at = app_log.find("listening on API_PORT=");
  ASSERT_NE(at, std::string::npos) << app_log;
  std::string line = app_log.substr(at, app_log.find('\n', at) - at);
  std::string api = line.substr(22, line.find(' ', 22) - 22);
  EXPECT_THAT(line, HasSubstr(" PORT=" + api)) << line;
  EXPECT_THAT(setup_log, HasSubstr("seed: PORT=" + api + " API_PORT=" + api))
      << "setup saw the same port and app.env";
  EXPECT_EQ(Occurrences(app_log, "greet jane"),
            2 + Scenario().at("load").at("iterations").as_int64());
}

TEST_F(RunOverrides, AFailingSetupIsExit3NamingTheCommandAndItsStderr) {
  ::setenv("LEAKCHECK_E2E_DIR", tmp_.File("").c_str(), 1);
  std::string yaml = Write(
      "    - [node, -e, \"console.log('migrating'); process.stderr.write('migration failed: "
      "table users exists\\\\n'); process.exit(4)\"]\n");
  CommandResult r = RunCommand({LEAKCHECK_BIN, "run", yaml, "--out", out(), "--color", "never"});
  ::unsetenv("LEAKCHECK_E2E_DIR");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("setup: `node -e"));
  EXPECT_THAT(r.out, HasSubstr("(app.setup 1 of 1) exited with code 4; stderr (last lines):"));
  EXPECT_THAT(r.out, HasSubstr("migration failed: table users exists"));
  EXPECT_THAT(ReadWholeFile(out() + "/greet/setup.log"), HasSubstr("migrating"));
  EXPECT_FALSE(fs::exists(out() + "/greet/stdout.log")) << "the app never started";
}

TEST_F(RunOverrides, UnknownEnvironmentOrVariableIsExit2BeforeAnythingStarts) {
  CommandResult r = Run({"-e", "stagin"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("has no such environment (did you mean `staging`?)"));
  r = Run({"--var", "usr=x"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("no variable `usr`"));
  r = Run({"--var", "novalue"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  r = Run({"--duration", "soon"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_FALSE(fs::exists(tmp_.File("seed.json"))) << "no setup ran";
  CommandResult v = RunCommand({LEAKCHECK_BIN, "validate", Write(Seed())});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

}  // namespace
}  // namespace leakcheck::testing
