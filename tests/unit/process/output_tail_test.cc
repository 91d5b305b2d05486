#include "harness/process/output_tail.h"

#include <gtest/gtest.h>

namespace leakcheck::process {
namespace {

TEST(OutputTail, ReturnsLastLinesAcrossChunks) {
  OutputTail tail;
  tail.Append("one\ntw");
  tail.Append("o\nthree\n");
  EXPECT_EQ(tail.LastLines(2), "two\nthree");
  EXPECT_EQ(tail.LastLines(10), "one\ntwo\nthree");
  EXPECT_EQ(tail.LastLines(1), "three");
}

TEST(OutputTail, KeepsAPartialLastLine) {
  OutputTail tail;
  tail.Append("a\nb");
  EXPECT_EQ(tail.LastLines(1), "b");
}

TEST(OutputTail, StaysBounded) {
  OutputTail tail(100);
  for (int i = 0; i < 1000; ++i) tail.Append("line " + std::to_string(i) + "\n");
  EXPECT_LE(tail.text().size(), 150u);
  EXPECT_EQ(tail.LastLines(1), "line 999");
}

}  // namespace
}  // namespace leakcheck::process
