// BigBlockReuse: big blocks freed inside the scope are handed out again, cut to size, and all
// given back when a request no kept block can serve comes, or when the scope ends.
#include "harness/snapshot/big_vector.h"

#include <gtest/gtest.h>

namespace leakcheck::snapshot {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

TEST(BigBlockReuse, AFreedBlockIsHandedOutAgainOnlyInsideTheScope) {
  const void* first = nullptr;
  {
    const BigBlockReuse reuse;
    {
      BigVector<uint32_t> a(8 * kMiB / 4, 7);
      first = a.data();
    }
    BigVector<uint32_t> b(8 * kMiB / 4);  // the same size: the same block, not a new mapping
    EXPECT_EQ(b.data(), first);
  }
  // Outside any scope the block was unmapped at its end: nothing is kept.
  EXPECT_EQ(TakeFreedBigBlock(4 * kMiB), nullptr);
  BigVector<uint32_t> c(8 * kMiB / 4);
  const void* c_data = c.data();
  c = BigVector<uint32_t>();
  EXPECT_EQ(TakeFreedBigBlock(8 * kMiB), nullptr) << c_data << " was kept with no scope alive";
}

TEST(BigBlockReuse, ABiggerBlockIsCutAndItsRestKept) {
  const BigBlockReuse reuse;
  char* start = nullptr;
  {
    BigVector<char> big(12 * kMiB);
    start = big.data();
  }
  void* head = TakeFreedBigBlock(8 * kMiB);
  EXPECT_EQ(head, start);
  void* rest = TakeFreedBigBlock(4 * kMiB);
  EXPECT_EQ(rest, start + 8 * kMiB);
  EXPECT_TRUE(KeepFreedBigBlock(head, 8 * kMiB));
  EXPECT_TRUE(KeepFreedBigBlock(rest, 4 * kMiB));
}

TEST(BigBlockReuse, ARequestNoKeptBlockServesGivesThemAllBack) {
  const BigBlockReuse reuse;
  { BigVector<char> small(6 * kMiB); }
  EXPECT_EQ(TakeFreedBigBlock(64 * kMiB), nullptr);
  // The 6 MiB block went back with that miss: it is not handed out any more.
  EXPECT_EQ(TakeFreedBigBlock(4 * kMiB), nullptr);
}

TEST(BigBlockReuse, ScopesNestAndTheOuterOneKeepsThePool) {
  const BigBlockReuse outer;
  const void* first = nullptr;
  {
    const BigBlockReuse inner;
    BigVector<char> v(5 * kMiB);
    first = v.data();
  }  // inner ends with the block freed into the pool the outer scope still holds
  BigVector<char> again(5 * kMiB);
  EXPECT_EQ(again.data(), first);
}

}  // namespace
}  // namespace leakcheck::snapshot
