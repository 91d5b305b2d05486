// The reporters through the real binary: `leakcheck report` on saved results (JUnit checked by
// xmllint against the XSD and read back by a third-party parser), `merge`, `list --json`, the
// console in a real terminal (tmux) and through a pipe, and the GitHub Action YAML validated.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kBin = LEAKCHECK_BIN;
const std::string kSource = LEAKCHECK_SOURCE_DIR;
const std::string kFixtures = LEAKCHECK_FIXTURES_DIR;
const std::string kXsd = kFixtures + "/schemas/junit-10.xsd";
const std::string kConsumers = kSource + "/tests/consumers";

std::string Results(const std::string& name) { return kFixtures + "/results/" + name + ".json"; }

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// The npm consumers are installed by tools/install-deps.sh; locally they may be missing.
bool ConsumersInstalled() { return std::filesystem::exists(kConsumers + "/node_modules"); }
#define REQUIRE_CONSUMERS()                                                                \
  if (!ConsumersInstalled()) {                                                             \
    if (InCi())                                                                            \
      FAIL() << "tests/consumers/node_modules missing: tools/install-deps.sh runs npm ci"; \
    GTEST_SKIP() << "tests/consumers/node_modules missing: run tools/install-deps.sh";     \
  }

struct Expected {
  std::string name;
  int exit_code, tests, failures, errors, skipped;
};
const Expected kRuns[] = {
    {"passing", 0, 5, 0, 0, 1}, {"leaking", 1, 7, 2, 0, 1}, {"crashing", 3, 2, 0, 1, 0}};

TEST(ReportCli, JunitOfPassingLeakingAndCrashingRunsValidatesWithXmllint) {
  TempDir dir;
  for (const auto& e : kRuns) {
    std::string xml_file = dir.File(e.name + ".xml");
    auto r =
        RunCommand({kBin, "report", Results(e.name), "--format", "junit", "--junit", xml_file});
    EXPECT_EQ(r.exit_code, e.exit_code) << e.name << ": the run's own exit code\n" << r.err;
    EXPECT_EQ(ReadWholeFile(xml_file), r.out) << "--junit writes what --format junit prints";
    auto lint = RunCommand({"xmllint", "--noout", "--schema", kXsd, xml_file});
    EXPECT_EQ(lint.exit_code, 0) << e.name << ": " << lint.err;
  }
}

TEST(ReportCli, AThirdPartyJunitParserReadsTheRightCounts) {
  REQUIRE_CONSUMERS();
  TempDir dir;
  for (const auto& e : kRuns) {
    std::string xml_file = dir.File(e.name + ".xml");
    RunCommand({kBin, "report", Results(e.name), "--format", "junit", "--junit", xml_file});
    auto r = RunCommand({"node", kConsumers + "/check-junit.js", xml_file, std::to_string(e.tests),
                         std::to_string(e.failures), std::to_string(e.errors),
                         std::to_string(e.skipped)});
    EXPECT_EQ(r.exit_code, 0) << e.name << ":\n" << r.out << r.err;
  }
}

TEST(ReportCli, ResultsJsonFitsItsPublishedJsonSchema) {
  REQUIRE_CONSUMERS();
  std::vector<std::string> argv = {"node", kConsumers + "/check-results-schema.js",
                                   kSource + "/docs/results.schema.json"};
  for (const auto& e : kRuns) argv.push_back(Results(e.name));
  auto r = RunCommand(argv);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(ReportCli, MergeCombinesShardsWithCountsReadded) {
  TempDir dir;
  std::vector<std::string> merge = {kBin, "merge", "-o", dir.File("merged.xml")};
  for (const auto& e : kRuns) {
    RunCommand({kBin, "report", Results(e.name), "--format", "junit", "--junit",
                dir.File(e.name + ".xml")});
    merge.push_back(dir.File(e.name + ".xml"));
  }
  auto r = RunCommand(merge);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string merged = ReadWholeFile(dir.File("merged.xml"));
  EXPECT_THAT(
      merged,
      HasSubstr(R"(<testsuites name="leakcheck" tests="14" failures="2" errors="1" time=")"));
  EXPECT_EQ(RunCommand({"xmllint", "--noout", "--schema", kXsd, dir.File("merged.xml")}).exit_code,
            0);
  if (ConsumersInstalled()) {
    auto c = RunCommand(
        {"node", kConsumers + "/check-junit.js", dir.File("merged.xml"), "14", "2", "1", "2"});
    EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  }
  auto bad = RunCommand({kBin, "merge", "-o", dir.File("x.xml"), Results("passing")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("merge: "));
}

TEST(ReportCli, ListJsonFeedsAMatrix) {
  auto r = RunCommand({kBin, "list", "--json", kFixtures + "/scenarios/two-scenarios.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = boost::json::parse(r.out).as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].at("scenario").as_string(), "Subscribe & notify");
  EXPECT_EQ(rows[1].at("slug").as_string(), "subscribe-notify");
  EXPECT_EQ(RunCommand({kBin, "list", kFixtures + "/missing.yaml"}).exit_code, 2);
}

TEST(ReportCli, JsonAndMarkdownAndOutputsFormats) {
  auto json = RunCommand({kBin, "report", Results("leaking"), "--format", "json"});
  EXPECT_EQ(json.out, ReadWholeFile(Results("leaking"))) << "read + write is the identity";
  auto md = RunCommand({kBin, "report", Results("leaking"), "--format", "markdown"});
  EXPECT_THAT(md.out, HasSubstr("## ❌ leakcheck: failed"));
  auto bad = RunCommand({kBin, "report", kFixtures + "/schemas/junit-10.xsd"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("results: "));
}

TEST(ReportCli, GithubModeAppendsSummaryAndOutputs) {
  TempDir dir;
  std::string cmd = "GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY='" + dir.File("summary.md") +
                    "' GITHUB_OUTPUT='" + dir.File("output") + "' '" + kBin + "' report '" +
                    Results("leaking") + "' --color=never --github";
  auto r = RunCommand({"sh", "-c", cmd});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("::error file=scenarios/api.yaml,line=20,"));
  EXPECT_THAT(ReadWholeFile(dir.File("summary.md")),
              HasSubstr("| ❌ **fail** | `heap_per_iteration` |"));
  EXPECT_THAT(ReadWholeFile(dir.File("output")), HasSubstr("result=failed\nfailed-checks=2\n"));
  auto without = RunCommand(
      {"sh", "-c", "GITHUB_ACTIONS=true '" + kBin + "' report '" + Results("leaking") + "'"});
  EXPECT_THAT(without.out, Not(HasSubstr("::error")))
      << "report writes GitHub output only with --github";
}

// ---- the console in a real terminal -------------------------------------------------------

// Runs one command in a 200x60 tmux pane on a private server (its own socket, killed after)
// and returns the screen, with escape sequences when `escapes`.
std::string TmuxScreen(const std::string& command, bool escapes) {
  static int count = 0;
  const std::string socket =
      "leakcheck-e2e-" + std::to_string(getpid()) + "-" + std::to_string(++count);
  auto capture = [&](bool with_escapes) {
    std::vector<std::string> argv = {"tmux", "-L", socket, "capture-pane", "-p",
                                     "-t",   "t",  "-S",   "-200"};
    if (with_escapes) argv.push_back("-e");
    return RunCommand(argv).out;
  };
  auto r = RunCommand({"tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "200",
                       "-y", "60", "-s", "t", command + "; echo __DONE__; sleep 30"});
  std::string screen = "tmux failed: " + r.err;
  if (r.exit_code == 0) {
    screen = "timed out";
    for (int i = 0; i < 200; ++i) {  // up to 20 s for the command to finish
      std::string plain = capture(false);
      if (plain.find("__DONE__") != std::string::npos) {
        screen = escapes ? capture(true) : plain;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  RunCommand({"tmux", "-L", socket, "kill-server"});
  return screen;
}

bool HaveTmux() { return RunCommand({"tmux", "-V"}).exit_code == 0; }

TEST(ConsoleInTerminal, ColouredOnATtyPlainWithNoColorOrNeverOrAPipe) {
  if (!HaveTmux()) {
    if (InCi()) FAIL() << "tmux missing: tools/install-deps.sh installs it";
    GTEST_SKIP() << "tmux missing: run tools/install-deps.sh";
  }
  std::string report = "'" + kBin + "' report '" + Results("leaking") + "'";
  std::string tty = TmuxScreen("TERM=xterm-256color " + report, true);
  EXPECT_THAT(tty, HasSubstr("\x1b[")) << "auto colours on a terminal";
  EXPECT_THAT(tty, HasSubstr("FAIL"));

  std::string no_color = TmuxScreen("NO_COLOR=1 " + report, true);
  EXPECT_THAT(no_color, Not(HasSubstr("\x1b["))) << no_color;
  EXPECT_THAT(no_color, HasSubstr("FAILED: 2 of 7 checks failed"));
  EXPECT_THAT(TmuxScreen("TERM=dumb " + report, true), Not(HasSubstr("\x1b[")));
  EXPECT_THAT(TmuxScreen(report + " --color=never", true), Not(HasSubstr("\x1b[")));

  // What a person sees is the golden report, line for line.
  std::string plain = TmuxScreen(report, false);
  std::string golden = ReadWholeFile(kFixtures + "/golden/console-leaking.txt");
  EXPECT_THAT(plain, HasSubstr(golden.substr(0, golden.find("\n\nsubscribe")))) << plain;

  auto piped = RunCommand({kBin, "report", Results("leaking")});
  EXPECT_THAT(piped.out, Not(HasSubstr("\x1b["))) << "auto does not colour a pipe";
  EXPECT_EQ(piped.out, golden);
  EXPECT_THAT(RunCommand({kBin, "report", Results("leaking"), "--color=always"}).out,
              HasSubstr("\x1b[1;31mFAIL"));
}

TEST(ConsoleInTerminal, ProgressIsALiveLineOnATtyAndPlainLinesInAPipe) {
  if (!HaveTmux()) {
    if (InCi()) FAIL() << "tmux missing: tools/install-deps.sh installs it";
    GTEST_SKIP() << "tmux missing: run tools/install-deps.sh";
  }
  std::string replay = "'" + kBin + "' report '" + Results("leaking") + "' -q --replay-progress";
  std::string tty = TmuxScreen(replay, false);
  // On a terminal the live line is redrawn in place and cleared at the end: what stays on the
  // screen is the phases and checkpoints, then the report; no per-10% lines.
  EXPECT_THAT(tty,
              HasSubstr("[create-and-read-user] checkpoint 5/5 at iteration 5,000: heap 8.00 MiB"));
  EXPECT_THAT(tty, Not(HasSubstr("load 20%")));
  EXPECT_THAT(tty, Not(HasSubstr("[####")));
  EXPECT_THAT(tty, HasSubstr("FAILED: 2 of 7 checks failed"));

  auto piped = RunCommand({kBin, "report", Results("leaking"), "-q", "--replay-progress"});
  EXPECT_THAT(
      piped.err,
      HasSubstr("[create-and-read-user] load 20%  1,250/5,000  1234 req/s  heap 8.00 MiB\n"));
  EXPECT_EQ(piped.err.find('\r'), std::string::npos) << "no carriage returns in logs";
}

// ---- the GitHub Action and workflows ------------------------------------------------------

TEST(GithubActionYaml, ActionAndEveryWorkflowValidate) {
  REQUIRE_CONSUMERS();
  std::string validator = kConsumers + "/node_modules/@action-validator/cli/cli.mjs";
  std::vector<std::string> files = {kSource + "/action.yml"};
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/.github/workflows"))
    files.push_back(entry.path().string());
  ASSERT_GE(files.size(), 3u) << "action.yml, ci.yml and leakcheck-example.yml";
  for (const auto& f : files) {
    auto r = RunCommand({"node", validator, f});
    EXPECT_EQ(r.exit_code, 0) << f << ":\n" << r.out << r.err;
  }
  TempDir dir;  // and the validator does reject a broken workflow
  std::ofstream(dir.File("bad.yml"))
      << "name: x\non: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n";
  EXPECT_NE(RunCommand({"node", validator, dir.File("bad.yml")}).exit_code, 0);
}

}  // namespace
}  // namespace leakcheck::testing
