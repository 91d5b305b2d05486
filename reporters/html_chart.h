#pragma once

#include <string>
#include <vector>

/// A small line chart as inline SVG, for report.html: no script, no font or file to load, so the
/// report opens offline and renders the same everywhere (docs/reporters.md says why we draw our
/// own rather than inline a chart library). Only numbers and fixed words reach the SVG; the
/// caller's labels are HTML-escaped here.
namespace leakcheck::reporters {

/// One line of the chart. `x` and `y` have the same size (at least 2 points to be drawn).
struct SvgSeries {
  std::string name;          ///< legend text ("post-GC heap")
  std::string css_class;     ///< class of the <polyline>: colour and dash come from the CSS
  std::vector<double> x, y;  ///< data coordinates (iterations, bytes)
  bool markers = false;      ///< a circle at every point (the checkpoints)
};

/// What to draw: the series, vertical marks (snapshot points) and the axes' titles.
struct SvgChartSpec {
  std::vector<SvgSeries> series;
  std::vector<double> marks;  ///< x of a dashed vertical mark each (heap snapshots)
  std::string mark_name = "heap snapshot";
  std::string x_title = "iterations";
  bool y_bytes = true;  ///< y tick labels as bytes (KiB, MiB) rather than plain numbers
  int width = 760, height = 300;
};

/// "Nice" tick values covering [lo, hi]: about `target` steps of 1, 2 or 5 × 10^k, the first at
/// or below lo and the last at or above hi. Returns {lo} when lo == hi.
std::vector<double> NiceTicks(double lo, double hi, int target = 5);

/// The chart as one `<svg class="chart" role="img" data-series="N" data-points="M">` element
/// (M = points of the first series): grid and tick labels, one polyline per series
/// (`class="series <css_class>"`), checkpoint circles (`class="point"`), snapshot marks
/// (`class="mark"`), and a legend. "" when no series has two points.
std::string SvgLineChart(const SvgChartSpec& spec);

}  // namespace leakcheck::reporters
