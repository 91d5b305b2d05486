#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reporters/github.h"
#include "reporters/markdown_summary.h"
#include "tests/support/golden.h"
#include "tests/support/run_command.h"
#include "tests/support/sample_results.h"

namespace leakcheck::reporters {
namespace {

using leakcheck::testing::CrashingRun;
using leakcheck::testing::LeakingRun;
using leakcheck::testing::PassingRun;
using leakcheck::testing::ReadWholeFile;
using leakcheck::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(Github, EscapesDataAndPropertiesPerWorkflowCommandRules) {
  EXPECT_EQ(EscapeData("50% of\r\nit: a,b"), "50%25 of%0D%0Ait: a,b");
  EXPECT_EQ(EscapeProperty("50% of\r\nit: a,b"), "50%25 of%0D%0Ait%3A a%2Cb");
}

TEST(Github, AnnotationsPointAtTheThresholdLine) {
  std::string a = Annotations(LeakingRun());
  EXPECT_THAT(
      a, StartsWith("::error file=scenarios/api.yaml,line=20,col=7,title=leakcheck%3A "
                    "create-and-read-user%3A "
                    "heap_per_iteration::1.20 KiB/iteration > limit 64 B/iteration%0Aheap grows"));
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 2) << "one line per failed check";
  EXPECT_EQ(Annotations(PassingRun()), "");
  EXPECT_THAT(Annotations(LeakingRun(), 10, "services/api"),
              HasSubstr("file=services/api/scenarios/api.yaml,"));
}

// A leaking run whose first failed check names `file`:`line` as its culprit's code line.
run::RunResult WithCodeLine(const std::string& file, int line, std::string title = "Map cache") {
  run::RunResult r = LeakingRun();
  run::Evidence e;
  e.kind = run::Evidence::Kind::kCollection;
  e.title = std::move(title);
  e.detail = "entries added here";
  e.code = run::SourceLocation{file, line, 5};
  r.scenarios[0].checks[0].evidence.push_back(e);
  return r;
}

TEST(Github, AFailedCheckIsAlsoAnnotatedAtItsCodeLineInTheRepository) {
  TempDir repo;
  std::string a = Annotations(WithCodeLine(repo.File("src/app.js"), 23), 10, "", repo.path());
  EXPECT_THAT(a, HasSubstr("\n::error file=src/app.js,line=23,col=5,title=leakcheck%3A "
                           "create-and-read-user%3A heap_per_iteration (code line)::1.20 "
                           "KiB/iteration > limit 64 B/iteration%0Acollection: Map cache entries "
                           "added here%0Athreshold: scenarios/api.yaml:20:7\n"));
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 3) << "the YAML line, the code line, the other";
  // Without a repository folder, the working directory, and the prefix as for YAML paths.
  EXPECT_THAT(Annotations(WithCodeLine(std::filesystem::current_path() / "lib/x.js", 4), 10,
                          "services/api"),
              HasSubstr("::error file=services/api/lib/x.js,line=4,col=5,"));
}

TEST(Github, NoCodeAnnotationOutsideTheRepositoryOrInNodeInternals) {
  TempDir repo;
  for (const std::string& file : {std::string("/elsewhere/app.js"), repo.File("../outside.js"),
                                  std::string("node:events"), std::string("node:internal/timers"),
                                  std::string("https://cdn.example/x.js"), std::string("")}) {
    std::string a = Annotations(WithCodeLine(file, 23), 10, "", repo.path());
    EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 2) << file;
    EXPECT_THAT(a, Not(HasSubstr("(code line)"))) << file;
  }
}

TEST(Github, NodeModulesOnlyWhenNothingElseHasALine) {
  TempDir repo;
  run::RunResult r = WithCodeLine(repo.File("node_modules/lru/index.js"), 7);
  EXPECT_THAT(CodeLineInRepository(r.scenarios[0].checks[0], repo.path()),
              ::testing::Optional(
                  ::testing::Field(&run::SourceLocation::file, "node_modules/lru/index.js")));
  run::Evidence mine;
  mine.code = run::SourceLocation{repo.File("server.js"), 12, 3};
  r.scenarios[0].checks[0].evidence.push_back(mine);
  auto at = CodeLineInRepository(r.scenarios[0].checks[0], repo.path());
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->file, "server.js");
  EXPECT_EQ(at->line, 12);
}

TEST(Github, AForgedFileOrClassNameCannotAddAWorkflowCommand) {
  TempDir repo;
  std::string a = Annotations(WithCodeLine(repo.File("evil%0A::error file=x::pwned\n::error::y.js"),
                                           3, "Map a::b\n::error::forged %0A::warning::z"),
                              10, "", repo.path());
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 3) << a;
  size_t lines = 0;
  for (size_t at = 0; at < a.size(); at = a.find('\n', at) + 1) {
    EXPECT_THAT(a.substr(at), StartsWith("::error file=")) << a;
    ++lines;
  }
  EXPECT_EQ(lines, 3u);
  EXPECT_THAT(a, HasSubstr("file=evil%250A%3A%3Aerror file=x%3A%3Apwned%0A%3A%3Aerror%3A%3Ay.js,"))
      << a;
  EXPECT_THAT(a, HasSubstr("Map a::b%0A::error::forged %250A::warning::z"));
}

TEST(Github, AnnotationsGolden) {
  EXPECT_GOLDEN("annotations-leaking.txt", Annotations(LeakingRun()));
  EXPECT_GOLDEN("annotations-crashing.txt", Annotations(CrashingRun()));
}

TEST(Github, AtMostTenAnnotationsThenOneWarning) {
  run::RunResult r = LeakingRun();
  for (int i = 0; i < 12; ++i) r.scenarios.push_back(r.scenarios[1]);
  std::string a = Annotations(r);
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 11);
  EXPECT_THAT(a, HasSubstr("::warning title=leakcheck::4 more failures not annotated"));
}

TEST(Github, GroupsEscapeTheirName) {
  EXPECT_EQ(GroupStart("a\nb"), "::group::a%0Ab\n");
  EXPECT_EQ(GroupEnd(), "::endgroup::\n");
}

TEST(Github, OutputsGoldenAndHeredocDelimiterAvoidsTheValue) {
  EXPECT_GOLDEN("outputs-leaking.txt",
                GithubOutputs(LeakingRun(), "out/results.json", "out/junit.xml"));
  EXPECT_GOLDEN("outputs-passing.txt", GithubOutputs(PassingRun(), "out/results.json", ""));
  EXPECT_EQ(MultilineOutput("x", "a\nLEAKCHECK_EOF\n"),
            "x<<LEAKCHECK_EOF_1\na\nLEAKCHECK_EOF\nLEAKCHECK_EOF_1\n");
}

TEST(Github, WriteAppendsSummaryAndOutputsWhenEnabled) {
  TempDir dir;
  std::ofstream(dir.File("summary.md")) << "earlier step\n";
  GithubTarget target{true, dir.File("summary.md"), dir.File("output"), ""};
  FILE* commands = std::fopen(dir.File("stdout").c_str(), "w");
  WriteGithubReports(LeakingRun(), target, commands, "r.json", "j.xml");
  std::fclose(commands);
  EXPECT_THAT(ReadWholeFile(dir.File("summary.md")),
              StartsWith("earlier step\n## ❌ leakcheck: failed"));
  EXPECT_THAT(ReadWholeFile(dir.File("output")), StartsWith("result=failed\nfailed-checks=2\n"));
  EXPECT_THAT(ReadWholeFile(dir.File("stdout")), StartsWith("::error file="));

  GithubTarget off;
  WriteGithubReports(LeakingRun(), off, stdout, "", "");  // disabled: writes nothing anywhere
}

TEST(Markdown, Golden) {
  EXPECT_GOLDEN("summary-leaking.md", MarkdownSummary(LeakingRun()));
  EXPECT_GOLDEN("summary-crashing.md", MarkdownSummary(CrashingRun()));
  EXPECT_GOLDEN("summary-passing.md", MarkdownSummary(PassingRun()));
}

TEST(Markdown, StaysUnderTheLimitAndSaysWhatWasLeftOut) {
  run::RunResult r = LeakingRun();
  auto& ev = r.scenarios[0].checks[0].evidence;
  for (int i = 0; i < 20000; ++i)
    ev.push_back({run::Evidence::Kind::kRetainerPath, "", std::string(60, 'p'), 0, 0, 0});
  std::string full = MarkdownSummary(r, 100 * 1000 * 1000);
  ASSERT_GT(full.size(), kMaxSummaryBytes);
  std::string md = MarkdownSummary(r);
  EXPECT_LE(md.size(), kMaxSummaryBytes);
  EXPECT_THAT(md, HasSubstr("**Summary truncated**"));
  EXPECT_THAT(md, HasSubstr("1 evidence block left out"));
  EXPECT_THAT(
      md,
      HasSubstr(
          "<code>subscribe &lt;events&gt; &amp; &quot;notify&quot;: listeners</code>"));  // the
                                                                                          // later
                                                                                          // one fit
  // Even a tiny limit keeps the verdict and stays within bounds.
  std::string tiny = MarkdownSummary(r, 1000);
  EXPECT_LE(tiny.size(), 1000u);
  EXPECT_THAT(tiny, StartsWith("## ❌ leakcheck: failed"));
}

}  // namespace
}  // namespace leakcheck::reporters
