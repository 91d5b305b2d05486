// Issue 13: a TypeScript app's leak is named at its .ts line. tests/fixtures/typescript/ runs as
// tsc compiled it (dist/*.js + .js.map, `node --enable-source-maps`) and as tsx runs it (`node
// --import tsx src/server.ts`: esbuild's one-line output with an inline map). Either way the
// listener that leaks, at src/bus.ts:7 (the arrow function), is printed as src/bus.ts:7 (column
// 28 by tsc's map, 29 by esbuild's): never dist/bus.js:9 nor tsx's src/bus.ts:2:<offset>.
// docs/attribution.md.
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "tests/support/node_versions.h"
#include "tests/support/param_name.h"
#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

const std::string kFixture = std::string(LEAKCHECK_SOURCE_DIR) + "/tests/fixtures/typescript";

// How the fixture runs (its YAML's stem) and on which Node (0: the node on PATH).
struct TsRun {
  std::string yaml;
  int node = 0;
};

class TypeScript : public ::testing::TestWithParam<TsRun> {};

TEST_P(TypeScript, LeakIsNamedAtTheTypeScriptLine) {
  const TsRun& p = GetParam();
  ASSERT_TRUE(std::filesystem::is_directory(kFixture + "/node_modules"))
      << "run tools/install-deps.sh (npm ci and tsc in tests/fixtures/typescript)";
  ASSERT_TRUE(std::filesystem::exists(kFixture + "/dist/bus.js.map"))
      << "run tools/install-deps.sh (tsc -p tests/fixtures/typescript)";
  SpawnOptions options;
  if (p.node != 0) {
    if (!NodeInstalled(p.node))
      GTEST_SKIP() << "node " << p.node << " is not installed (tools/install-node-versions.sh)";
    options.env.emplace_back("PATH", PathWithNode(p.node));
  }
  TempDir out;
  auto r = RunCommand({LEAKCHECK_BIN, "run", kFixture + "/" + p.yaml + ".yaml", "--out", out.path(),
                       "--json", "--no-sampling"},
                      options);
  ASSERT_EQ(r.exit_code, 1) << r.err << "\n" << r.out.substr(0, 4000);
  auto result = boost::json::parse(r.out).as_object();
  std::string listeners, closures;
  for (const auto& s : result.at("scenarios").as_array())
    for (const auto& check : s.at("checks").as_array()) {
      const std::string text = boost::json::serialize(check);
      if (check.at("detector").as_string() == "listeners") listeners = text;
      if (check.at("detector").as_string() == "closures") closures = text;
    }
  ASSERT_FALSE(listeners.empty());
  EXPECT_THAT(listeners, ::testing::HasSubstr("config-changed"));
  EXPECT_THAT(listeners, ::testing::HasSubstr("src/bus.ts:7:")) << "the listener's .ts line";
  EXPECT_THAT(closures, ::testing::HasSubstr("src/bus.ts:7:")) << "the closure's .ts line";
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("dist/bus.js:")));
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("src/bus.ts:2:")))
      << "tsx's generated position";
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("not in its source map")));
}

INSTANTIATE_TEST_SUITE_P(Compiled, TypeScript,
                         ::testing::Values(TsRun{"tsc", 0}, TsRun{"tsx", 0}, TsRun{"tsc", 22},
                                           TsRun{"tsx", 22}, TsRun{"tsc", 26}, TsRun{"tsx", 26}),
                         [](const auto& param_info) {
                           return ReadableName(param_info.param.yaml) +
                                  (param_info.param.node
                                       ? "Node" + std::to_string(param_info.param.node)
                                       : std::string());
                         });

}  // namespace
}  // namespace leakcheck::testing
