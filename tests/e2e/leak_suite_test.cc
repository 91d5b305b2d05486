// The leak-pattern suite: `leakcheck run` on every case of tests/fixtures/leaks/expectations.json
// (leaky and fixed variants of the patterns behind most production incidents, and the bundled
// example). A leaky variant must exit 1 with the right detector failing and the culprit named;
// a fixed one must exit 0. No app process may outlive the run. Every case runs on the machine's
// node (`Patterns/…`) and on Node 22, 24 and 26 (`Node22/…`: tools/install-node-versions.sh's
// binary first on PATH; skipped, saying so, when absent), and every location a report prints
// names a file on each of them (no `script 79:26:25`).
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "tests/support/node_versions.h"
#include "tests/support/param_name.h"
#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

const std::string kSource = LEAKCHECK_SOURCE_DIR;

// One entry of expectations.json's `cases`; every field is read and asserted below.
struct LeakCase {
  std::string name;     // pattern + variant, as the test's name: "MapCacheLeaky"
  std::string pattern;  // the folder under tests/fixtures/leaks/ ("example": scenarios/)
  std::string variant;  // "leaky", "fixed" or "allow-class"
  std::string yaml;
  int exit_code = 0;
  std::string failing_detector;
  std::vector<std::string> culprits;
  std::string stderr_contains;  // a line the app prints to stderr (its stderr.log holds it)
  std::string setup;            // a command to run once before (its node_modules must exist)
  // The line that adds the growing collection's entries: its file (relative to the yaml's
  // folder) and a text only that line has; empty when not asserted.
  std::string adds_file, adds_line_with;
};

std::vector<LeakCase> LoadCases() {
  auto doc = boost::json::parse(ReadWholeFile(kSource + "/tests/fixtures/leaks/expectations.json"));
  const auto& root = doc.as_object();
  if (root.at("version").as_int64() != 1) throw std::runtime_error("expectations.json: version");
  std::vector<LeakCase> out;
  for (const auto& v : root.at("cases").as_array()) {
    const auto& o = v.as_object();
    for (const auto& [key, value] : o) {
      static const std::set<std::string> kKnown = {"pattern",
                                                   "variant",
                                                   "yaml",
                                                   "exit_code",
                                                   "failing_detector",
                                                   "culprit_substrings",
                                                   "stderr_contains",
                                                   "setup",
                                                   "adds_entries_at"};
      if (!kKnown.count(std::string(key)))
        throw std::runtime_error("expectations.json: unknown field " + std::string(key));
    }
    LeakCase c;
    c.pattern = std::string(o.at("pattern").as_string());
    c.variant = std::string(o.at("variant").as_string());
    c.name = ReadableName(c.pattern + " " + c.variant);
    c.yaml = std::string(o.at("yaml").as_string());
    c.exit_code = static_cast<int>(o.at("exit_code").as_int64());
    if (o.at("failing_detector").is_string())
      c.failing_detector = std::string(o.at("failing_detector").as_string());
    for (const auto& s : o.at("culprit_substrings").as_array())
      c.culprits.emplace_back(s.as_string());
    if (const auto* text = o.if_contains("stderr_contains"))
      c.stderr_contains = std::string(text->as_string());
    if (const auto* setup = o.if_contains("setup")) c.setup = std::string(setup->as_string());
    if (const auto* adds = o.if_contains("adds_entries_at")) {
      c.adds_file = std::string(adds->at("file").as_string());
      c.adds_line_with = std::string(adds->at("line_with").as_string());
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Every stderr.log under `dir` (the app's stderr, one per scenario folder), concatenated.
std::string AppStderrLogs(const std::string& dir) {
  std::string all;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec))
    if (entry.path().filename() == "stderr.log") all += ReadWholeFile(entry.path());
  return all;
}

// The first "script <digits>:" in `text` (a location whose script is neither named nor said to
// be unnamed), or "".
std::string UnnamedScriptLocation(std::string_view text) {
  for (size_t at = text.find("script "); at != std::string_view::npos;
       at = text.find("script ", at + 1)) {
    size_t end = at + 7;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end > at + 7 && end < text.size() && text[end] == ':')
      return std::string(text.substr(at > 40 ? at - 40 : 0, end - at + 80));
  }
  return "";
}

// One run of the suite: a case and the Node major it runs on (0: the node on PATH).
struct LeakRun {
  LeakCase c;
  int node = 0;
};

std::vector<LeakRun> RunsOn(int node) {
  std::vector<LeakRun> out;
  for (auto& c : LoadCases()) out.push_back({std::move(c), node});
  return out;
}

// Issue 13: the collections evidence names the line that adds the growing collection's
// entries, in its text and its code location; the line is found by its text in the fixture.
void ExpectAddsEntriesAt(const LeakCase& c, const boost::json::object& result) {
  const auto file = std::filesystem::path(kSource + "/" + c.yaml).parent_path() / c.adds_file;
  std::ifstream in(file);
  int line = 0;
  std::string text;
  for (int n = 1; line == 0 && std::getline(in, text); ++n)
    if (text.find(c.adds_line_with) != std::string::npos) line = n;
  ASSERT_GT(line, 0) << file << " has no line with " << c.adds_line_with;
  const std::string where = file.filename().string() + ":" + std::to_string(line) + ":";
  bool named = false;
  for (const auto& s : result.at("scenarios").as_array())
    for (const auto& check : s.at("checks").as_array()) {
      if (check.at("detector").as_string() != "collections") continue;
      for (const auto& e : check.at("evidence").as_array()) {
        const auto& detail = e.at("detail").as_string();
        const auto* code = e.as_object().if_contains("code");
        if (std::string_view(detail).find("entries added at") == std::string_view::npos ||
            std::string_view(detail).find(where) == std::string_view::npos || !code ||
            !code->is_object())
          continue;
        EXPECT_EQ(code->at("line").as_int64(), line);
        EXPECT_THAT(std::string(code->at("file").as_string()),
                    ::testing::EndsWith("/" + file.filename().string()));
        named = true;
      }
    }
  EXPECT_TRUE(named) << "no collections evidence says \"entries added at …" << where << "\"";
}

class LeakSuite : public ::testing::TestWithParam<LeakRun> {};

TEST_P(LeakSuite, VerdictDetectorAndCulprit) {
  const LeakCase& c = GetParam().c;
  const int node = GetParam().node;
  SpawnOptions options;
  if (node != 0) {
    if (!NodeInstalled(node))
      GTEST_SKIP() << "node " << node << " is not installed in " << NodeBinDir(node)
                   << " (run tools/install-node-versions.sh; CI does)";
    options.env.emplace_back("PATH", PathWithNode(node));
  }
  // The case's own description is consistent: its YAML is the pattern's variant.
  if (c.pattern == "example") {
    EXPECT_EQ(c.yaml, c.variant == "leaky" ? "scenarios/leaky-api.yaml" : "scenarios/api.yaml");
  } else {
    EXPECT_EQ(c.yaml, "tests/fixtures/leaks/" + c.pattern + "/" + c.variant + ".yaml");
  }
  EXPECT_EQ(c.failing_detector.empty(), c.variant == "fixed");
  // Besides leaky and fixed, a leaky app run with an `allow:` (lru-ttl/allow-class) still fails.
  EXPECT_TRUE(c.variant == "leaky" || c.variant == "fixed" || c.variant == "allow-class")
      << c.variant;
  EXPECT_EQ(c.exit_code, c.variant == "fixed" ? 0 : 1);
  if (!c.setup.empty()) {
    const auto folder = std::filesystem::path(kSource + "/" + c.yaml).parent_path();
    ASSERT_TRUE(std::filesystem::is_directory(folder / "node_modules"))
        << "run first: " << c.setup << " (tools/install-deps.sh does)";
  }
  TempDir out;
  auto r = RunCommand({LEAKCHECK_BIN, "run", kSource + "/" + c.yaml, "--out", out.path(), "--json",
                       "--no-sampling"},
                      options);
  ASSERT_EQ(r.exit_code, c.exit_code) << r.err << "\n" << r.out.substr(0, 4000);
  auto result = boost::json::parse(r.out).as_object();
  if (node != 0) {
    EXPECT_THAT(std::string(result.at("node_version").as_string()),
                ::testing::StartsWith("v" + std::to_string(node) + "."))
        << "the app ran on the Node of PATH's first folder";
  }
  // Every location printed names its file: no "script 79:26:25" (issue 13), in the JSON report
  // and in report.html.
  EXPECT_EQ(UnnamedScriptLocation(r.out), "") << "a location without its file in the JSON";
  EXPECT_EQ(UnnamedScriptLocation(ReadWholeFile(out.path() + "/report.html")), "")
      << "a location without its file in report.html";
  std::set<std::string> failed;
  for (const auto& s : result.at("scenarios").as_array())
    for (const auto& check : s.at("checks").as_array())
      if (check.at("status").as_string() == "failed")
        failed.emplace(check.at("detector").as_string());
  if (c.failing_detector.empty()) {
    EXPECT_THAT(failed, ::testing::IsEmpty());
  } else {
    EXPECT_THAT(failed, ::testing::Contains(c.failing_detector));
  }
  for (const auto& culprit : c.culprits)
    EXPECT_THAT(r.out, ::testing::HasSubstr(culprit)) << "culprit not named";
  if (!c.adds_file.empty()) ExpectAddsEntriesAt(c, result);
  if (!c.stderr_contains.empty()) {
    EXPECT_THAT(AppStderrLogs(out.path()), ::testing::HasSubstr(c.stderr_contains))
        << "the app's stderr.log";
  }
  // The run folder holds results.json; snapshots are kept only when a check failed.
  std::string listing = RunCommand({"find", out.path(), "-name", "*.heapsnapshot"}).out;
  EXPECT_EQ(listing.empty(), c.exit_code == 0) << listing;
  EXPECT_FALSE(ReadWholeFile(out.path() + "/results.json").empty());
  // No orphan: the app's process group is gone.
  for (const auto& s : result.at("scenarios").as_array()) {
    int pgid = static_cast<int>(s.at("app_pid").as_int64());
    ASSERT_GT(pgid, 0);
    EXPECT_EQ(::kill(-pgid, 0), -1) << "process group " << pgid << " outlived the run";
    EXPECT_EQ(errno, ESRCH);
  }
}

auto CaseName = [](const auto& param_info) { return param_info.param.c.name; };
INSTANTIATE_TEST_SUITE_P(Patterns, LeakSuite, ::testing::ValuesIn(RunsOn(0)), CaseName);
INSTANTIATE_TEST_SUITE_P(Node22, LeakSuite, ::testing::ValuesIn(RunsOn(22)), CaseName);
INSTANTIATE_TEST_SUITE_P(Node24, LeakSuite, ::testing::ValuesIn(RunsOn(24)), CaseName);
INSTANTIATE_TEST_SUITE_P(Node26, LeakSuite, ::testing::ValuesIn(RunsOn(26)), CaseName);

}  // namespace
}  // namespace leakcheck::testing

namespace leakcheck::testing {
namespace {

const std::string kRuns = std::string(LEAKCHECK_FIXTURES_DIR) + "/runs";

TEST(RunFaults, AppCrashMidRunIsAnInfrastructureErrorWithAReport) {
  TempDir out;
  std::string junit = out.File("junit.xml");
  auto r = RunCommand(
      {LEAKCHECK_BIN, "run", kRuns + "/crash-mid-run.yaml", "--out", out.path(), "--junit", junit});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("exited with code 7"));
  auto results = ReadWholeFile(out.File("results.json"));
  EXPECT_THAT(results, ::testing::HasSubstr("\"infrastructure_error\""));
  EXPECT_THAT(ReadWholeFile(junit), ::testing::HasSubstr("<error"));
  auto pid_at = results.find("\"app_pid\":");
  ASSERT_NE(pid_at, std::string::npos);
  int pgid = std::atoi(results.c_str() + pid_at + 10);
  ASSERT_GT(pgid, 0);
  EXPECT_EQ(::kill(-pgid, 0), -1) << "the crashed app's group is gone";
}

TEST(RunFaults, AppThatExitsAtStartShowsItsStderr) {
  TempDir out;
  auto r = RunCommand({LEAKCHECK_BIN, "run", kRuns + "/exit-at-start.yaml", "--out", out.path()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.out, ::testing::HasSubstr("DATABASE_URL is not set"));
}

TEST(RunFaults, InvalidScenarioIsAUsageErrorBeforeAnythingStarts) {
  TempDir out;
  std::string bad = out.File("bad.yaml");
  std::ofstream(bad) << "version: 1\napp: { command: node x.js }\nscenarios:\n  - name: a\n    "
                        "run: { iteration: 10 }\n    flow: [ { get: { url: / } } ]\n";
  auto r = RunCommand({LEAKCHECK_BIN, "run", bad, "--out", out.File("results")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr("bad.yaml:5:"));
  EXPECT_THAT(r.err, ::testing::HasSubstr("iterations"));
}

}  // namespace
}  // namespace leakcheck::testing

namespace leakcheck::testing {
namespace {

TEST(RunReuse, ScenariosShareOneAppWhenReuseIsSet) {
  TempDir out;
  auto r =
      RunCommand({LEAKCHECK_BIN, "run", std::string(LEAKCHECK_FIXTURES_DIR) + "/runs/reuse.yaml",
                  "--out", out.path(), "--json", "--no-sampling"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto scenarios = boost::json::parse(r.out).at("scenarios").as_array();
  ASSERT_EQ(scenarios.size(), 2u);
  const int64_t pid = scenarios[0].at("app_pid").as_int64();
  EXPECT_GT(pid, 0);
  EXPECT_EQ(scenarios[1].at("app_pid").as_int64(), pid)
      << "the second scenario reused the first one's app";
  EXPECT_EQ(::kill(-static_cast<pid_t>(pid), 0), -1)
      << "and it was stopped after the last scenario";
}

}  // namespace
}  // namespace leakcheck::testing
