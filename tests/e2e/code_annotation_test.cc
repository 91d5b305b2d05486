// Issue 13: in GitHub mode a failed check is annotated at the code line that leaks, beside its
// YAML threshold line. The line is read from the fixture's own marker comment (`// <- leak`), so
// editing the fixture cannot leave the test asserting a stale number.
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

const std::string kSource = LEAKCHECK_SOURCE_DIR;

// The 1-based line of `file` that carries `marker`; 0 when none does.
int MarkerLine(const std::string& file, const std::string& marker) {
  std::ifstream in(file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(marker) != std::string::npos) return n;
  return 0;
}

// `leakcheck run <yaml> --github` with the repository as GITHUB_WORKSPACE (and no step summary
// or output files): its stdout, the workflow commands.
CommandResult RunInGithubMode(const std::string& yaml, const std::string& out) {
  SpawnOptions options;
  options.env = {{"GITHUB_WORKSPACE", kSource},
                 {"GITHUB_STEP_SUMMARY", ""},
                 {"GITHUB_OUTPUT", ""},
                 {"LEAKCHECK_PATH_PREFIX", ""}};
  return RunCommand({LEAKCHECK_BIN, "run", yaml, "--out", out, "--github", "--no-sampling"},
                    options);
}

TEST(CodeAnnotation, ALeakyClosureIsAnnotatedAtItsLine) {
  const std::string dir = "tests/fixtures/leaks/closure-body";
  const int line = MarkerLine(kSource + "/" + dir + "/leaky.js", "// <- leak");
  ASSERT_GT(line, 0) << "the fixture marks its leaking line";
  TempDir out;
  auto r = RunInGithubMode(kSource + "/" + dir + "/leaky.yaml", out.path());
  ASSERT_EQ(r.exit_code, 1) << r.err << "\n" << r.out.substr(0, 4000);
  // The threshold's YAML line as before, and the code line, relative to the repository.
  EXPECT_THAT(r.out, ::testing::HasSubstr("::error file=" + kSource + "/" + dir + "/leaky.yaml,"));
  EXPECT_THAT(r.out, ::testing::HasSubstr("::error file=" + dir +
                                          "/leaky.js,line=" + std::to_string(line) + ",col="))
      << r.out;
  EXPECT_THAT(r.out, ::testing::HasSubstr("closures (code line)::"));
}

TEST(CodeAnnotation, ATypeScriptLeakIsAnnotatedAtItsTsLine) {
  const std::string dir = "tests/fixtures/typescript";
  if (!std::ifstream(kSource + "/" + dir + "/dist/bus.js.map"))
    GTEST_FAIL() << "run tools/install-deps.sh (npm ci and tsc in " << dir << ")";
  const int line = MarkerLine(kSource + "/" + dir + "/src/bus.ts", "// <- leak");
  ASSERT_GT(line, 0) << "the fixture marks its leaking line";
  TempDir out;
  auto r = RunInGithubMode(kSource + "/" + dir + "/tsc.yaml", out.path());
  ASSERT_EQ(r.exit_code, 1) << r.err << "\n" << r.out.substr(0, 4000);
  EXPECT_THAT(r.out, ::testing::HasSubstr("::error file=" + dir +
                                          "/src/bus.ts,line=" + std::to_string(line) + ",col="))
      << r.out;
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("file=" + dir + "/dist/")));
}

}  // namespace
}  // namespace leakcheck::testing
