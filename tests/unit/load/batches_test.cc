#include "harness/load/batches.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace leakcheck::load {
namespace {

using ::testing::ElementsAre;

TEST(SplitIterations, SpreadsTheRemainderInsteadOfFrontLoadingIt) {
  EXPECT_THAT(SplitIterations(10, 4), ElementsAre(2, 3, 2, 3));
  EXPECT_THAT(SplitIterations(9, 3), ElementsAre(3, 3, 3));
  EXPECT_THAT(SplitIterations(2, 4), ElementsAre(0, 1, 0, 1));
  EXPECT_THAT(SplitIterations(7, 1), ElementsAre(7));
  EXPECT_THAT(SplitIterations(0, 3), ElementsAre(0, 0, 0));
}

TEST(SplitIterations, SizesAddUpAndDifferByAtMostOne) {
  for (int64_t total : {int64_t{0}, int64_t{1}, int64_t{17}, int64_t{1000}, int64_t{99991},
                        std::numeric_limits<int64_t>::max()}) {
    for (int batches : {1, 2, 3, 7, 64, 1000}) {
      auto sizes = SplitIterations(total, batches);
      ASSERT_EQ(sizes.size(), static_cast<size_t>(batches));
      // Summed as unsigned so INT64_MAX itself cannot overflow the check.
      uint64_t sum = 0;
      for (int64_t s : sizes) sum += static_cast<uint64_t>(s);
      EXPECT_EQ(sum, static_cast<uint64_t>(total)) << total << " / " << batches;
      auto [lo, hi] = std::minmax_element(sizes.begin(), sizes.end());
      EXPECT_LE(*hi - *lo, 1) << total << " / " << batches;
      EXPECT_GE(*lo, 0);
    }
  }
}

TEST(SplitIterations, RejectsNoBatchesAndNegativeTotals) {
  EXPECT_THROW(SplitIterations(10, 0), std::invalid_argument);
  EXPECT_THROW(SplitIterations(-1, 2), std::invalid_argument);
}

}  // namespace
}  // namespace leakcheck::load
