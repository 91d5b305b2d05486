// The detectors that read the app's process rather than its heap: open file descriptors and
// sockets (/proc/<pid>/fd), resident memory, and the V8 heap limit (out of memory).
#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "harness/analysis/growth_shape.h"
#include "harness/common/format.h"
#include "harness/run/detectors.h"

namespace leakcheck::run {
namespace {

using Counts = std::vector<std::pair<std::string, int64_t>>;

// The least RSS growth, summed over the intervals of the app's own, that can fail `rss` (1 MiB):
// below it, glibc's heap steps (128 KiB top pad, whole mmap'd blocks) are the figure.
constexpr double kRssStepFloor = 1024.0 * 1024.0;

int64_t CountOf(const Counts& counts, std::string_view key) {
  for (const auto& [k, n] : counts)
    if (k == key) return n;
  return 0;
}

int64_t Total(const Counts& counts, std::string_view except) {
  int64_t total = 0;
  for (const auto& [k, n] : counts)
    if (k != except) total += n;
  return total;
}

// A check in the registry entry's report unit, failed only when the series grows persistently
// (analysis/growth_shape.h: a one-time step or noise passes).
CheckResult ShapeCheck(const DetectorInput& in, std::string detector, double limit,
                       const std::vector<double>& y, analysis::GrowthShape& shape) {
  std::vector<double> x;
  for (const auto& s : in.samples) x.push_back(static_cast<double>(s.iteration));
  shape = analysis::ClassifyGrowth(x, y, limit);
  CheckResult c;
  const config::DetectorSpec* spec = config::FindDetector(detector);
  c.unit = spec ? std::string(spec->report_unit) : "";
  c.detector = std::move(detector);
  c.measured = shape.slope;
  c.limit = limit;
  c.status = shape.kind == analysis::GrowthShape::Kind::kPersistent ? CheckStatus::kFailed
                                                                    : CheckStatus::kPassed;
  return c;
}

CheckResult ShapeCheck(const DetectorInput& in, std::string detector, double limit,
                       double (*value)(const CheckpointSample&), analysis::GrowthShape& shape) {
  std::vector<double> y;
  for (const auto& s : in.samples) y.push_back(value(s));
  return ShapeCheck(in, std::move(detector), limit, y, shape);
}

std::string ShapeNote(const analysis::GrowthShape& shape, double limit) {
  if (shape.kind == analysis::GrowthShape::Kind::kStep)
    return fmt::format("; a one-time step ending at iteration {}, then flat: not a leak",
                       FormatCount(shape.step_at));
  if (shape.kind == analysis::GrowthShape::Kind::kNoise && shape.slope > limit)
    return "; the line does not explain the series (R² < 0.50): noise, not growth";
  return "";
}

bool HasDescriptors(const DetectorInput& in) {
  if (in.samples.size() < 2) return false;
  return std::all_of(in.samples.begin(), in.samples.end(),
                     [](const CheckpointSample& s) { return !s.fds.empty(); });
}

// Evidence rows for the keys of `counts` that grew from the first sample to the last (and were
// still at least that high at the one before: one busy moment is not a leak), largest first.
void AddGrownKeys(const DetectorInput& in, const Counts CheckpointSample::*counts,
                  std::string_view skip, Evidence::Kind kind, std::string_view what, CheckResult& c,
                  size_t max_rows) {
  const auto& first = in.samples.front().*counts;
  const auto& last = in.samples.back().*counts;
  const auto& before = in.samples[in.samples.size() >= 3 ? in.samples.size() - 2 : 1].*counts;
  const double iterations = static_cast<double>(
      std::max<int64_t>(1, in.samples.back().iteration - in.samples.front().iteration));
  std::vector<Evidence> rows;
  for (const auto& [key, n] : last) {
    if (key == skip) continue;
    const int64_t from = CountOf(first, key);
    const int64_t grown = std::min(n, std::max(CountOf(before, key), from)) - from;
    if (n - from <= 0 || grown <= 0) continue;
    Evidence e;
    e.kind = kind;
    e.title = key;
    e.count = n - from;
    e.per_iteration = static_cast<double>(n - from) / iterations;
    e.detail = fmt::format("{} → {} {}", FormatCount(from), FormatCount(n), what);
    rows.push_back(std::move(e));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Evidence& a, const Evidence& b) { return a.count > b.count; });
  if (rows.size() > max_rows) rows.resize(max_rows);
  for (auto& e : rows) c.evidence.push_back(std::move(e));
}

// V8's bookkeeping classes (detectors.cc leaves them out of growth the same way).
bool IsV8Internal(std::string_view name) {
  return name == "(compiled code)" || name == "(system)" || name == "(object shape)" ||
         name == "(synthetic)";
}

}  // namespace

CheckResult CheckFds(const DetectorInput& in, double limit) {
  if (!HasDescriptors(in))
    return Skipped("fds", limit,
                   in.samples.size() < 2 ? "needs at least two checkpoints"
                                         : "the app's /proc/<pid>/fd could not be read");
  analysis::GrowthShape shape;
  CheckResult c = ShapeCheck(
      in, "fds", limit,
      [](const CheckpointSample& s) { return static_cast<double>(Total(s.fds, "socket")); }, shape);
  const int64_t from = Total(in.samples.front().fds, "socket");
  const int64_t to = Total(in.samples.back().fds, "socket");
  c.summary = fmt::format(
      "open file descriptors (sockets apart) {} → {}: {:+.3f}/iteration (limit {}), R² {:.2f} "
      "over {} checkpoints{}",
      FormatCount(from), FormatCount(to), shape.slope, limit, shape.r2, in.samples.size(),
      ShapeNote(shape, limit));
  if (to > from) {
    AddGrownKeys(in, &CheckpointSample::fd_files, "", Evidence::Kind::kHandle, "open", c, 5);
    AddGrownKeys(in, &CheckpointSample::fds, "socket", Evidence::Kind::kNote,
                 "descriptors of this kind", c, 5);
    if (c.status == CheckStatus::kFailed && !c.evidence.empty() &&
        c.evidence.front().kind == Evidence::Kind::kHandle)
      c.summary +=
          fmt::format("; most of it {} ({})", c.evidence.front().title, c.evidence.front().detail);
  }
  return c;
}

CheckResult CheckSockets(const DetectorInput& in, double limit) {
  if (!HasDescriptors(in))
    return Skipped("sockets", limit,
                   in.samples.size() < 2 ? "needs at least two checkpoints"
                                         : "the app's /proc/<pid>/fd could not be read");
  analysis::GrowthShape shape;
  CheckResult c = ShapeCheck(
      in, "sockets", limit,
      [](const CheckpointSample& s) { return static_cast<double>(CountOf(s.fds, "socket")); },
      shape);
  const auto& last = in.samples.back();
  const int64_t from = CountOf(in.samples.front().fds, "socket");
  const int64_t to = CountOf(last.fds, "socket");
  c.summary = fmt::format(
      "open sockets (unref'd included) {} → {}: {:+.3f}/iteration (limit {}), R² {:.2f} over {} "
      "checkpoints{}",
      FormatCount(from), FormatCount(to), shape.slope, limit, shape.r2, in.samples.size(),
      ShapeNote(shape, limit));
  if (to <= from) return c;
  AddGrownKeys(in, &CheckpointSample::sockets, "", Evidence::Kind::kHandle, "sockets", c, 5);
  if (c.status == CheckStatus::kFailed && !c.evidence.empty())
    c.summary +=
        fmt::format("; most of it {} ({})", c.evidence.front().title, c.evidence.front().detail);
  // The JS objects that hold them (an http.Agent per request, its sockets and parsers).
  if (c.status == CheckStatus::kFailed && in.snapshots.size() >= 2) {
    const double iterations = static_cast<double>(
        std::max<int64_t>(1, in.snapshots.back().iteration - in.snapshots.front().iteration));
    for (const auto& d : in.FirstToLastDiff().classes) {
      static constexpr std::string_view kHolders[] = {
          "Agent", "Socket", "TLSSocket", "TCP", "ClientRequest", "Pipe", "Server", "HTTPParser"};
      if (d.CountDelta() <= 0 ||
          std::find(std::begin(kHolders), std::end(kHolders), d.name) == std::end(kHolders))
        continue;
      Evidence e;
      e.kind = Evidence::Kind::kGrowingClass;
      e.title = d.name;
      e.count = d.CountDelta();
      e.bytes = d.SizeDelta();
      e.per_iteration = static_cast<double>(d.CountDelta()) / iterations;
      e.detail = "objects holding sockets";
      c.evidence.push_back(std::move(e));
    }
  }
  // What process.getActiveResourcesInfo() (the handles check) saw of them.
  const int64_t active = CountOf(last.resources, "TCPSocketWrap");
  if (to > active) {
    Evidence e;
    e.kind = Evidence::Kind::kNote;
    e.title = "unref'd sockets";
    e.count = to - active;
    e.detail = fmt::format(
        "{} of the {} open sockets are not among the active resources "
        "(process.getActiveResourcesInfo() lists {} TCPSocketWrap): unref'd, idle in an "
        "agent's free list, or closed in JS without their descriptor",
        FormatCount(to - active), FormatCount(to), FormatCount(active));
    c.evidence.push_back(std::move(e));
  }
  return c;
}

CheckResult CheckRss(const DetectorInput& in, double limit) {
  if (in.samples.size() < 2) return Skipped("rss", limit, "needs at least two checkpoints");
  if (std::any_of(in.samples.begin(), in.samples.end(),
                  [](const CheckpointSample& s) { return s.rss <= 0; }))
    return Skipped("rss", limit, "the app's resident set size was not measured");
  // Taking a heap snapshot costs the app tens of MB of native memory that malloc keeps: the
  // interval after a checkpoint with a snapshot is not the app's growth. Those intervals count
  // as flat; the series is the sum of the others' growth.
  std::vector<double> y{in.samples.front().rss};
  int skipped = 0;
  for (size_t i = 1; i < in.samples.size(); ++i) {
    const bool after_snapshot = in.samples[i - 1].snapshot_taken;
    skipped += after_snapshot;
    y.push_back(y.back() + (after_snapshot ? 0 : in.samples[i].rss - in.samples[i - 1].rss));
  }
  analysis::GrowthShape shape;
  CheckResult c = ShapeCheck(in, "rss", limit, y, shape);
  const auto& a = in.samples.front();
  const auto& b = in.samples.back();
  const double iterations = static_cast<double>(std::max<int64_t>(1, b.iteration - a.iteration));
  c.summary = fmt::format(
      "resident memory (RSS) {} → {}: {}/iteration (limit {}/iteration), R² {:.2f} over {} "
      "checkpoints; of it the JS heap {}/iteration, external {}/iteration{}",
      FormatBytes(a.rss), FormatBytes(b.rss), FormatSignedBytes(shape.slope), FormatBytes(limit),
      shape.r2, in.samples.size(), FormatSignedBytes((b.heap_used - a.heap_used) / iterations),
      FormatSignedBytes((b.external - a.external) / iterations), ShapeNote(shape, limit));
  if (skipped > 0)
    c.summary += fmt::format(
        "; {} interval{} after a heap snapshot counted flat (the snapshot's own native memory)",
        skipped, skipped == 1 ? "" : "s");
  // Growth that persists needs two intervals of the app's own (docs/verdicts.md): with one, a
  // short run's start-up (malloc arenas, code space) cannot be told from a leak.
  const int counted = static_cast<int>(in.samples.size()) - 1 - skipped;
  if (c.status == CheckStatus::kFailed && counted < 2) {
    c.status = CheckStatus::kInconclusive;
    c.inconclusive_reason = fmt::format(
        "RSS measured over {} interval{} without a heap snapshot before it: too few to tell "
        "growth that persists from start-up (add checkpoints)",
        counted, counted == 1 ? "" : "s");
  }
  // RSS moves in the allocator's steps (glibc grows its heap by at least 128 KiB and maps large
  // blocks whole): a short run's few hundred KiB is a step, not a rate (docs/verdicts.md).
  const double own_growth = y.back() - y.front();
  if (c.status == CheckStatus::kFailed && own_growth < kRssStepFloor) {
    c.status = CheckStatus::kInconclusive;
    c.inconclusive_reason = fmt::format(
        "RSS grew {} in the intervals of the app's own, less than the allocator's steps ({}): "
        "too little to measure a rate (run more iterations)",
        FormatSignedBytes(own_growth), FormatBytes(kRssStepFloor));
  }
  return c;
}

CheckResult CheckHeapLimit(const DetectorInput& in, double limit_percent) {
  const auto& err = in.app_stderr;
  size_t fatal = err.find("heap out of memory");
  // The highest post-GC heap as a share of V8's limit.
  double peak = 0;
  const CheckpointSample* at_peak = nullptr;
  for (const auto& s : in.samples)
    if (s.heap_limit > 0 && 100 * s.heap_used / s.heap_limit >= peak) {
      peak = 100 * s.heap_used / s.heap_limit;
      at_peak = &s;
    }
  const bool died = in.app_died_at.has_value();
  if (fatal == std::string::npos && at_peak == nullptr)
    return Skipped("heap_limit", limit_percent, "V8's heap limit was not measured");
  // Out of memory: V8's fatal error, or the app died (a signal, an abort) after its heap came
  // near the limit.
  const bool oom = fatal != std::string::npos || (died && peak > limit_percent);
  CheckResult c;
  c.detector = "heap_limit";
  c.unit = "%";
  c.limit = limit_percent;
  c.measured = oom ? 100 : peak;
  c.status = c.measured > limit_percent ? CheckStatus::kFailed : CheckStatus::kPassed;
  std::string trend;
  for (const auto& s : in.samples)
    trend += fmt::format("{}{} at {}", trend.empty() ? "" : ", ", FormatBytes(s.heap_used),
                         FormatCount(s.iteration));
  // The app died after its last checkpoint: the snapshot V8 wrote near the limit, if any, is
  // the heap's last known size.
  if (died && !in.snapshots.empty() && in.snapshots.back().iteration > 0 &&
      (in.samples.empty() || in.snapshots.back().iteration >= in.samples.back().iteration) &&
      in.snapshots.back().file.find("Heap.") != std::string::npos)
    trend += fmt::format(", {} at {} (the snapshot V8 wrote near the limit)",
                         FormatBytes(static_cast<double>(in.snapshots.back().graph->TotalSize())),
                         FormatCount(in.snapshots.back().iteration));
  const double heap_limit = at_peak ? at_peak->heap_limit : 0;
  if (oom) {
    const int64_t at =
        died ? *in.app_died_at : (in.samples.empty() ? 0 : in.samples.back().iteration);
    c.summary = fmt::format(
        "out of memory at iteration {}: the app died of heap exhaustion{}; post-GC heap {}",
        FormatCount(at),
        heap_limit > 0 ? fmt::format(" (V8 heap limit {})", FormatBytes(heap_limit)) : "",
        trend.empty() ? "not measured" : trend);
    if (fatal != std::string::npos) {
      size_t begin = err.rfind('\n', fatal);
      begin = begin == std::string::npos ? 0 : begin + 1;
      size_t end = err.find('\n', fatal);
      Evidence e;
      e.kind = Evidence::Kind::kNote;
      e.title = "out of memory";
      e.detail = err.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
      c.evidence.push_back(std::move(e));
    }
  } else {
    c.summary = fmt::format(
        "post-GC heap peaked at {:.1f}% of V8's heap limit ({} of {}; limit {}%): {}", peak,
        FormatBytes(at_peak->heap_used), FormatBytes(heap_limit), limit_percent, trend);
  }
  // The culprit: what grew between the first and the last snapshot (the last may be the one V8
  // wrote near the limit).
  if (c.status == CheckStatus::kFailed && in.snapshots.size() >= 2) {
    const double iterations = static_cast<double>(
        std::max<int64_t>(1, in.snapshots.back().iteration - in.snapshots.front().iteration));
    size_t shown = 0;
    for (const auto& d : in.FirstToLastDiff().classes) {
      if (shown == 5) break;
      if (d.SizeDelta() <= 0 || d.CountDelta() <= 0 || IsV8Internal(d.name)) continue;
      Evidence e;
      e.kind = Evidence::Kind::kGrowingClass;
      e.title = d.name;
      e.count = d.CountDelta();
      e.bytes = d.SizeDelta();
      e.per_iteration = static_cast<double>(d.CountDelta()) / iterations;
      const std::string& file = in.snapshots.back().file;
      e.detail = fmt::format("objects, baseline → {}", file.substr(file.rfind('/') + 1));
      c.evidence.push_back(std::move(e));
      ++shown;
    }
  }
  return c;
}

}  // namespace leakcheck::run
