#include "reporters/html_chart.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/common/format.h"
#include "reporters/escape.h"

namespace leakcheck::reporters {

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  double raw = (hi - lo) / std::max(1, target);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  double first = std::floor(lo / step) * step;
  // Bounded: (hi - lo) / step <= target + 1, so at most target + 3 ticks.
  for (int i = 0; i <= target + 2; ++i) {
    double t = first + i * step;
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    if (t >= hi - step * 1e-9) break;
  }
  return ticks;
}

namespace {

constexpr double kLeft = 72, kRight = 16, kTop = 34, kBottom = 40;

std::string Number(double v) { return fmt::format("{:.1f}", v); }

std::string TickLabel(double v, bool bytes) {
  if (bytes) return FormatBytes(v);
  if (std::fabs(v) >= 1e4) return FormatCount(static_cast<int64_t>(std::llround(v)));
  return fmt::format("{:g}", v);
}

}  // namespace

std::string SvgLineChart(const SvgChartSpec& spec) {
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  size_t drawn = 0;
  for (const auto& s : spec.series) {
    if (s.x.size() < 2 || s.x.size() != s.y.size()) continue;
    ++drawn;
    for (size_t i = 0; i < s.x.size(); ++i) {
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i]);
      y_hi = std::max(y_hi, s.y[i]);
    }
  }
  if (drawn == 0 || !std::isfinite(x_lo) || !std::isfinite(y_lo)) return "";
  if (x_hi == x_lo) x_hi = x_lo + 1;
  if (y_hi == y_lo) y_hi = y_lo + 1;
  std::vector<double> x_ticks = NiceTicks(x_lo, x_hi, 6);
  // Byte ticks are round in the unit they are shown in (KiB, MiB, GiB), not in decimal bytes.
  double unit = 1;
  while (spec.y_bytes && y_hi / unit >= 1024 && unit < 1024.0 * 1024 * 1024) unit *= 1024;
  std::vector<double> y_ticks =
      NiceTicks(std::max(0.0, y_lo - (y_hi - y_lo) * 0.05) / unit, y_hi / unit, 5);
  for (double& t : y_ticks) t *= unit;
  x_lo = std::min(x_lo, x_ticks.front());
  x_hi = std::max(x_hi, x_ticks.back());
  y_lo = std::min(y_lo, y_ticks.front());
  y_hi = std::max(y_hi, y_ticks.back());

  const double w = spec.width, h = spec.height;
  const double plot_w = w - kLeft - kRight, plot_h = h - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x_lo) / (x_hi - x_lo) * plot_w; };
  auto py = [&](double y) { return kTop + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h; };

  size_t points = 0;
  for (const auto& s : spec.series)
    if (s.x.size() >= 2 && s.x.size() == s.y.size()) {
      points = s.x.size();
      break;
    }
  std::string out = fmt::format(
      "<svg class=\"chart\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} "
      "{}\" "
      "width=\"{}\" height=\"{}\" data-series=\"{}\" data-points=\"{}\">\n",
      spec.width, spec.height, spec.width, spec.height, drawn, points);
  // Grid and ticks.
  for (double t : y_ticks)
    out += fmt::format(
        "<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>"
        "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
        Number(kLeft), Number(w - kRight), Number(py(t)), Number(py(t)), Number(kLeft - 6),
        Number(py(t) + 4), HtmlText(TickLabel(t, spec.y_bytes)));
  for (double t : x_ticks)
    out += fmt::format(
        "<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>"
        "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
        Number(px(t)), Number(px(t)), Number(kTop), Number(kTop + plot_h), Number(px(t)),
        Number(kTop + plot_h + 16), HtmlText(TickLabel(t, false)));
  out +=
      fmt::format("<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                  Number(kLeft + plot_w / 2), Number(h - 6), HtmlText(spec.x_title));
  // Snapshot marks.
  for (double m : spec.marks)
    out += fmt::format(
        "<line class=\"mark\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"><title>{3} at {4}</title>"
        "</line>\n",
        Number(px(m)), Number(kTop), Number(kTop + plot_h), HtmlText(spec.mark_name),
        HtmlText(TickLabel(m, false)));
  // Series, then points on top.
  for (const auto& s : spec.series) {
    if (s.x.size() < 2 || s.x.size() != s.y.size()) continue;
    std::string pts;
    for (size_t i = 0; i < s.x.size(); ++i)
      pts += fmt::format("{}{},{}", i == 0 ? "" : " ", Number(px(s.x[i])), Number(py(s.y[i])));
    out += fmt::format("<polyline class=\"series {}\" fill=\"none\" points=\"{}\"/>\n",
                       HtmlText(s.css_class), pts);
    if (s.markers)
      for (size_t i = 0; i < s.x.size(); ++i)
        out += fmt::format(
            "<circle class=\"point {}\" cx=\"{}\" cy=\"{}\" r=\"3.5\"><title>{}: {} at iteration "
            "{}</title></circle>\n",
            HtmlText(s.css_class), Number(px(s.x[i])), Number(py(s.y[i])), HtmlText(s.name),
            HtmlText(TickLabel(s.y[i], spec.y_bytes)), HtmlText(TickLabel(s.x[i], false)));
  }
  // Legend across the top.
  double lx = kLeft;
  auto legend = [&](const std::string& cls, const std::string& name, bool mark) {
    out += fmt::format(
        "<line class=\"{} {}\" x1=\"{}\" x2=\"{}\" y1=\"14\" y2=\"14\"/>"
        "<text class=\"legend\" x=\"{}\" y=\"18\">{}</text>\n",
        mark ? "mark" : "series", HtmlText(cls), Number(lx), Number(lx + 18), Number(lx + 22),
        HtmlText(name));
    lx += 34 + 6.5 * static_cast<double>(DisplayColumns(name));
  };
  for (const auto& s : spec.series)
    if (s.x.size() >= 2 && s.x.size() == s.y.size()) legend(s.css_class, s.name, false);
  if (!spec.marks.empty()) legend("", spec.mark_name, true);
  return out + "</svg>\n";
}

}  // namespace leakcheck::reporters
