#include "harness/analysis/growth_shape.h"

#include <gtest/gtest.h>

namespace leakcheck::analysis {
namespace {

using Kind = GrowthShape::Kind;

const std::vector<double> kX = {0, 400, 800, 1200, 1600, 2000};

TEST(ClassifyGrowth, ASteadySlopeIsPersistent) {
  std::vector<double> y;
  for (double x : kX) y.push_back(1e6 + 200 * x);
  GrowthShape s = ClassifyGrowth(kX, y, 128);
  EXPECT_EQ(s.kind, Kind::kPersistent);
  EXPECT_DOUBLE_EQ(s.slope, 200);
  EXPECT_EQ(s.intervals_above, 5);
}

TEST(ClassifyGrowth, ASlopeJustAboveTheLimitStaysPersistent) {
  // leaks/shapes: 147 B/iteration against 128 B; taking one interval out must not hide it.
  std::vector<double> y;
  for (double x : kX) y.push_back(4e6 + 147 * x);
  EXPECT_EQ(ClassifyGrowth(kX, y, 128).kind, Kind::kPersistent);
}

TEST(ClassifyGrowth, OneIntervalThenFlatIsAStepWithItsSizeAndPlace) {
  // clean/lazy-init: a 2.1 MB index built in the first measured interval.
  std::vector<double> y = {3.5e6, 5.6e6, 5.61e6, 5.6e6, 5.605e6, 5.6e6};
  GrowthShape s = ClassifyGrowth(kX, y, 128);
  EXPECT_EQ(s.kind, Kind::kStep);
  EXPECT_EQ(s.step_at, 400);
  EXPECT_DOUBLE_EQ(s.step_size, 2.1e6) << "what the first half grew";
  EXPECT_LE(s.rest_slope, 128);
  EXPECT_GT(s.slope, 128) << "the plain line would have called it a leak";
}

TEST(ClassifyGrowth, AStepInTheMiddleIsAStep) {
  std::vector<double> y = {1e6, 1e6, 1e6, 3e6, 3e6, 3e6};
  GrowthShape s = ClassifyGrowth(kX, y, 128);
  EXPECT_EQ(s.kind, Kind::kStep);
  EXPECT_EQ(s.step_at, 1200);
}

TEST(ClassifyGrowth, AStepBlurredByCodeSpaceNoiseIsStillAStep) {
  // clean/lazy-init as measured (heap less code space, which dipped at iteration 400).
  std::vector<double> y = {3585112, 5472792, 5718808, 5822040, 5745560, 5819552};
  GrowthShape s = ClassifyGrowth(kX, y, 128);
  EXPECT_EQ(s.kind, Kind::kStep);
  EXPECT_GT(s.intervals_above, 1) << "more than one interval over the limit, yet flat after";
  EXPECT_EQ(s.step_at, 400);
}

TEST(ClassifyGrowth, AStepFollowedByASlopeIsPersistent) {
  std::vector<double> y = {1e6, 3e6, 3.1e6, 3.2e6, 3.3e6, 3.4e6};  // 250 B/iteration after
  EXPECT_EQ(ClassifyGrowth(kX, y, 128).kind, Kind::kPersistent);
}

TEST(ClassifyGrowth, FlatOrBelowTheLimitIsNoise) {
  std::vector<double> y = {1e6, 1.01e6, 0.99e6, 1.02e6, 1e6, 1.01e6};
  GrowthShape s = ClassifyGrowth(kX, y, 128);
  EXPECT_EQ(s.kind, Kind::kNoise);
  EXPECT_EQ(s.step_size, 0);
}

TEST(ClassifyGrowth, AZigZagAboveTheLimitWithAPoorFitIsNoise) {
  std::vector<double> y = {1e6, 2e6, 1e6, 2e6, 1e6, 2.2e6};  // still rising at the end
  GrowthShape s = ClassifyGrowth(kX, y, 128);
  EXPECT_GT(s.slope, 128);
  EXPECT_LT(s.r2, 0.5);
  EXPECT_EQ(s.kind, Kind::kNoise);
}

TEST(ClassifyGrowth, TwoPointsCannotShowAShape) {
  EXPECT_EQ(ClassifyGrowth({0, 100}, {0, 1e6}, 128).kind, Kind::kPersistent);
  EXPECT_EQ(ClassifyGrowth({0, 100}, {0, 1}, 128).kind, Kind::kNoise);
  EXPECT_EQ(ClassifyGrowth({}, {}, 128).kind, Kind::kNoise);
}

}  // namespace
}  // namespace leakcheck::analysis
