// NodeOffsetDivisor (reader_internal.h) divides edge offsets by the node width with a
// multiplication; it must agree with '/' for every width the reader accepts and every offset
// below its bound.
#include <random>

#include <gtest/gtest.h>

#include "harness/snapshot/reader_internal.h"

namespace leakcheck::snapshot {
namespace {

TEST(NodeOffsetDivisor, AgreesWithDivisionForEveryWidthBelowTheBound) {
  constexpr uint64_t kBound = uint64_t{1} << 36;
  std::mt19937_64 random(20261130);
  for (uint64_t d = 1; d <= 16; ++d) {
    const NodeOffsetDivisor divisor(d);
    auto check = [&](uint64_t x) { ASSERT_EQ(divisor.Quotient(x), x / d) << x << " / " << d; };
    for (uint64_t x = 0; x < 100000; ++x) check(x);
    // Around multiples near the bound, where a rounding error would show first.
    for (uint64_t q = kBound / d - 1000; q < kBound / d; ++q)
      for (uint64_t r = 0; r < d; ++r)
        if (q * d + r < kBound) check(q * d + r);
    for (int i = 0; i < 100000; ++i) check(random() % kBound);
  }
}

}  // namespace
}  // namespace leakcheck::snapshot
