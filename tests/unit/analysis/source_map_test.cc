// Source maps (issue 13): the VLQ mappings, data: URLs, and the rewrite of printed locations.
#include "harness/analysis/source_map.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace leakcheck::analysis {
namespace {

// tsc's map of tests/fixtures/typescript/src/bus.ts (dist/bus.js): line 9 of the output is the
// `bus.on("config-changed", (reason) => {` of bus.ts line 7.
constexpr std::string_view kTscMap =
    R"({"version":3,"file":"bus.js","sourceRoot":"","sources":["../src/bus.ts"],"names":[],)"
    R"("mappings":";;;AAKA,8BAIC;AATD,mGAAmG;AACnG,6CAA2C;AAE9B,QAAA,GAAG,GAAiB,IAAI,0BAAY,EAAE,CAAC;)"
    R"(AAEpD,SAAgB,SAAS,CAAC,EAAU,EAAE,IAAkB;IACtD,WAAG,CAAC,EAAE,CAAC,gBAAgB,EAAE,CAAC,MAAc,EAAQ,EAAE;QAChD,IAAI,CAAC,IAAI,CAAC,EAAE,EAAE,EAAE,MAAM,EAAE,EAAE,EAAE,IAAI,CAAC,GAAG,EAAE,EAAE,CAAC,CAAC;IAC5C,CAAC,CAAC,CAAC;AACL,CAAC"})";

TEST(SourceMap, TscMapNamesTheTypeScriptLineOfAListener) {
  auto map = SourceMap::Parse(kTscMap, "/app/dist");
  ASSERT_TRUE(map.has_value());
  // dist/bus.js:9:38 is the arrow function `(reason) => {` (V8's closure position).
  auto pos = map->Find(9, 38);
  ASSERT_TRUE(pos.has_value());
  EXPECT_EQ(pos->source, "/app/src/bus.ts");
  EXPECT_EQ(pos->line, 7);
  // The first segment of a line when the column is unknown (a function's line only).
  auto line_only = map->Find(8, 0);
  ASSERT_TRUE(line_only.has_value());
  EXPECT_EQ(line_only->line, 6);
  // Lines 1-3 ("use strict", exports) map to nothing; past the end is not covered.
  EXPECT_FALSE(map->Find(1, 1).has_value());
  EXPECT_FALSE(map->Find(400, 1).has_value());
}

TEST(SourceMap, VlqFieldsAreRelativeAcrossLinesAndColumnsRestartPerLine) {
  // "AAAA" = 0,0,0,0; "EAAE" = +2 col, +0 src, +0 line, +2 col; ";AACA" = next line, line +1.
  // "gBAAgB" = col +16 (two digits), src +0, line +0, col +16.
  auto map = SourceMap::Parse(
      R"({"version":3,"sources":["a.ts"],"mappings":"AAAA,EAAE;AACA,gBAAgB"})", "/x");
  ASSERT_TRUE(map.has_value());
  EXPECT_EQ(map->Find(1, 1)->column, 1);
  EXPECT_EQ(map->Find(1, 3)->column, 3);
  EXPECT_EQ(map->Find(1, 99)->column, 3);
  EXPECT_EQ(map->Find(2, 1)->line, 2);
  EXPECT_EQ(map->Find(2, 17)->column, 19);  // 2 (carried over) + 16, 1-based
  EXPECT_EQ(map->Find(2, 17)->source, "/x/a.ts");
}

TEST(SourceMap, NegativeDeltasAndSourceRoot) {
  // "AAEA" = line +2; ";AADA" → line -1 (D = -1).
  auto map = SourceMap::Parse(
      R"({"version":3,"sourceRoot":"src","sources":["b.ts"],"mappings":"AAEA;AADA"})", "/p");
  ASSERT_TRUE(map.has_value());
  EXPECT_EQ(map->Find(1, 1)->line, 3);
  EXPECT_EQ(map->Find(2, 1)->line, 2);
  EXPECT_EQ(map->Find(2, 1)->source, "/p/src/b.ts");
}

TEST(SourceMap, RefusesWhatIsNotAVersion3Map) {
  EXPECT_FALSE(SourceMap::Parse("not json", "/").has_value());
  EXPECT_FALSE(SourceMap::Parse(R"({"version":2,"sources":[],"mappings":""})", "/").has_value());
  EXPECT_FALSE(
      SourceMap::Parse(R"({"version":3,"sections":[{"offset":{"line":0,"column":0}}]})", "/")
          .has_value());
  EXPECT_FALSE(SourceMap::Parse(R"({"version":3,"sources":["a"],"mappings":"A!"})", "/"));
  EXPECT_FALSE(SourceMap::Parse(R"({"version":3,"sources":["a"],"mappings":"AEAA"})", "/"))
      << "a source index past `sources`";
  EXPECT_FALSE(SourceMap::Parse(R"({"version":3,"sources":["a"],"mappings":"g"})", "/"))
      << "a VLQ cut in the middle";
}

TEST(SourceMap, DataUrls) {
  EXPECT_EQ(DecodeDataUrl("data:application/json;base64,eyJhIjoxfQ=="), R"({"a":1})");
  EXPECT_EQ(DecodeDataUrl("data:application/json,%7B%22a%22%3A1%7D"), R"({"a":1})");
  EXPECT_FALSE(DecodeDataUrl("bus.js.map").has_value());
}

TEST(SourceMaps, RewriteMapsEveryLocationOfAMappedScriptAndSaysWhenNotCovered) {
  SourceMaps maps;
  maps.Add("/app/dist/bus.js", *SourceMap::Parse(kTscMap, "/app/dist"));
  EXPECT_EQ(maps.Rewrite("listener defined at /app/dist/bus.js:9:38; emitter held at …"),
            "listener defined at /app/src/bus.ts:7:28; emitter held at …");
  EXPECT_EQ(maps.Rewrite("allocated at: subscribe (/app/dist/bus.js:8)"),
            "allocated at: subscribe (/app/src/bus.ts:6:1)");
  EXPECT_EQ(maps.Rewrite("at /app/dist/bus.js:1:1"),
            "at /app/dist/bus.js:1:1 (generated: not in its source map)");
  // Other scripts, and a mapped path inside a longer one, are left alone.
  EXPECT_EQ(maps.Rewrite("/app/dist/server.js:3:1 x/app/dist/bus.js:9:38"),
            "/app/dist/server.js:3:1 x/app/dist/bus.js:9:38");
}

TEST(SourceMaps, LoadReadsAMapFileBesideTheScriptAndAnInlineMap) {
  auto dir = std::filesystem::temp_directory_path() / "leakcheck-source-map-test";
  std::filesystem::create_directories(dir / "dist");
  std::ofstream(dir / "dist" / "bus.js.map") << kTscMap;
  const std::string inline_map =
      "data:application/json;base64,"
      "eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbImEudHMiXSwibWFwcGluZ3MiOiJBQUVBIn0=";  // AAEA, a.ts
  auto maps = SourceMaps::Load({{"file://" + (dir / "dist" / "bus.js").string(), "bus.js.map"},
                                {(dir / "src" / "a.ts").string(), inline_map},
                                {"node:internal/x", "x.map"},
                                {(dir / "dist" / "gone.js").string(), "gone.js.map"}});
  EXPECT_EQ(maps.Rewrite((dir / "dist" / "bus.js").string() + ":9:38"),
            (dir / "src" / "bus.ts").string() + ":7:28");
  EXPECT_EQ(maps.Rewrite((dir / "src" / "a.ts").string() + ":1:5"),
            (dir / "src" / "a.ts").string() + ":3:1");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace leakcheck::analysis
