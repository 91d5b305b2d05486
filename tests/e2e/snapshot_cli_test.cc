// `leakcheck analyze` and `leakcheck diff` on snapshots of real Node processes, and on bad files.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

using ::testing::HasSubstr;

const std::string kBin = LEAKCHECK_BIN;
const std::string kApps = std::string(LEAKCHECK_FIXTURES_DIR) + "/apps";

class SnapshotCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = RunCommand({"node", "--expose-gc", kApps + "/three-snapshots.js", dir_->path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static TempDir* dir_;
};
TempDir* SnapshotCli::dir_ = nullptr;

TEST_F(SnapshotCli, AnalyzeJsonReportsCountsClassesAndPaths) {
  auto r = RunCommand({kBin, "analyze", dir_->File("s3.heapsnapshot"), "--json", "--all-classes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = boost::json::parse(r.out).as_object();
  EXPECT_GT(v.at("node_count").as_int64(), 10000);
  EXPECT_GT(v.at("edge_count").as_int64(), v.at("node_count").as_int64());
  bool found = false;
  for (const auto& c : v.at("classes").as_array()) {
    if (c.at("name").as_string() == "Session") {
      found = true;
      EXPECT_EQ(c.at("count").as_int64(), 1000);
    }
  }
  EXPECT_TRUE(found) << "the Session class is aggregated";
  EXPECT_FALSE(v.at("largest").as_array().empty());
}

TEST_F(SnapshotCli, AnalyzeTextShowsTables) {
  auto r = RunCommand({kBin, "analyze", dir_->File("s1.heapsnapshot")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Top classes by retained size"));
  EXPECT_THAT(r.out, HasSubstr("(GC roots)"));
}

TEST_F(SnapshotCli, DiffOfTwoCountsTheNewSessions) {
  auto r = RunCommand(
      {kBin, "diff", dir_->File("s1.heapsnapshot"), dir_->File("s2.heapsnapshot"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = boost::json::parse(r.out).as_object();
  for (const auto& c : v.at("diff").at("classes").as_array()) {
    if (c.at("name").as_string() == "Session") {
      EXPECT_EQ(c.at("new").as_int64(), 500);
      EXPECT_EQ(c.at("deleted").as_int64(), 0);
      return;
    }
  }
  ADD_FAILURE() << "no Session row in the diff";
}

TEST_F(SnapshotCli, DiffOfThreeFindsTheSurvivorsAndTheirPath) {
  auto r = RunCommand({kBin, "diff", dir_->File("s1.heapsnapshot"), dir_->File("s2.heapsnapshot"),
                       dir_->File("s3.heapsnapshot")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Session"));
  EXPECT_THAT(r.out, HasSubstr("\"leakedSessions\""));
  auto j = RunCommand({kBin, "diff", dir_->File("s1.heapsnapshot"), dir_->File("s2.heapsnapshot"),
                       dir_->File("s3.heapsnapshot"), "--json"});
  auto v = boost::json::parse(j.out).as_object();
  const auto& by_class = v.at("survivors").at("by_class").as_array();
  uint64_t sessions = 0;
  for (const auto& g : by_class)
    if (g.at("key").as_string() == "Session") sessions = g.at("count").to_number<uint64_t>();
  EXPECT_EQ(sessions, 500u) << "the 500 Sessions of the window are alive in s3; the garbage is not";
}

struct BadFile {
  const char* name;
  std::string content;
  const char* message;
};

class BadSnapshot : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadSnapshot, ExitsTwoWithAMessageNamingTheFile) {
  TempDir dir;
  std::string path = dir.File(std::string(GetParam().name) + ".heapsnapshot");
  std::ofstream(path) << GetParam().content;
  for (const char* cmd : {"analyze", "diff"}) {
    std::vector<std::string> argv = {kBin, cmd, path};
    if (std::string(cmd) == "diff") argv.push_back(path);
    auto r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(path));
    EXPECT_THAT(r.err, HasSubstr(GetParam().message));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  }
}

const std::string kHeader =
    R"({"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["property"],"string_or_number","node"]},"node_count":2,"edge_count":1},)";

INSTANTIATE_TEST_SUITE_P(
    Files, BadSnapshot,
    ::testing::Values(
        BadFile{"empty", "", "empty file"},
        BadFile{"not-json", "this is not json", "not a V8 heap snapshot"},
        BadFile{"wrong-schema", R"({"nodes":[1,2,3],"strings":[]})", "not a V8 heap snapshot"},
        BadFile{"truncated", kHeader + R"("nodes":[0,0,1,0,1,1,1,3,)", "truncated"},
        BadFile{
            "edge-out-of-range",
            kHeader + R"("nodes":[0,0,1,0,1,1,1,3,8,0],"edges":[0,2,50],"strings":["","A","x"]})",
            "not a node"},
        BadFile{
            "string-out-of-range",
            kHeader + R"("nodes":[0,0,1,0,1,1,9,3,8,0],"edges":[0,2,5],"strings":["","A","x"]})",
            "names string 9"}),
    [](const auto& param_info) {
      std::string n = param_info.param.name;
      std::replace(n.begin(), n.end(), '-', '_');
      return n;
    });

}  // namespace
}  // namespace leakcheck::testing
