#include "harness/analysis/growth_shape.h"

#include <algorithm>

namespace leakcheck::analysis {

LinearFit FitLine(const std::vector<double>& x, const std::vector<double>& y) {
  LinearFit fit;
  const size_t n = std::min(x.size(), y.size());
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
  fit.intercept = my - fit.slope * mx;
  fit.r2 = syy == 0 ? 1.0 : (sxy * sxy) / (sxx * syy);
  return fit;
}

GrowthShape ClassifyGrowth(const std::vector<double>& x, const std::vector<double>& y,
                           double limit) {
  GrowthShape shape;
  const size_t n = std::min(x.size(), y.size());
  const LinearFit all = FitLine(x, y);
  shape.slope = all.slope;
  shape.r2 = all.r2;
  if (n < 2 || all.slope <= limit) return shape;
  if (n < 3) {
    shape.kind = GrowthShape::Kind::kPersistent;
    return shape;
  }
  for (size_t i = 0; i + 1 < n; ++i) {
    const double dx = x[i + 1] - x[i];
    if (dx > 0 && (y[i + 1] - y[i]) / dx > limit) ++shape.intervals_above;
  }
  // Persistent growth keeps rising in the second half: the last ceil(n/2) points (at least 2).
  const size_t tail = std::max<size_t>(2, (n + 1) / 2);
  const size_t from = n - tail;
  std::vector<double> tx(x.begin() + static_cast<std::ptrdiff_t>(from),
                         x.begin() + static_cast<std::ptrdiff_t>(n));
  std::vector<double> ty(y.begin() + static_cast<std::ptrdiff_t>(from),
                         y.begin() + static_cast<std::ptrdiff_t>(n));
  shape.rest_slope = FitLine(tx, ty).slope;
  if (shape.rest_slope <= limit) {
    // Growth confined to the first half: report the interval that holds most of it.
    size_t largest = 0;
    for (size_t i = 0; i < from; ++i)
      if (y[i + 1] - y[i] > y[largest + 1] - y[largest]) largest = i;
    shape.kind = GrowthShape::Kind::kStep;
    shape.step_at = static_cast<int64_t>(x[largest + 1]);
    shape.step_size = std::max(0.0, y[from] - y[0]);
    return shape;
  }
  // Still rising at the end, but a line that does not explain the series is noise.
  shape.kind = all.r2 >= 0.5 ? GrowthShape::Kind::kPersistent : GrowthShape::Kind::kNoise;
  return shape;
}

}  // namespace leakcheck::analysis
