// cdp/collection_adders: the watch's report as the app writes it, V8's stack frames, and the
// sentence the collections evidence carries.
#include "harness/cdp/collection_adders.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace leakcheck::cdp {
namespace {

using ::testing::HasSubstr;

TEST(CollectionAdders, FramesOfEveryShapeV8Prints) {
  auto named = ParseFrame("record (/app/log.js:10:14)");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->file, "/app/log.js");
  EXPECT_EQ(named->line, 10);
  EXPECT_EQ(named->column, 14);
  auto bare = ParseFrame("/app/server.js:44:3");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->file, "/app/server.js");
  EXPECT_EQ(bare->line, 44);
  auto esm = ParseFrame("async Server.handle (file:///srv/app/x.mjs:3:5)");
  ASSERT_TRUE(esm);
  EXPECT_EQ(esm->file, "/srv/app/x.mjs");
  auto spaces = ParseFrame("new Store (/my app/src/store.js:7:9)");
  ASSERT_TRUE(spaces);
  EXPECT_EQ(spaces->file, "/my app/src/store.js");
  EXPECT_EQ(ParseFrame("node:internal/timers:1:2")->file, "node:internal/timers");
  EXPECT_FALSE(ParseFrame("Array.forEach (<anonymous>)"));
  EXPECT_FALSE(ParseFrame("Map.set (native)"));
  EXPECT_FALSE(ParseFrame("garbage"));
  EXPECT_FALSE(ParseFrame("f (/a.js:x)"));
  EXPECT_FALSE(ParseFrame(""));
}

TEST(CollectionAdders, TheAppsOwnFrameIsNamedBeforeDependenciesAndNode) {
  AdderSite site{"set",
                 {"LRU.set (/app/node_modules/lru/index.js:40:7)", "node:internal/x:1:1",
                  "cache (/app/src/cache.js:12:5)"},
                 3};
  EXPECT_EQ(AppFrame(site)->file, "/app/src/cache.js");
  site.frames.pop_back();
  EXPECT_EQ(AppFrame(site)->file, "/app/node_modules/lru/index.js") << "else the first one";
  site.frames = {"Array.forEach (<anonymous>)"};
  EXPECT_FALSE(AppFrame(site));
}

TEST(CollectionAdders, ReportParsedMostCallsFirst) {
  auto c = ParseAdderReport(42, R"j({"sampled":12,"methods":["push","unshift","splice"],)j"
                                R"j("sites":[["push\nrecord (/a.js:3:9)\nhandle (/a.js:9:1)",2],)j"
                                R"j(["push\nrecord (/a.js:10:14)",10]]})j");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, 42u);
  EXPECT_EQ(c->sampled, 12);
  EXPECT_THAT(c->methods, ::testing::ElementsAre("push", "unshift", "splice"));
  ASSERT_EQ(c->sites.size(), 2u);
  EXPECT_EQ(c->sites[0].calls, 10);
  EXPECT_EQ(c->sites[0].method, "push");
  EXPECT_THAT(c->sites[0].frames, ::testing::ElementsAre("record (/a.js:10:14)"));
  EXPECT_THAT(c->sites[1].frames,
              ::testing::ElementsAre("record (/a.js:3:9)", "handle (/a.js:9:1)"));
  // Not the watch's shape: refused, never half-read.
  for (const char* bad : {"", "[]", "{}", R"({"sampled":"x","methods":[],"sites":[]})",
                          R"({"sampled":1,"methods":[],"sites":[["a"]]})",
                          R"({"sampled":1,"methods":[],"sites":[[1,2]]})"})
    EXPECT_FALSE(ParseAdderReport(1, bad)) << bad;
}

TEST(CollectionAdders, DescribedAtTheLineWithMostCalls) {
  CollectionAdders w;
  w.id = 1;
  w.methods = {"push"};
  w.sampled = 1000;
  w.sites = {{"push", {"record (/app/log.js:10:14)", "a (/app/s.js:1:1)"}, 700},
             {"push", {"record (/app/log.js:10:14)", "b (/app/s.js:2:1)"}, 100},
             {"unshift", {"front (/app/log.js:30:3)"}, 200}};
  auto d = DescribeAdders(w);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->text,
            "entries added at /app/log.js:10:14 (push, 800 of 1000 sampled calls; 1 other line)");
  ASSERT_TRUE(d->at);
  EXPECT_EQ(d->at->line, 10);

  w.sites.clear();
  d = DescribeAdders(w);
  ASSERT_TRUE(d);
  EXPECT_THAT(d->text, HasSubstr("no push call added to it while watched"));
  EXPECT_THAT(d->text, HasSubstr("obj[key] = v"));
  EXPECT_FALSE(d->at);

  w.problem = "the object is gone";
  EXPECT_FALSE(DescribeAdders(w)) << "a failed watch says nothing";
  w.problem.clear();
  w.methods.clear();
  EXPECT_FALSE(DescribeAdders(w)) << "nothing could be wrapped (a frozen object)";
}

TEST(CollectionAdders, TheWatchFunctionShadowsOnlyTheInstanceAndRemovesItself) {
  const std::string_view f = WatchFunction();
  EXPECT_THAT(std::string(f), HasSubstr("Object.defineProperty(this, m"));
  EXPECT_THAT(std::string(f), HasSubstr("enumerable: false"));
  EXPECT_THAT(std::string(f), HasSubstr("new WeakRef(this)"));
  EXPECT_THAT(std::string(f), HasSubstr("if (++state.sampled >= max) restore()"));
}

}  // namespace
}  // namespace leakcheck::cdp
