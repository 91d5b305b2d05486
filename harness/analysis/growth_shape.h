#pragma once

#include <cstdint>
#include <vector>

/// The shape of a measured series (post-GC heap at each checkpoint): the verdict model of
/// docs/verdicts.md ("persistent growth, a step, or noise").
namespace leakcheck::analysis {

/// Least-squares line through (x, y) over the first min(|x|, |y|) points: slope, intercept and
/// R² (1 = perfect fit). Fewer than two points, or all x equal: all zero.
struct LinearFit {
  double slope = 0, intercept = 0, r2 = 0;
};
LinearFit FitLine(const std::vector<double>& x, const std::vector<double>& y);

/// What a series of (iteration, bytes) points looks like against a per-iteration limit.
struct GrowthShape {
  enum class Kind {
    kNoise,       ///< no slope above the limit that the line explains (R² < 0.5), or no growth
    kStep,        ///< one interval holds the growth, the rest is flat: a one-time step
    kPersistent,  ///< grows above the limit across the intervals: a leak
  };
  Kind kind = Kind::kNoise;
  double slope = 0;         ///< least-squares slope of the whole series, per iteration
  double r2 = 0;            ///< its fit quality (1 = a straight line)
  int64_t step_at = 0;      ///< kStep: the iteration at the end of the interval holding the step
  double step_size = 0;     ///< kStep: what the first half grew (bytes)
  double rest_slope = 0;    ///< slope of the second half (last ceil(n/2) points)
  int intervals_above = 0;  ///< intervals whose own growth rate exceeds the limit
};

/// Classifies `y` over `x` (same length, x increasing) against `limit` (y units per x unit).
/// Rules (docs/verdicts.md): slope ≤ limit → kNoise. Otherwise, if the second half of the
/// series (its last ceil(n/2) points, at least 2) has a slope ≤ limit, the growth stopped:
/// kStep, at the first-half interval with the largest growth, of the size the first half grew.
/// Else R² ≥ 0.5 → kPersistent, below → kNoise. Fewer than three points: kPersistent whenever
/// slope > limit (nothing to compare with).
GrowthShape ClassifyGrowth(const std::vector<double>& x, const std::vector<double>& y,
                           double limit);

}  // namespace leakcheck::analysis
