// `leakcheck validate` over the fixture scenario files.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/config_load_support.h"

namespace leakcheck::e2e {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> YamlFiles(const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string FirstLine(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST(ValidateScenarios, EveryMalformedFileGivesOneLocatedErrorAndExitCode2) {
  auto files = YamlFiles(std::string(LEAKCHECK_FIXTURES_DIR) + "/scenarios/malformed");
  ASSERT_GE(files.size(), 20u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    // Each file states its error on line 1: "# expect: LINE:COL message".
    std::string header = FirstLine(file);
    ASSERT_EQ(header.rfind("# expect: ", 0), 0u) << "missing `# expect:` comment";
    std::string expected = header.substr(10);
    std::string location = expected.substr(0, expected.find(' '));
    std::string message = expected.substr(expected.find(' ') + 1);

    CommandResult r = RunLeakcheck({"validate", file.string()});
    EXPECT_EQ(r.exit_code, 2);
    std::vector<std::string> lines = Lines(r.out);
    ASSERT_EQ(lines.size(), 1u) << r.out;
    EXPECT_EQ(lines[0], file.string() + ":" + location + ": " + message);
  }
}

TEST(ValidateScenarios, ValidFilesPass) {
  auto files = YamlFiles(std::string(LEAKCHECK_FIXTURES_DIR) + "/scenarios/valid");
  ASSERT_FALSE(files.empty());
  for (const fs::path& file : files) {
    CommandResult r = RunLeakcheck({"validate", file.string()});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out, file.string() + ": ok\n");
  }
}

TEST(ValidateScenarios, SeveralFilesReportEachAndFailIfAnyFails) {
  std::string fixtures = std::string(LEAKCHECK_FIXTURES_DIR) + "/scenarios/";
  CommandResult r = RunLeakcheck({"validate", "-q", fixtures + "valid/format-example.yaml",
                                  fixtures + "malformed/zero_concurrency.yaml",
                                  fixtures + "malformed/snapshots_four.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Lines(r.out).size(), 2u) << r.out;
}

TEST(ValidateScenarios, MissingFileIsAUsageError) {
  CommandResult r = RunLeakcheck({"validate", "/nonexistent/x.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, ::testing::HasSubstr("/nonexistent/x.yaml: cannot read the file"));
}

}  // namespace
}  // namespace leakcheck::e2e
