#include "harness/process/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"

namespace leakcheck::process {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SplitCommandLine, SplitsOnWhitespace) {
  EXPECT_THAT(SplitCommandLine("  node   server.js\t--port 3 "),
              ElementsAre("node", "server.js", "--port", "3"));
}

TEST(SplitCommandLine, KeepsQuotedTextTogether) {
  EXPECT_THAT(SplitCommandLine(R"(node 'my app.js' "a \"b\" $HOME" x'y'z)"),
              ElementsAre("node", "my app.js", "a \"b\" $HOME", "xyz"));
}

TEST(SplitCommandLine, BackslashEscapesOutsideQuotes) {
  EXPECT_THAT(SplitCommandLine(R"(node my\ app.js \'q)"), ElementsAre("node", "my app.js", "'q"));
}

TEST(SplitCommandLine, SingleQuotesKeepBackslashes) {
  EXPECT_THAT(SplitCommandLine(R"(node 'a\b')"), ElementsAre("node", R"(a\b)"));
}

TEST(SplitCommandLine, EmptyQuotedWordIsAWord) {
  EXPECT_THAT(SplitCommandLine(R"(node "" x)"), ElementsAre("node", "", "x"));
}

TEST(SplitCommandLine, RejectsUnterminatedQuotesAndEmptyCommands) {
  EXPECT_THROW(SplitCommandLine("node 'oops"), Error);
  EXPECT_THROW(SplitCommandLine("node \"oops"), Error);
  EXPECT_THROW(SplitCommandLine("node oops\\"), Error);
  EXPECT_THROW(SplitCommandLine("   "), Error);
}

TEST(ValidateNodeArgs, AcceptsOrdinaryAndLoopbackFlags) {
  EXPECT_NO_THROW(ValidateNodeArgs({"--max-old-space-size=256", "--inspect=127.0.0.1:9229",
                                    "--inspect=9229", "--inspect-port=localhost:0",
                                    "--inspect=[::1]:9229", "--inspect", "--trace-gc"}));
}

TEST(ValidateNodeArgs, RefusesNonLoopbackInspector) {
  for (const char* arg :
       {"--inspect=0.0.0.0:9229", "--inspect=0.0.0.0", "--inspect-port=10.0.0.1:1",
        "--debug-port=example.com:9229", "--inspect_port=0.0.0.0:1", "--inspect=[::]:9229"}) {
    try {
      ValidateNodeArgs({arg});
      ADD_FAILURE() << arg << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), kExitUsage) << arg;
      EXPECT_EQ(e.stage(), "process: node_args");
      EXPECT_THAT(e.detail(), HasSubstr("not loopback")) << arg;
    }
  }
}

TEST(ValidateNodeArgs, RefusesSpaceSeparatedPortValue) {
  EXPECT_THROW(ValidateNodeArgs({"--inspect-port", "0.0.0.0:9229"}), Error);
  EXPECT_NO_THROW(ValidateNodeArgs({"--inspect-port", "9229"}));
}

TEST(ValidateNodeArgs, RefusesPausingFlags) {
  for (const char* arg : {"--inspect-brk", "--inspect-brk=127.0.0.1:0", "--inspect-wait",
                          "--inspect_brk", "--debug-brk"}) {
    try {
      ValidateNodeArgs({arg});
      ADD_FAILURE() << arg << " was accepted";
    } catch (const Error& e) {
      EXPECT_THAT(e.detail(), HasSubstr("pauses")) << arg;
    }
  }
}

TEST(IsLoopbackHost, RecognisesLoopback) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.evil.com"));
  EXPECT_FALSE(IsLoopbackHost("::"));
}

TEST(BuildNodeArgv, PutsInspectorAndUserFlagsRightAfterNode) {
  EXPECT_THAT(
      BuildNodeArgv({"node", "app.js", "--x"}, {"--trace-gc"}),
      ElementsAre("node", "--inspect=127.0.0.1:0", "--expose-gc", "--trace-gc", "app.js", "--x"));
}

}  // namespace
}  // namespace leakcheck::process
