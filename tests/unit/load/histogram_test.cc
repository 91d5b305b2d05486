#include "harness/load/histogram.h"

#include <gtest/gtest.h>

#include "harness/config/json_path.h"
#include "harness/load/json_capture.h"
#include "harness/load/stats.h"

namespace leakcheck::load {
namespace {

TEST(LatencyHistogram, BucketsAreExactBelow128AndWithin2PercentAbove) {
  for (int64_t v = 0; v < 128; ++v)
    EXPECT_EQ(LatencyHistogram::BucketUpperBound(LatencyHistogram::BucketOf(v)), v);
  for (int64_t v = 128; v < (int64_t{1} << 36); v = v * 3 / 2 + 7) {
    int b = LatencyHistogram::BucketOf(v);
    int64_t upper = LatencyHistogram::BucketUpperBound(b);
    EXPECT_GE(upper, v);
    EXPECT_LE(static_cast<double>(upper - v), 0.016 * static_cast<double>(v)) << v;
    EXPECT_GT(upper, b > 0 ? LatencyHistogram::BucketUpperBound(b - 1) : -1);
  }
}

TEST(LatencyHistogram, PercentilesOfAUniformSample) {
  LatencyHistogram h;
  for (int64_t v = 1; v <= 10000; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 10000);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 10000);
  EXPECT_DOUBLE_EQ(h.mean(), 5000.5);
  EXPECT_NEAR(static_cast<double>(h.Percentile(50)), 5000, 5000 * 0.016);
  EXPECT_NEAR(static_cast<double>(h.Percentile(99)), 9900, 9900 * 0.016);
  EXPECT_EQ(h.Percentile(100), 10000);
  EXPECT_EQ(h.Percentile(0), 1);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverything) {
  LatencyHistogram a, b, all;
  for (int64_t v = 0; v < 5000; v += 3) {
    (v % 2 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double p : {1.0, 25.0, 50.0, 90.0, 99.9}) EXPECT_EQ(a.Percentile(p), all.Percentile(p));
  LatencyHistogram empty;
  EXPECT_EQ(empty.Percentile(50), 0);
}

TEST(Stats, MergeAddsEveryCounterAndRoutesByIndex) {
  Stats a, b;
  a.requests = 3;
  a.failed_requests = 1;
  a.errors[static_cast<size_t>(ErrorKind::kTimeout)] = 1;
  auto route = [](const char* name, int64_t requests, int64_t failed) {
    RouteStats r;
    r.route = name;
    r.requests = requests;
    r.failed = failed;
    return r;
  };
  a.routes = {route("GET /", 3, 1)};
  b.requests = 5;
  b.routes = {route("GET /", 4, 0), route("POST /x", 1, 0)};
  a.Merge(b);
  EXPECT_EQ(a.requests, 8);
  EXPECT_EQ(a.errors_of(ErrorKind::kTimeout), 1);
  ASSERT_EQ(a.routes.size(), 2u);
  EXPECT_EQ(a.routes[0].requests, 7);
  EXPECT_EQ(a.routes[1].route, "POST /x");
  EXPECT_DOUBLE_EQ(a.error_rate(), 1.0 / 8.0);
  EXPECT_NE(a.ToJson().find("\"errors\":{\"connect\":0,\"timeout\":1,"), std::string::npos);
}

TEST(Stats, RoutesCountStatusesAndErrorsAndKeepTheFirstBodyOfEachStatus) {
  RouteStats a, b;
  a.route = b.route = "GET /items/{{ id }}";
  a.CountStatus(200);
  a.CountStatus(404);
  a.CountStatus(404);
  a.errors[static_cast<size_t>(ErrorKind::kStatus)] = 2;
  a.KeepSample(404, "first 404");
  a.KeepSample(404, "second 404");  // one per status: the first stays
  b.CountStatus(500);
  b.CountStatus(404);
  b.errors[static_cast<size_t>(ErrorKind::kStatus)] = 2;
  b.errors[static_cast<size_t>(ErrorKind::kTimeout)] = 1;
  b.KeepSample(500, std::string(kRouteSampleKeep + 10, 'x'));
  b.KeepSample(404, "b's 404");
  a.Merge(b);
  EXPECT_EQ(a.statuses, (std::vector<std::pair<int, int64_t>>{{200, 1}, {404, 3}, {500, 1}}));
  EXPECT_EQ(a.errors[static_cast<size_t>(ErrorKind::kStatus)], 4);
  EXPECT_EQ(a.errors[static_cast<size_t>(ErrorKind::kTimeout)], 1);
  ASSERT_EQ(a.samples.size(), 2u);
  EXPECT_EQ(a.samples[0].body, "first 404");
  EXPECT_EQ(a.samples[1].status, 500);
  EXPECT_EQ(a.samples[1].body.size(), kRouteSampleKeep) << "bounded when kept";
  for (int s = 0; s < 20; ++s) a.KeepSample(600 + s, "x");
  EXPECT_EQ(a.samples.size(), kRouteSamples);
  Stats st;
  st.routes = {a};
  EXPECT_NE(st.ToJson().find("\"status\":{\"200\":1,\"404\":3,\"500\":1},\"errors\":{\"timeout\":1,"
                             "\"status\":4}"),
            std::string::npos)
      << st.ToJson();
}

config::JsonPath Path(const char* text) {
  std::string error;
  return *config::JsonPath::Parse(text, &error);
}

TEST(JsonCapturer, FollowsTheJsonPathSubset) {
  JsonCapturer c;
  ASSERT_TRUE(
      c.Parse(R"({"id":"u1","n":42,"items":[{"name":"a"},{"name":"b"}],"odd key":{"x":true}})"));
  EXPECT_EQ(c.Find(Path("$.id")), "u1");
  EXPECT_EQ(c.Find(Path("$.n")), "42");
  EXPECT_EQ(c.Find(Path("$.items[1].name")), "b");
  EXPECT_EQ(c.Find(Path("$['odd key']")), R"({"x":true})");
  EXPECT_EQ(c.Find(Path("$.items[2]")), std::nullopt);
  EXPECT_EQ(c.Find(Path("$.missing")), std::nullopt);
  EXPECT_EQ(c.Find(Path("$.id[0]")), std::nullopt);
  EXPECT_FALSE(c.Parse("not json"));
  EXPECT_EQ(c.Find(Path("$")), std::nullopt);
}

}  // namespace
}  // namespace leakcheck::load
