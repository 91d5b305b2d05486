#include "harness/cdp/checkpoint.h"

#include <gtest/gtest.h>

namespace leakcheck::cdp {
namespace {

TEST(SnapshotMethod, NamesParseBackToTheirMethod) {
  EXPECT_EQ(ParseSnapshotMethod("app"), SnapshotMethod::kAppWrites);
  EXPECT_EQ(ParseSnapshotMethod("stream"), SnapshotMethod::kStream);
  for (SnapshotMethod m : {SnapshotMethod::kAppWrites, SnapshotMethod::kStream})
    EXPECT_EQ(ParseSnapshotMethod(SnapshotMethodName(m)), m);
  for (std::string_view name : kSnapshotMethodNames) EXPECT_TRUE(ParseSnapshotMethod(name));
  EXPECT_FALSE(ParseSnapshotMethod("App"));
  EXPECT_FALSE(ParseSnapshotMethod(""));
  EXPECT_FALSE(ParseSnapshotMethod("streaming"));
}

TEST(ParseMeasureResult, ReadsMemoryAndCountsResources) {
  Measurement m;
  ParseMeasureResult(R"({"rss":50000000,"heapUsed":3371248,"heapTotal":4956160,"external":1680943,
    "arrayBuffers":10475,"resources":{"TCPServerWrap":1,"Timeout":3}})",
                     m);
  EXPECT_EQ(m.heap_used, 3371248);
  EXPECT_EQ(m.heap_total, 4956160);
  EXPECT_EQ(m.external, 1680943);
  EXPECT_EQ(m.array_buffers, 10475);
  EXPECT_EQ(m.rss, 50000000);
  EXPECT_EQ(m.active_resources.at("Timeout"), 3);
  EXPECT_EQ(m.active_resources.at("TCPServerWrap"), 1);
}

TEST(MeasurementsToJson, WritesOneObjectPerMeasurement) {
  Measurement a;
  a.label = "base\"line";
  a.heap_used = 10;
  a.active_resources["Timeout"] = 2;
  std::string json = MeasurementsToJson({a, Measurement{}});
  EXPECT_NE(json.find(R"("label": "base\"line")"), std::string::npos);
  EXPECT_NE(json.find(R"("active_resources": {"Timeout": 2})"), std::string::npos);
  EXPECT_NE(json.find(R"("snapshot": null)"), std::string::npos);
}

}  // namespace
}  // namespace leakcheck::cdp
