#include "harness/analysis/growth_shape.h"

#include <algorithm>

namespace leakcheck::analysis {

namespace {

struct Fit {
  double slope = 0, r2 = 0;
};

Fit Line(const std::vector<double>& x, const std::vector<double>& y, size_t n) {
  Fit fit;
  if (n < 2) return fit;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0) return fit;
  fit.slope = sxy / sxx;
  fit.r2 = syy == 0 ? 1.0 : (sxy * sxy) / (sxx * syy);
  return fit;
}

}  // namespace

GrowthShape ClassifyGrowth(const std::vector<double>& x, const std::vector<double>& y,
                           double limit) {
  GrowthShape shape;
  const size_t n = std::min(x.size(), y.size());
  Fit all = Line(x, y, n);
  shape.slope = all.slope;
  shape.r2 = all.r2;
  if (n < 2 || all.slope <= limit) return shape;
  if (n < 3) {
    shape.kind = GrowthShape::Kind::kPersistent;
    return shape;
  }
  size_t largest = 0;
  for (size_t i = 0; i + 1 < n; ++i) {
    const double dx = x[i + 1] - x[i];
    const double dy = y[i + 1] - y[i];
    if (dx > 0 && dy / dx > limit) ++shape.intervals_above;
    if (dy > y[largest + 1] - y[largest]) largest = i;
  }
  // The series with the largest interval's growth taken out of every later point.
  const double step = y[largest + 1] - y[largest];
  std::vector<double> rest(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(n));
  for (size_t i = largest + 1; i < n; ++i) rest[i] -= step;
  shape.rest_slope = Line(x, rest, n).slope;
  const double total = y[n - 1] - y[0];
  if (shape.intervals_above <= 1 && step > 0 && step >= 0.5 * total && shape.rest_slope <= limit) {
    shape.kind = GrowthShape::Kind::kStep;
    shape.step_at = static_cast<int64_t>(x[largest + 1]);
    shape.step_size = step;
    return shape;
  }
  shape.kind = all.r2 >= 0.5 ? GrowthShape::Kind::kPersistent : GrowthShape::Kind::kNoise;
  return shape;
}

}  // namespace leakcheck::analysis
