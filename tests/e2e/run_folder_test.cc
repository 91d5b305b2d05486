// The run folder and the checks before the first app starts, on the real binary and real node
// (the same paths through fakes are in tests/unit/run/pipeline_test.cc).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/run_command.h"

namespace leakcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::RunCommand;
using testing::TempDir;

const std::string kFixtures = LEAKCHECK_FIXTURES_DIR;

// A file `name`.yaml in `dir` with one short scenario `scenario` against the healthy fixture app.
std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& scenario,
                      const std::string& command = "node") {
  std::string path = dir.File(name + ".yaml");
  std::ofstream(path) << "version: 1\napp: { command: " << command << " " << kFixtures
                      << "/apps/server.js, ready: { http: /healthz } }\nscenarios:\n  - name: "
                      << scenario
                      << "\n    warmup: { iterations: 10 }\n    run: { iterations: 40 }\n"
                         "    checkpoints: 2\n    snapshots: 2\n"
                         "    flow: [ { get: { url: /healthz } } ]\n"
                         // 40 iterations are too few to measure a slope: these runs are about
                         // folders, so no memory check may fail on noise.
                         "    thresholds: { heap_per_iteration: 1MB, retained_growth: 1GB, "
                         "survivors: 1000, collections: 1000, listeners: 1000, handles: 1000, "
                         "external: 1MB, closures: 1000 }\n";
  return path;
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

TEST(RunFolder, SameScenarioNameInTwoFilesKeepsBothEvidence) {
  TempDir dir;
  const std::string out = dir.File("out");
  auto r = RunCommand({LEAKCHECK_BIN, "run", WriteFile(dir, "first", "api"),
                       WriteFile(dir, "second", "api"), "--out", out, "--keep-snapshots",
                       "--no-sampling", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* folder : {"first-api", "second-api"}) {
    for (const char* file : {"baseline.heapsnapshot", "final.heapsnapshot", "stdout.log"})
      EXPECT_TRUE(fs::exists(fs::path(out) / folder / file)) << folder << "/" << file;
  }
  // results.json names each scenario's own snapshots, and only files that exist.
  std::string results = testing::ReadWholeFile(out + "/results.json");
  EXPECT_THAT(results, HasSubstr("first-api/final.heapsnapshot"));
  EXPECT_THAT(results, HasSubstr("second-api/final.heapsnapshot"));
}

TEST(RunFolder, ExistingOutFolderKeepsItsMode) {
  TempDir dir;
  const std::string out = dir.File("out");
  fs::create_directories(out);
  ::chmod(out.c_str(), 0755);
  auto r = RunCommand(
      {LEAKCHECK_BIN, "run", WriteFile(dir, "s", "api"), "--out", out, "--no-sampling", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Mode(out), 0755u);
  EXPECT_EQ(Mode(out + "/api"), 0700u) << "the scenario folder leakcheck created is private";
  const std::string fresh = dir.File("fresh/out");
  r = RunCommand(
      {LEAKCHECK_BIN, "run", WriteFile(dir, "s", "api"), "--out", fresh, "--no-sampling", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Mode(dir.File("fresh")), 0700u);
  EXPECT_EQ(Mode(fresh), 0700u);
}

TEST(RunFolder, UnknownExecutableInASecondFileExitsTwoBeforeTheFirstAppStarts) {
  TempDir dir;
  const std::string out = dir.File("out");
  auto r = RunCommand({LEAKCHECK_BIN, "run", WriteFile(dir, "first", "one"),
                       WriteFile(dir, "second", "two", "no-such-node-binary"), "--out", out});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("no-such-node-binary"));
  EXPECT_FALSE(fs::exists(out + "/one/stdout.log")) << "the first file's app never started";
}

TEST(RunFolder, JunitIntoAMissingFolderExitsTwoBeforeAnyAppStarts) {
  TempDir dir;
  const std::string out = dir.File("out");
  auto r = RunCommand({LEAKCHECK_BIN, "run", WriteFile(dir, "s", "one"), "--out", out, "--junit",
                       dir.File("missing/junit.xml")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("missing"));
  EXPECT_FALSE(fs::exists(out + "/one/stdout.log"));
}

}  // namespace
}  // namespace leakcheck
