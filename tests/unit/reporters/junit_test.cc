#include <cstdlib>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tinyxml2.h>

#include "harness/common/error.h"
#include "reporters/junit_report.h"
#include "tests/support/golden.h"
#include "tests/support/run_command.h"
#include "tests/support/sample_results.h"

namespace leakcheck::reporters {
namespace {

using leakcheck::testing::CrashingRun;
using leakcheck::testing::LeakingRun;
using leakcheck::testing::PassingRun;
using leakcheck::testing::RunCommand;
using leakcheck::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kXsd = std::string(LEAKCHECK_FIXTURES_DIR) + "/schemas/junit-10.xsd";

// xmllint --schema on the document; returns "" when valid, the diagnostics otherwise.
std::string SchemaErrors(const std::string& xml_text) {
  TempDir dir;
  std::ofstream(dir.File("report.xml"), std::ios::binary) << xml_text;
  auto r = RunCommand({"xmllint", "--noout", "--schema", kXsd, dir.File("report.xml")});
  return r.exit_code == 0 ? "" : "exit " + std::to_string(r.exit_code) + ": " + r.err;
}

int Children(const tinyxml2::XMLElement* e, const char* name) {
  int n = 0;
  for (auto* c = e->FirstChildElement(name); c; c = c->NextSiblingElement(name)) ++n;
  return n;
}

// The invariant dashboards rely on: every count equals what the elements say, at both levels.
void ExpectCountsAddUp(const std::string& xml_text) {
  tinyxml2::XMLDocument doc;
  ASSERT_EQ(doc.Parse(xml_text.c_str()), tinyxml2::XML_SUCCESS);
  const auto* root = doc.RootElement();
  int64_t tests = 0, failures = 0, errors = 0;
  for (auto* suite = root->FirstChildElement("testsuite"); suite;
       suite = suite->NextSiblingElement("testsuite")) {
    int t = 0, f = 0, e = 0, s = 0;
    for (auto* tc = suite->FirstChildElement("testcase"); tc;
         tc = tc->NextSiblingElement("testcase")) {
      ++t;
      f += Children(tc, "failure");
      e += Children(tc, "error");
      s += Children(tc, "skipped");
    }
    EXPECT_EQ(suite->IntAttribute("tests"), t) << suite->Attribute("name");
    EXPECT_EQ(suite->IntAttribute("failures"), f);
    EXPECT_EQ(suite->IntAttribute("errors"), e);
    EXPECT_EQ(suite->IntAttribute("skipped"), s);
    tests += t;
    failures += f;
    errors += e;
  }
  EXPECT_EQ(root->Int64Attribute("tests"), tests);
  EXPECT_EQ(root->Int64Attribute("failures"), failures);
  EXPECT_EQ(root->Int64Attribute("errors"), errors);
}

TEST(Junit, PassingLeakingAndCrashingRunsValidateAgainstTheXsd) {
  for (const auto& run : {PassingRun(), LeakingRun(), CrashingRun()}) {
    std::string xml_text = JunitXml(run);
    EXPECT_EQ(SchemaErrors(xml_text), "") << xml_text;
    ExpectCountsAddUp(xml_text);
  }
}

TEST(Junit, AnInterruptedRunWithNoScenarioStillValidates) {
  run::RunResult r = leakcheck::testing::SampleRunHeader();
  r.interrupted = true;
  std::string xml_text = JunitXml(r);
  EXPECT_EQ(SchemaErrors(xml_text), "");
  EXPECT_THAT(
      xml_text,
      HasSubstr(
          R"(<testsuites name="leakcheck" tests="0" failures="0" errors="0" time="0.000"/>)"));
}

TEST(Junit, MatchesGoldenFiles) {
  EXPECT_GOLDEN("junit-passing.xml", JunitXml(PassingRun()));
  EXPECT_GOLDEN("junit-leaking.xml", JunitXml(LeakingRun()));
  EXPECT_GOLDEN("junit-crashing.xml", JunitXml(CrashingRun()));
}

TEST(Junit, FailedCheckNamesThresholdLineAndEvidence) {
  std::string x = JunitXml(LeakingRun());
  EXPECT_THAT(
      x, HasSubstr(
             R"(<testcase name="create-and-read-user: heap_per_iteration" )"
             R"(classname="leakcheck.create-and-read-user" file="scenarios/api.yaml" line="20">)"));
  EXPECT_THAT(
      x,
      HasSubstr(
          R"(<failure message="1.20 KiB/iteration &gt; limit 64 B/iteration" type="heap_per_iteration">)"));
  EXPECT_THAT(x, HasSubstr("retainer path: (GC roots) → (global) → Map \"userCache\" → (table)"));
  EXPECT_THAT(x, HasSubstr("allocated at: apps/api/server.js:42"));
}

TEST(Junit, InfrastructureFailureIsAnErrorInARunTestcase) {
  std::string x = JunitXml(CrashingRun());
  EXPECT_THAT(x, HasSubstr(R"(<testcase name="checkout: run" classname="leakcheck.checkout")"));
  EXPECT_THAT(
      x,
      HasSubstr(R"(<error message="process: ready: app exited with code 1 before it was ready")"));
  EXPECT_THAT(x, HasSubstr("Cannot find module 'expresss'"));
}

TEST(Junit, AllowedChecksPassWithTheReasonAndSkippedChecksAreSkipped) {
  std::string x = JunitXml(PassingRun());
  EXPECT_THAT(x, HasSubstr("allowed (never fails the run): LRUCache: bounded at 5000 entries"));
  EXPECT_THAT(x, HasSubstr(R"(<skipped message="needs 3 snapshots; the scenario takes 2"/>)"));
  EXPECT_THAT(
      x,
      HasSubstr(
          R"(<testsuite name="create-and-read-user" tests="5" failures="0" errors="0" skipped="1" time="42.125")"));
}

TEST(Junit, PropertiesCarryVersionsAndCommit) {
  std::string x = JunitXml(PassingRun());
  EXPECT_THAT(x, HasSubstr(R"(<property name="node.version" value="v20.11.1"/>)"));
  EXPECT_THAT(x, HasSubstr(R"(<property name="leakcheck.version" value="0.1.0"/>)"));
  EXPECT_THAT(
      x, HasSubstr(
             R"(<property name="git.commit" value="3f2c9a1b7e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b"/>)"));
  run::RunResult r = PassingRun();
  r.git_commit.clear();
  EXPECT_THAT(JunitXml(r), Not(HasSubstr("git.commit")));
}

TEST(Junit, ForbiddenCharactersAreStrippedAndInvalidUtf8Replaced) {
  run::RunResult r = LeakingRun();
  r.scenarios[0].checks[0].summary =
      std::string("bad\x01\x02 bytes \xff\xfe and lone surrogate \xED\xA0\x80 end\x7f");
  r.scenarios[0].name = "name\x1b[0m";
  std::string x = JunitXml(r);
  EXPECT_EQ(SchemaErrors(x), "");
  EXPECT_THAT(x, Not(HasSubstr("\x01")));
  EXPECT_THAT(x, Not(HasSubstr("\x1b")));
  EXPECT_THAT(x, HasSubstr("bad bytes \xEF\xBF\xBD\xEF\xBF\xBD and lone surrogate "
                           "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end"));
}

TEST(Junit, MergeReaddsCountsAndValidates) {
  std::string merged =
      MergeJunit({JunitXml(PassingRun()), JunitXml(LeakingRun()), JunitXml(CrashingRun())},
                 {"a.xml", "b.xml", "c.xml"});
  EXPECT_EQ(SchemaErrors(merged), "");
  ExpectCountsAddUp(merged);
  tinyxml2::XMLDocument doc;
  doc.Parse(merged.c_str());
  EXPECT_EQ(doc.RootElement()->IntAttribute("tests"), 5 + 7 + 2);
  EXPECT_EQ(doc.RootElement()->IntAttribute("failures"), 2);
  EXPECT_EQ(doc.RootElement()->IntAttribute("errors"), 1);
  EXPECT_EQ(Children(doc.RootElement(), "testsuite"), 1 + 2 + 2);
  EXPECT_STREQ(doc.RootElement()->Attribute("time"), "171.750");
}

TEST(Junit, MergeAcceptsASingleTestsuiteRootAndRejectsOtherXml) {
  std::string suite =
      R"(<testsuite name="x" tests="2" failures="1" errors="0" time="1.5">)"
      R"(<testcase name="a"/><testcase name="b"><failure message="m"/></testcase></testsuite>)";
  std::string merged = MergeJunit({suite}, {"x.xml"});
  EXPECT_THAT(
      merged,
      HasSubstr(R"(<testsuites name="leakcheck" tests="2" failures="1" errors="0" time="1.500">)"));
  EXPECT_THROW(MergeJunit({"<html/>"}, {"page.html"}), Error);
  try {
    MergeJunit({"<testsuites"}, {"broken.xml"});
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("broken.xml"));
  }
}

}  // namespace
}  // namespace leakcheck::reporters
