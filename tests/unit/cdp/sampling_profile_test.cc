#include <gtest/gtest.h>

#include "harness/cdp/session.h"
#include "harness/common/error.h"

namespace leakcheck::cdp {
namespace {

constexpr const char* kProfile = R"JSON({"profile":{"head":{
  "callFrame":{"functionName":"(root)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1},
  "selfSize":0,"id":1,"children":[
    {"callFrame":{"functionName":"handler","scriptId":"9","url":"file:///app/server.js","lineNumber":11,"columnNumber":4},
     "selfSize":65536,"id":2,"children":[
        {"selfSize":1024,"id":4,"children":[],
         "callFrame":{"columnNumber":2,"lineNumber":3,"url":"file:///app/cache.js","scriptId":"10","functionName":""}}]},
    {"callFrame":{"functionName":"handler","scriptId":"9","url":"file:///app/server.js","lineNumber":11,"columnNumber":4},
     "selfSize":32768,"id":3,"children":[]}]},
  "samples":[{"size":65536,"nodeId":2,"ordinal":1}]}})JSON";

TEST(ParseSamplingProfile, FlattensAndMergesSitesLargestFirst) {
  SamplingProfile p = ParseSamplingProfile(kProfile);
  ASSERT_EQ(p.sites.size(), 2u);
  EXPECT_EQ(p.sites[0].function_name, "handler");
  EXPECT_EQ(p.sites[0].url, "file:///app/server.js");
  EXPECT_EQ(p.sites[0].line, 12);  // 1-based
  EXPECT_EQ(p.sites[0].column, 5);
  EXPECT_EQ(p.sites[0].self_size, 65536 + 32768);
  EXPECT_EQ(p.sites[1].url, "file:///app/cache.js");
  EXPECT_EQ(p.sites[1].function_name, "");
  // Invariant: the sites add up to the total.
  int64_t sum = 0;
  for (const auto& s : p.sites) sum += s.self_size;
  EXPECT_EQ(sum, p.total_bytes);
}

TEST(ParseSamplingProfile, RejectsMalformedJson) {
  EXPECT_THROW(ParseSamplingProfile(R"({"profile":{"head":{"selfSize":"x"}}})"), Error);
  EXPECT_THROW(ParseSamplingProfile("{"), Error);
}

// Found by fuzzing (tests/fuzz/corpus/cdp_message/regress_sampling_selfsize_huge): a selfSize
// beyond int64 was converted with undefined behaviour, and a lineNumber of INT_MAX overflowed.
TEST(ParseSamplingProfile, RejectsSizesOutOfRangeAndIgnoresAbsurdLines) {
  EXPECT_THROW(ParseSamplingProfile(R"({"head":{"selfSize":3.27e23,"children":[]}})"), Error);
  EXPECT_THROW(ParseSamplingProfile(R"({"head":{"selfSize":-1,"children":[]}})"), Error);
  SamplingProfile p = ParseSamplingProfile(
      R"({"head":{"selfSize":9007199254740992,"callFrame":{"lineNumber":2147483647,)"
      R"("columnNumber":9223372036854775807},"children":[)"
      R"({"selfSize":9007199254740992,"children":[]},{"selfSize":9007199254740992}]}})");
  ASSERT_EQ(p.sites.size(), 1u);  // all three at the unknown ("", "", 0, 0) site
  EXPECT_EQ(p.sites[0].line, 0);
  EXPECT_EQ(p.sites[0].column, 0);
  EXPECT_EQ(p.sites[0].self_size, 3 * 9007199254740992);
  EXPECT_EQ(p.total_bytes, p.sites[0].self_size);
}

}  // namespace
}  // namespace leakcheck::cdp
