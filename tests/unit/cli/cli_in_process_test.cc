// The CLI called in-process (RunCli through tests/support/run_cli.h): analyze, diff, validate,
// report and the input checks, each in milliseconds and without a child process.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "harness/common/exit_status.h"
#include "tests/support/run_cli.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::testing {
namespace {

using ::testing::HasSubstr;

const std::string kFixtures = LEAKCHECK_FIXTURES_DIR;

// A root, the GC roots and a Map holding `sessions` Session objects (same ids in every call, so
// two of these are snapshots of one process).
TinySnapshot Heap(int sessions) {
  TinySnapshot s;
  uint32_t root = s.Node("synthetic", "", 0);
  uint32_t gc = s.Node("synthetic", "(GC roots)", 0);
  uint32_t map = s.Node("object", "Map", 32);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "property", "sessions", map);
  for (int i = 0; i < sessions; ++i) {
    uint32_t session = s.Node("object", "Session", 100);
    s.Edge(map, "element", std::to_string(i), session);
  }
  return s;
}

std::string WriteSnapshot(const TempDir& dir, const std::string& name, const TinySnapshot& s) {
  std::string path = dir.File(name);
  std::ofstream(path, std::ios::binary) << s.Json();
  return path;
}

TEST(CliInProcess, AnalyzeJsonCountsTheNodesAndClasses) {
  TempDir dir;
  std::string file = WriteSnapshot(dir, "a.heapsnapshot", Heap(4));
  CommandResult r = RunCliInProcess({"analyze", file, "--json", "--all-classes"});
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  auto v = boost::json::parse(r.out).as_object();
  EXPECT_EQ(v.at("node_count").as_int64(), 3 + 4);
  bool found = false;
  for (const auto& c : v.at("classes").as_array()) {
    if (c.at("name").as_string() != "Session") continue;
    found = true;
    EXPECT_EQ(c.at("count").as_int64(), 4);
  }
  EXPECT_TRUE(found) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(CliInProcess, AnalyzeTimingsNameEveryPhaseWithItsPeakRss) {
  TempDir dir;
  // Past kParallelMinBytes, so the edges are read on the second thread where two CPUs are.
  std::string file = WriteSnapshot(dir, "big.heapsnapshot", Heap(80000));
  CommandResult r = RunCliInProcess({"analyze", file, "--json", "--timings"});
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(boost::json::parse(r.out).as_object().at("node_count").as_int64(), 3 + 80000);
  for (const char* phase :
       {"read: header", "read: nodes", "read: edges", "read: strings", "dominators: semidominators",
        "classes", "retainer paths: BFS", "output"})
    EXPECT_THAT(r.err, HasSubstr(std::string("timings: ") + phase)) << r.err;
  // Every phase line ends with the peak RSS so far; the last line is the total.
  std::istringstream lines(r.err);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (line.find(" total ") == std::string::npos) {
      EXPECT_THAT(line, ::testing::MatchesRegex("timings: .* [0-9]+ ms  peak RSS +[0-9]+ MiB"));
    }
    last = line;
  }
  EXPECT_THAT(last, HasSubstr("timings: total"));
}

TEST(CliInProcess, AnalyzeOfABadFileExits2NamingIt) {
  TempDir dir;
  std::string file = dir.File("bad.heapsnapshot");
  std::ofstream(file) << "this is not json";
  CommandResult r = RunCliInProcess({"analyze", file});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr(file));
  EXPECT_THAT(r.err, HasSubstr("not a V8 heap snapshot"));
  EXPECT_EQ(r.err.rfind("leakcheck: ", 0), 0u) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliInProcess, DiffCountsTheNewObjectsById) {
  TempDir dir;
  std::string before = WriteSnapshot(dir, "1.heapsnapshot", Heap(2));
  std::string after = WriteSnapshot(dir, "2.heapsnapshot", Heap(5));
  CommandResult r = RunCliInProcess({"diff", before, after, "--json"});
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  auto v = boost::json::parse(r.out).as_object();
  bool found = false;
  for (const auto& c : v.at("diff").at("classes").as_array()) {
    if (c.at("name").as_string() != "Session") continue;
    found = true;
    EXPECT_EQ(c.at("new").as_int64(), 3);
    EXPECT_EQ(c.at("deleted").as_int64(), 0);
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(CliInProcess, DiffNeedsTwoOrThreeFiles) {
  TempDir dir;
  std::string one = WriteSnapshot(dir, "1.heapsnapshot", Heap(1));
  CommandResult r = RunCliInProcess({"diff", one});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_NE(r.err, "");
}

TEST(CliInProcess, ValidateReportsOkOrTheErrorWithItsLocation) {
  const std::string valid = kFixtures + "/scenarios/valid/format-example.yaml";
  CommandResult ok = RunCliInProcess({"validate", valid});
  EXPECT_EQ(ok.exit_code, kExitOk) << ok.err;
  EXPECT_EQ(ok.out, valid + ": ok\n");

  const std::string bad = kFixtures + "/scenarios/malformed/duplicate_key.yaml";
  CommandResult r = RunCliInProcess({"validate", bad});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_THAT(r.out + r.err, HasSubstr(bad + ":8:5: duplicate key `run` (first set on line 7)"));
}

TEST(CliInProcess, ReportExitsWithTheSavedRunsOwnCode) {
  const std::string results = kFixtures + "/results/";
  EXPECT_EQ(RunCliInProcess({"report", results + "passing.json", "--color", "never"}).exit_code,
            kExitOk);
  CommandResult leaking = RunCliInProcess({"report", results + "leaking.json", "--format", "json"});
  EXPECT_EQ(leaking.exit_code, kExitLeak) << leaking.err;
  auto v = boost::json::parse(leaking.out).as_object();
  EXPECT_EQ(v.at("outcome").as_string(), "failed");
  EXPECT_EQ(RunCliInProcess({"report", results + "crashing.json", "--color", "never"}).exit_code,
            kExitFailure);
}

TEST(CliInProcess, ReportOfAMissingFileExits2) {
  CommandResult r = RunCliInProcess({"report", "/nonexistent/results.json"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/results.json"));
}

// One duration syntax everywhere (harness/common/duration.h): capture's options need a unit too.
TEST(CliInProcess, CaptureRejectsADurationWithoutAUnitBeforeStartingAnything) {
  TempDir dir;
  CommandResult r = RunCliInProcess(
      {"capture", "--out", dir.File("out"), "--interval", "20", "--", "node", "app.js"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--interval: not a duration: `20` (use ms, s or m)"));
}

TEST(CliInProcess, ABadInterruptDeadlineIsAUsageError) {
  ::setenv("LEAKCHECK_INTERRUPT_DEADLINE", "soon", 1);
  CommandResult r =
      RunCliInProcess({"validate", kFixtures + "/scenarios/valid/format-example.yaml"});
  ::unsetenv("LEAKCHECK_INTERRUPT_DEADLINE");
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("LEAKCHECK_INTERRUPT_DEADLINE: `soon` is not a duration"));
  ::setenv("LEAKCHECK_INTERRUPT_DEADLINE", "2s", 1);
  CommandResult fine =
      RunCliInProcess({"validate", kFixtures + "/scenarios/valid/format-example.yaml"});
  ::unsetenv("LEAKCHECK_INTERRUPT_DEADLINE");
  EXPECT_EQ(fine.exit_code, kExitOk) << fine.err;
}

}  // namespace
}  // namespace leakcheck::testing
