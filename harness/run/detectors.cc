#include "harness/run/detectors.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "harness/analysis/attribution.h"
#include "harness/analysis/diff.h"
#include "harness/analysis/event_targets.h"
#include "harness/analysis/growth_shape.h"
#include "harness/analysis/heap_inspect.h"
#include "harness/analysis/paths.h"
#include "harness/analysis/persistence.h"
#include "harness/common/format.h"
#include "harness/run/warmup.h"

namespace leakcheck::run {

using analysis::RetainerPaths;
using snapshot::HeapGraph;
using snapshot::NodeIndex;
using snapshot::NodeType;

namespace {

constexpr DetectorEntry kRegistry[] = {
#define LEAKCHECK_DETECTOR(enumerator, key, name, unit, whole, limit, text, scale, report_unit, \
                           sites, allow, check)                                                 \
  {&config::SpecOf(config::Detector::enumerator), &check},
#include "harness/config/detectors.def"
#undef LEAKCHECK_DETECTOR
};
static_assert(std::size(kRegistry) == config::kDetectorCount);

}  // namespace

std::span<const DetectorEntry> Registry() { return kRegistry; }

const std::vector<std::string>& DetectorNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& spec : config::kDetectorSpecs) names.emplace_back(spec.report_name);
    return names;
  }();
  return kNames;
}

const analysis::RetainerPaths& DetectorInput::LastPaths() const {
  if (!last_paths_)
    last_paths_ = std::make_shared<analysis::RetainerPaths>(*snapshots.back().graph);
  return *last_paths_;
}

const analysis::SnapshotDiff& DetectorInput::FirstToLastDiff() const {
  if (!diff_)
    diff_ = std::make_shared<analysis::SnapshotDiff>(
        analysis::DiffSnapshots(*snapshots.front().graph, *snapshots.back().graph));
  return *diff_;
}

namespace {

// A slope whose line explains less than this share of the variance is noise, not growth.
constexpr double kMinFitQuality = 0.5;

// heap_per_iteration is near its limit, so undecided, when its slope lies in
// (kNearLimitLow × limit, kNearLimitHigh × limit] (docs/verdicts.md "Extension").
constexpr double kNearLimitLow = 0.75;
constexpr double kNearLimitHigh = 1.5;

}  // namespace

CheckResult NewCheck(std::string detector, double measured, double limit) {
  CheckResult c;
  const config::DetectorSpec* spec = config::FindDetector(detector);
  c.unit = spec ? std::string(spec->report_unit) : "";
  c.detector = std::move(detector);
  c.measured = measured;
  c.limit = limit;
  c.status = measured > limit ? CheckStatus::kFailed : CheckStatus::kPassed;
  return c;
}

CheckResult Skipped(std::string detector, double limit, std::string why) {
  CheckResult c;
  c.detector = std::move(detector);
  c.limit = limit;
  c.status = CheckStatus::kSkipped;
  c.summary = std::move(why);
  const config::DetectorSpec* spec = config::FindDetector(c.detector);
  c.unit = spec ? std::string(spec->report_unit) : "";
  return c;
}

namespace {

std::string PerIteration(double bytes) { return FormatBytes(bytes) + "/iteration"; }

int64_t MeasuredIterations(const DetectorInput& in) {
  if (in.samples.size() < 2) return 0;
  return in.samples.back().iteration - in.samples.front().iteration;
}

// Slope-based check over one series of the samples.
CheckResult SlopeCheck(const DetectorInput& in, std::string detector, double limit,
                       std::string what, double (*value)(const CheckpointSample&)) {
  if (in.samples.size() < 2 || MeasuredIterations(in) <= 0)
    return Skipped(std::move(detector), limit, "needs at least two checkpoints");
  std::vector<double> x, y;
  for (const auto& s : in.samples) {
    x.push_back(static_cast<double>(s.iteration));
    y.push_back(value(s));
  }
  LinearFit fit = FitLine(x, y);
  CheckResult c = NewCheck(std::move(detector), fit.slope, limit);
  if (c.status == CheckStatus::kFailed && fit.r2 < kMinFitQuality && in.samples.size() > 2)
    c.status = CheckStatus::kPassed;  // a noisy, non-monotonic series
  c.summary = fmt::format("{} grows {} (limit {}), R² {:.2f} over {} checkpoints", what,
                          PerIteration(fit.slope), PerIteration(limit), fit.r2, in.samples.size());
  return c;
}

// A failed per-iteration check whose whole growth over the measured iterations stays within the
// post-GC noise that the warm-up calls settled (kWarmupSettleBytes, 64 KiB) cannot tell a rate
// from noise: in a short run one buffer or one lazily built object is a rate above the limit.
// Inconclusive, with what to do (docs/verdicts.md "Too little growth to measure").
void InconclusiveWithinNoise(const DetectorInput& in, CheckResult& c, double per_iteration) {
  if (c.status != CheckStatus::kFailed) return;
  const double growth = per_iteration * static_cast<double>(MeasuredIterations(in));
  if (growth >= kWarmupSettleBytes) return;
  c.status = CheckStatus::kInconclusive;
  c.inconclusive_reason = fmt::format(
      "{} in all over {} iterations, within the post-GC noise ({}, the warm-up's settle "
      "tolerance): too little to measure a rate (run more iterations)",
      FormatSignedBytes(growth), FormatCount(MeasuredIterations(in)),
      FormatBytes(kWarmupSettleBytes));
}

// Types that are the app's own data, as opposed to V8's bookkeeping (code, maps, feedback).
bool IsAppObject(const HeapGraph& g, NodeIndex n) {
  switch (g.Type(n)) {
    case NodeType::kObject:
    case NodeType::kClosure:
    case NodeType::kRegExp:
    case NodeType::kString:
    case NodeType::kConsString:
    case NodeType::kSlicedString:
    case NodeType::kNumber:
    case NodeType::kSymbol:
    case NodeType::kBigInt:
    case NodeType::kNative:
      return true;
    default:
      return false;
  }
}

struct SurvivorWindow {
  const SnapshotPoint* first = nullptr;
  const SnapshotPoint* second = nullptr;
  const SnapshotPoint* alive_in = nullptr;
  int64_t iterations = 0;
};

// Three snapshots: allocated in (s1, s2], alive in s3. Two: allocated after s1, alive in s2.
std::optional<SurvivorWindow> Window(const DetectorInput& in) {
  if (in.snapshots.size() < 2) return std::nullopt;
  SurvivorWindow w{&in.snapshots[0], &in.snapshots[1], &in.snapshots.back(), 0};
  w.iterations = w.second->iteration - w.first->iteration;
  if (w.iterations <= 0) return std::nullopt;
  return w;
}

// V8's own bookkeeping: compiled code, bytecode and feedback ("(compiled code)"), hidden
// system objects and maps. They grow for a long while as V8 keeps optimising under new
// traffic, which is neither the app's data nor a leak.
bool IsV8InternalClass(std::string_view name) {
  return name == "(compiled code)" || name == "(system)" || name == "(object shape)" ||
         name == "(synthetic)";
}

void AddGrowingClasses(const DetectorInput& in, CheckResult& c, size_t max_rows) {
  if (in.snapshots.size() < 2) return;
  const auto& a = in.snapshots.front();
  const auto& b = in.snapshots.back();
  const double iterations = static_cast<double>(std::max<int64_t>(1, b.iteration - a.iteration));
  const auto& diff = in.FirstToLastDiff();
  size_t shown = 0;
  for (const auto& d : diff.classes) {
    if (shown == max_rows) break;
    if (d.SizeDelta() <= 0 || d.CountDelta() <= 0 || IsV8InternalClass(d.name)) continue;
    Evidence e;
    e.kind = Evidence::Kind::kGrowingClass;
    e.title = d.name;
    e.count = d.CountDelta();
    e.bytes = d.SizeDelta();
    e.per_iteration = static_cast<double>(d.CountDelta()) / iterations;
    e.detail = "objects";
    c.evidence.push_back(std::move(e));
    ++shown;
  }
}

// The share of the heap's growth between the first and last snapshot that is the app's (0..1):
// its own classes plus the V8-internal objects its new objects hold (their maps, descriptors,
// the reactions that retain them); only the rest is V8's lazy work. nullopt without two
// snapshots or without growth.
std::optional<double> AppShareOfGrowth(const DetectorInput& in) {
  if (in.snapshots.size() < 2) return std::nullopt;
  const auto& diff = in.FirstToLastDiff();
  double internal = 0, app = 0;
  for (const auto& d : diff.classes)
    (IsV8InternalClass(d.name) ? internal : app) += static_cast<double>(d.SizeDelta());
  internal = std::max(0.0, internal);
  app = std::max(0.0, app);
  if (internal + app <= 0) return std::nullopt;
  if (internal > 0) {
    const HeapGraph& last = *in.snapshots.back().graph;
    const RetainerPaths& paths = in.LastPaths();
    const std::vector<uint64_t> none;
    auto held = analysis::InternalsHeldByApp(
        *in.snapshots.front().graph, last,
        [&](NodeIndex n) {
          return IsAppObject(last, n) &&
                 analysis::ClassifyLazyWork(last, paths, n, none) == analysis::LazyWork::kNone;
        },
        IsV8InternalClass);
    const double held_bytes = std::min(internal, static_cast<double>(held.bytes));
    app += held_bytes;
    internal -= held_bytes;
  }
  return app / (internal + app);
}

// Scales a heap growth figure to the app's share of it; the summary keeps the raw figure beside
// the adjusted one. Returns the share applied (1 when nothing was discounted).
double DiscountV8Internals(const DetectorInput& in, CheckResult& c, double limit) {
  auto share = AppShareOfGrowth(in);
  if (!share || *share >= 1) return 1;
  const double raw = c.measured;
  c.measured = raw * *share;
  c.status = c.measured > limit ? CheckStatus::kFailed : CheckStatus::kPassed;
  auto fmt_value = [&](double v) { return c.unit == "B" ? FormatBytes(v) : PerIteration(v); };
  c.summary += fmt::format(
      "; raw {}, of which {:.0f}% is V8's compiled code and metadata that no growing app object "
      "holds, so the app's share is {}",
      fmt_value(raw), 100 * (1 - *share), fmt_value(c.measured));
  return *share;
}

}  // namespace

CheckResult CheckHeapPerIteration(const DetectorInput& in, double limit) {
  // Compiled code is left out: V8 keeps optimising under new traffic for a long while, and
  // that growth is neither the app's data nor a leak.
  auto heap = [](const CheckpointSample& s) { return s.heap_used - s.code; };
  CheckResult c =
      SlopeCheck(in, "heap_per_iteration", limit, "post-GC heap (less compiled code)", heap);
  if (c.status == CheckStatus::kSkipped) return c;
  double share = 1;
  if (c.measured > 0) share = DiscountV8Internals(in, c, limit);
  // The verdict follows the series' shape (docs/verdicts.md): only persistent growth fails; a
  // one-time step is a note with its size and where it happened; a line R² < 0.5 is noise.
  std::vector<double> x, y;
  for (const auto& s : in.samples) {
    x.push_back(static_cast<double>(s.iteration));
    y.push_back(heap(s) * share);
  }
  const analysis::GrowthShape shape = analysis::ClassifyGrowth(x, y, limit);
  c.status = shape.kind == analysis::GrowthShape::Kind::kPersistent ? CheckStatus::kFailed
                                                                    : CheckStatus::kPassed;
  // Not decided yet (docs/verdicts.md "Extension"): the windows disagree (the heap rises
  // overall but the line explains little of it), or the slope is near the limit.
  if (shape.kind == analysis::GrowthShape::Kind::kNoise && shape.slope > limit) {
    c.undecided = fmt::format(
        "the windows disagree: the heap rises {} overall (limit {}) but a line explains only "
        "R² {:.2f} of it",
        PerIteration(shape.slope), PerIteration(limit), shape.r2);
  } else if (shape.kind != analysis::GrowthShape::Kind::kStep &&
             shape.slope > kNearLimitLow * limit && shape.slope <= kNearLimitHigh * limit) {
    c.undecided = fmt::format("near its limit: {} against {}", PerIteration(shape.slope),
                              PerIteration(limit));
  }
  if (shape.kind == analysis::GrowthShape::Kind::kStep) {
    Evidence e;
    e.kind = Evidence::Kind::kNote;
    e.title = "one-time step";
    e.bytes = static_cast<int64_t>(shape.step_size);
    e.detail = fmt::format(
        "{} of growth, most of it in the interval ending at iteration {}, then {} (second-half "
        "slope): a one-time step (lazy initialisation, a cache filling up), not a per-iteration "
        "leak",
        FormatBytes(shape.step_size), FormatCount(shape.step_at),
        shape.rest_slope <= 0 ? "flat" : PerIteration(shape.rest_slope));
    c.evidence.push_back(std::move(e));
    c.summary += "; " + c.evidence.back().detail;
  } else if (shape.kind == analysis::GrowthShape::Kind::kNoise && c.measured > limit) {
    c.summary += "; the line does not explain the series (R² < 0.50): noise, not growth";
  }
  if (c.status == CheckStatus::kFailed) AddGrowingClasses(in, c, 5);
  InconclusiveWithinNoise(in, c, shape.slope);
  return c;
}

CheckResult CheckExternal(const DetectorInput& in, double limit) {
  // process.memoryUsage().external already includes arrayBuffers: adding them counts Buffers twice.
  CheckResult c =
      SlopeCheck(in, "external", limit, "post-GC external memory (Buffers, ArrayBuffers)",
                 [](const CheckpointSample& s) { return s.external; });
  if (c.status == CheckStatus::kFailed) AddGrowingClasses(in, c, 5);
  InconclusiveWithinNoise(in, c, c.measured);
  return c;
}

CheckResult CheckRetainedGrowth(const DetectorInput& in, double limit) {
  if (in.samples.size() < 2)
    return Skipped("retained_growth", limit, "needs at least two checkpoints");
  double growth = in.samples.back().heap_used - in.samples.front().heap_used;
  CheckResult c = NewCheck("retained_growth", growth, limit);
  c.summary = fmt::format(
      "post-GC heap {} → {} ({}; limit {})", FormatBytes(in.samples.front().heap_used),
      FormatBytes(in.samples.back().heap_used), FormatSignedBytes(growth), FormatBytes(limit));
  if (growth > 0) DiscountV8Internals(in, c, limit);
  if (c.status == CheckStatus::kFailed) AddGrowingClasses(in, c, 5);
  return c;
}

CheckResult CheckHandles(const DetectorInput& in, double limit) {
  if (in.samples.size() < 2) return Skipped("handles", limit, "needs at least two checkpoints");
  auto count_of = [](const CheckpointSample& s, const std::string& type) -> int64_t {
    for (const auto& [t, n] : s.resources)
      if (t == type) return n;
    return 0;
  };
  const auto& base = in.samples.front();
  const auto& last = in.samples.back();
  const auto* penultimate = in.samples.size() >= 3 ? &in.samples[in.samples.size() - 2] : &last;
  struct Growth {
    std::string type;
    int64_t from, to, growth;
  };
  // Connections clients opened to the app (the load driver's keep-alive connections) are not
  // handles the app made: in a cluster worker their share moves with the primary's round-robin
  // as the driver reconnects (0 → 3 in one worker, 3 → 0 in another). Their growth is the
  // sockets check's to judge, so TCPSocketWrap growth is counted without it.
  auto inbound = [](const CheckpointSample& s) {
    int64_t n = 0;
    for (const auto& [group, count] : s.sockets)
      if (group.starts_with("tcp inbound ")) n += count;
    return n;
  };
  const int64_t inbound_growth =
      std::max<int64_t>(0, std::min(inbound(last), inbound(*penultimate)) - inbound(base));
  // process.stdout/stderr over an inherited pipe are made lazily, the first time something
  // writes to them (a cluster worker's, in mid-run): a PipeWrap over a descriptor that was open
  // all along. Up to three (stdin, stdout, stderr) are not growth while the process's pipe
  // descriptors did not grow; a pipe the app opens (a child process's stdio) adds descriptors.
  auto pipes = [](const CheckpointSample& s) -> std::optional<int64_t> {
    for (const auto& [kind, n] : s.fds)
      if (kind == "pipe") return n;
    return std::nullopt;
  };
  const bool stdio_over_open_pipes =
      pipes(base).has_value() && pipes(last).has_value() && *pipes(last) <= *pipes(base);
  std::vector<Growth> growths;
  for (const auto& [type, n] : last.resources) {
    // Growth that persists across the last two checkpoints, so one busy moment is not a leak.
    int64_t growth = std::min(n, count_of(*penultimate, type)) - count_of(base, type);
    if (type == "TCPSocketWrap") growth -= inbound_growth;
    if (type == "PipeWrap" && stdio_over_open_pipes) growth -= std::min<int64_t>(growth, 3);
    if (growth > 0) growths.push_back({type, count_of(base, type), n, growth});
  }
  std::sort(growths.begin(), growths.end(),
            [](const Growth& a, const Growth& b) { return a.growth > b.growth; });
  double measured = growths.empty() ? 0 : static_cast<double>(growths.front().growth);
  CheckResult c = NewCheck("handles", measured, limit);
  c.summary = growths.empty() ? fmt::format("no active handle type grew (limit {})", limit)
                              : fmt::format("{} handles grew by {} ({} → {}; limit {})",
                                            growths.front().type, growths.front().growth,
                                            growths.front().from, growths.front().to, limit);
  for (const auto& g : growths) {
    Evidence e;
    e.kind = Evidence::Kind::kHandle;
    e.title = g.type;
    e.count = g.growth;
    e.detail = fmt::format("{} → {} active", g.from, g.to);
    c.evidence.push_back(std::move(e));
  }
  // Timers name their callback: Timeout._onTimeout → the closure and where it was written.
  if (c.status == CheckStatus::kFailed && !in.snapshots.empty()) {
    const HeapGraph& g = *in.snapshots.back().graph;
    struct Callback {
      int64_t count = 0;
      config::SourceLocation code;
    };
    std::unordered_map<std::string, Callback> by_location;
    for (NodeIndex n = 0; n < g.NodeCount(); ++n) {
      if (g.Type(n) != NodeType::kObject || g.Name(n) != "Timeout") continue;
      NodeIndex fn = analysis::FindEdgeTarget(g, n, "_onTimeout");
      if (fn == snapshot::kNoNode || g.Type(fn) != NodeType::kClosure) continue;
      fn = analysis::UnwrapFunction(g, fn).fn;  // setInterval(this.tick.bind(this)): tick
      std::string where = analysis::ClosureLocation(g, fn);
      std::string name(g.Name(fn));
      Callback& cb = by_location[fmt::format("{} at {}", name.empty() ? "(anonymous)" : name,
                                             where.empty() ? "?" : where)];
      if (cb.count++ == 0) cb.code = analysis::ClosureCodeLocation(g, fn);
    }
    std::vector<std::pair<std::string, Callback>> sorted(by_location.begin(), by_location.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
    for (size_t i = 0; i < sorted.size() && i < 3; ++i) {
      Evidence e;
      e.kind = Evidence::Kind::kSourceLocation;
      e.title = "Timeout callback " + sorted[i].first;
      e.count = sorted[i].second.count;
      if (!sorted[i].second.code.file.empty()) e.code = sorted[i].second.code;
      c.evidence.push_back(std::move(e));
    }
  }
  return c;
}

CheckResult CheckSurvivors(const DetectorInput& in, double limit) {
  auto w = Window(in);
  if (!w) return Skipped("survivors", limit, "needs two snapshots");
  const RetainerPaths& paths = in.LastPaths();
  // Only survivors whose class keeps growing count (docs/verdicts.md): a bounded cache's re-used
  // entries and a one-time step survive without growing; V8's lazy work is not the app's.
  const int64_t second_window = w->alive_in->iteration - w->second->iteration;
  const double ratio = second_window > 0
                           ? static_cast<double>(w->iterations) / static_cast<double>(second_window)
                           : 1.0;
  auto sv = analysis::FindPersistentSurvivors(*w->first->graph, *w->second->graph,
                                              *w->alive_in->graph, paths, IsAppObject, ratio);
  const double iterations = static_cast<double>(w->iterations);
  const double per_iteration = sv.counted / iterations;
  CheckResult c = NewCheck("survivors", per_iteration, limit);
  const uint64_t lazy = sv.lazy_literals + sv.lazy_code + sv.lazy_flattened;
  c.summary = fmt::format(
      "{} of {} objects ({}) allocated over {} iterations and still alive belong to growing "
      "classes: {:.2f}/iteration (limit {}; raw {:.2f}/iteration)",
      FormatCount(static_cast<int64_t>(sv.counted)), FormatCount(static_cast<int64_t>(sv.all)),
      FormatBytes(static_cast<double>(sv.all_bytes)), FormatCount(w->iterations), per_iteration,
      limit, static_cast<double>(sv.all) / iterations);
  for (size_t i = 0, shown = 0; i < sv.classes.size() && shown < 5; ++i) {
    const auto& t = sv.classes[i];
    if (t.counted <= 0) break;
    Evidence e;
    e.kind = Evidence::Kind::kGrowingClass;
    e.title = t.name;
    e.count = static_cast<int64_t>(t.counted);
    e.bytes = static_cast<int64_t>(t.survivor_bytes);
    e.per_iteration = t.counted / iterations;
    e.detail = fmt::format("objects still alive; population +{} then +{}", t.growth1, t.growth2);
    c.evidence.push_back(std::move(e));
    ++shown;
  }
  for (size_t i = 0; i < sv.paths.size() && i < 3; ++i) {
    const auto& grp = sv.paths[i];
    Evidence e;
    e.kind = Evidence::Kind::kRetainerPath;
    e.title = grp.example_path;
    e.count = static_cast<int64_t>(grp.count);
    c.evidence.push_back(std::move(e));
  }
  // What was not counted, and why: bounded populations, one-time steps, V8's lazy work.
  uint64_t bounded = 0;
  for (const auto& t : sv.classes) {
    if (t.step && t.survivors >= 100) {
      Evidence e;
      e.kind = Evidence::Kind::kNote;
      e.title = "one-time step: " + t.name;
      e.count = t.growth1;
      e.detail = fmt::format(
          "+{} objects between iterations {} and {}, +{} after: grew once, then stopped", t.growth1,
          FormatCount(w->first->iteration), FormatCount(w->second->iteration), t.growth2);
      c.evidence.push_back(std::move(e));
    } else if (!t.step) {
      bounded += t.survivors - static_cast<uint64_t>(t.counted);
    }
  }
  if (bounded > 0) {
    Evidence e;
    e.kind = Evidence::Kind::kNote;
    e.title = "bounded populations";
    e.count = static_cast<int64_t>(bounded);
    e.detail =
        "survivors of classes whose live count did not keep rising (re-used entries of a "
        "bounded cache or buffer): not counted";
    c.evidence.push_back(std::move(e));
  }
  if (lazy > 0) {
    Evidence e;
    e.kind = Evidence::Kind::kNote;
    e.title = "V8/Node lazy work";
    e.count = static_cast<int64_t>(lazy);
    e.detail = fmt::format(
        "not counted: {} interned literals, {} held by code/feedback/boilerplates, {} flattened "
        "copies of older strings",
        sv.lazy_literals, sv.lazy_code, sv.lazy_flattened);
    c.evidence.push_back(std::move(e));
  }
  return c;
}

namespace {

// What the watch of adding calls says of collection `id` (its code line into `e.code`); "" when
// it was not watched.
std::string AddedAt(const DetectorInput& in, uint64_t id, Evidence& e) {
  for (const auto& w : in.adders) {
    if (w.id != id) continue;
    auto added = cdp::DescribeAdders(w);
    if (!added) return "";
    if (added->at) e.code = SourceLocation{added->at->file, added->at->line, added->at->column};
    return added->text;
  }
  return "";
}

}  // namespace

CheckResult CheckCollections(const DetectorInput& in, double limit) {
  if (in.snapshots.size() < 2) return Skipped("collections", limit, "needs two snapshots");
  // Every collection per id in every snapshot.
  std::vector<std::unordered_map<uint64_t, analysis::CollectionInfo>> found(in.snapshots.size());
  for (size_t i = 0; i < in.snapshots.size(); ++i)
    for (const auto& col : analysis::FindCollections(*in.snapshots[i].graph, 0))
      found[i].emplace(col.id, col);
  const HeapGraph& last = *in.snapshots.back().graph;
  struct Growing {
    analysis::CollectionInfo info;
    uint32_t from;
    int64_t iterations;
    double per_iteration;
  };
  std::vector<Growing> growing;
  int64_t turned_over = 0;
  for (const auto& col : analysis::FindCollections(last, 1)) {
    // The earliest snapshot that holds the same object, and growth at every step since.
    size_t first = in.snapshots.size() - 1;
    for (size_t i = 0; i + 1 < in.snapshots.size(); ++i)
      if (found[i].count(col.id)) {
        first = i;
        break;
      }
    if (first == in.snapshots.size() - 1) continue;
    bool monotonic = true, kept = true;
    const analysis::CollectionInfo* prev = &found[first].at(col.id);
    for (size_t i = first + 1; i < in.snapshots.size() && monotonic; ++i) {
      auto it = found[i].find(col.id);
      if (it == found[i].end() || it->second.entries <= prev->entries) {
        monotonic = false;
        break;
      }
      // A store keeps its old entries; a buffer that turns over (a timer list compacted every
      // tick, a queue drained as fast as it fills) holds new ones each time: its length is a
      // rate, not an accumulation (docs/verdicts.md).
      auto before =
          analysis::CollectionEntryIds(*in.snapshots[i - 1].graph, prev->node, prev->kind);
      auto after =
          analysis::CollectionEntryIds(*in.snapshots[i].graph, it->second.node, it->second.kind);
      std::vector<uint64_t> common;
      std::set_intersection(before.begin(), before.end(), after.begin(), after.end(),
                            std::back_inserter(common));
      if (!before.empty() && 2 * common.size() < before.size()) kept = false;
      prev = &it->second;
    }
    if (!monotonic) continue;
    if (!kept) {
      ++turned_over;
      continue;
    }
    int64_t iterations = in.snapshots.back().iteration - in.snapshots[first].iteration;
    if (iterations <= 0) continue;
    uint32_t from = found[first].at(col.id).entries;
    growing.push_back({col, from, iterations,
                       static_cast<double>(col.entries - from) / static_cast<double>(iterations)});
  }
  // Strong collections first: a WeakMap grows only because something else holds its keys.
  std::sort(growing.begin(), growing.end(), [](const Growing& a, const Growing& b) {
    const bool wa = analysis::IsWeakCollection(a.info.kind),
               wb = analysis::IsWeakCollection(b.info.kind);
    return wa != wb ? wb : a.per_iteration > b.per_iteration;
  });
  double measured = 0;
  for (const auto& g : growing) measured = std::max(measured, g.per_iteration);
  CheckResult c = NewCheck("collections", measured, limit);
  if (growing.empty()) {
    c.summary = fmt::format("no long-lived collection grew (limit {} entries/iteration)", limit);
  } else {
    const RetainerPaths& paths = in.LastPaths();
    for (size_t i = 0; i < growing.size() && i < 3; ++i) {
      const auto& grw = growing[i];
      const bool weak = analysis::IsWeakCollection(grw.info.kind);
      std::string path = paths.Format(grw.info.node, 10);
      Evidence e;
      e.kind = Evidence::Kind::kCollection;
      e.title = paths.Describe(grw.info.node) + (weak ? " (weak)" : "");
      e.count = grw.info.entries - grw.from;
      e.per_iteration = grw.per_iteration;
      const std::string added = AddedAt(in, grw.info.id, e);
      e.detail = fmt::format("grew {} → {} entries; {}held at {}{}", grw.from, grw.info.entries,
                             added.empty() ? "" : added + "; ", path,
                             weak ? "; weak: its entries live only while their keys are held "
                                    "elsewhere, so look for what holds the keys"
                                  : "");
      if (i == 0)
        c.summary = fmt::format("{} grows {:.2f} entries/iteration (limit {}): {}{}", e.title,
                                grw.per_iteration, limit, path,
                                e.code ? "; " + added.substr(0, added.find(" (")) : "");
      c.evidence.push_back(std::move(e));
    }
  }
  if (turned_over > 0) {
    Evidence e;
    e.kind = Evidence::Kind::kNote;
    e.title = "buffers that turn over";
    e.count = turned_over;
    e.detail =
        "collections longer at each snapshot but holding different entries each time "
        "(fewer than half kept): their length follows the traffic rate, not counted";
    c.evidence.push_back(std::move(e));
  }
  return c;
}

CheckResult CheckListeners(const DetectorInput& in, double limit) {
  const bool warned = in.app_stderr.find("MaxListenersExceededWarning") != std::string::npos;
  if (in.snapshots.size() < 2 && !warned) return Skipped("listeners", limit, "needs two snapshots");
  struct Growth {
    analysis::ListenerCount now;
    uint32_t from;
  };
  std::vector<Growth> growths;
  // EventEmitters (`_events`) and EventTargets (AbortSignal…: the `kEvents` Map) alike.
  auto all_listeners = [](const HeapGraph& g) {
    auto found = analysis::FindListeners(g);
    for (auto& l : analysis::FindEventTargetListeners(g)) found.push_back(std::move(l));
    return found;
  };
  if (in.snapshots.size() >= 2) {
    std::unordered_map<std::string, uint32_t> before;
    for (const auto& l : all_listeners(*in.snapshots.front().graph))
      before[fmt::format("{}/{}", l.emitter_id, l.event)] = l.count;
    for (auto& l : all_listeners(*in.snapshots.back().graph)) {
      auto it = before.find(fmt::format("{}/{}", l.emitter_id, l.event));
      if (it == before.end() || l.count <= it->second) continue;
      growths.push_back({l, it->second});
    }
  }
  std::sort(growths.begin(), growths.end(), [](const Growth& a, const Growth& b) {
    return a.now.count - a.from > b.now.count - b.from;
  });
  double measured = growths.empty() ? 0 : growths.front().now.count - growths.front().from;
  CheckResult c = NewCheck("listeners", measured, limit);
  if (warned) c.status = CheckStatus::kFailed;
  c.summary = growths.empty()
                  ? fmt::format("no emitter gained listeners (limit {})", limit)
                  : fmt::format("'{}' listeners on {} grew {} → {} (limit {})",
                                growths.front().now.event, growths.front().now.emitter_class,
                                growths.front().from, growths.front().now.count, limit);
  if (!growths.empty()) {
    const HeapGraph& g = *in.snapshots.back().graph;
    const RetainerPaths& paths = in.LastPaths();
    for (size_t i = 0; i < growths.size() && i < 3; ++i) {
      const auto& l = growths[i].now;
      // A once() wrapper or a bound function names the function the user wrote.
      const auto fn = analysis::UnwrapFunction(g, l.sample_listener);
      std::string where = analysis::ClosureLocation(g, fn.fn);
      if (!where.empty() && !fn.via.empty())
        where += fmt::format(" (unwrapped from its {} wrapper)", fn.via);
      Evidence e;
      e.kind = Evidence::Kind::kListener;
      e.title = fmt::format("{} '{}'", l.emitter_class, l.event);
      e.count = l.count - growths[i].from;
      std::string emitter = paths.Describe(l.emitter);
      if (emitter.find(l.emitter_class) == std::string::npos)
        emitter = fmt::format("{} ({})", l.emitter_class, emitter);
      e.title = fmt::format("{} event '{}'", emitter, l.event);
      e.detail = fmt::format("{} → {} listeners{}; emitter held at {}", growths[i].from, l.count,
                             where.empty() ? "" : ", listener defined at " + where,
                             paths.Format(l.emitter, 10));
      if (auto code = analysis::ClosureCodeLocation(g, fn.fn); !code.file.empty()) e.code = code;
      c.evidence.push_back(std::move(e));
    }
  }
  if (warned) {
    auto at = in.app_stderr.find("MaxListenersExceededWarning");
    auto end = in.app_stderr.find('\n', at);
    Evidence e;
    e.kind = Evidence::Kind::kNote;
    e.title = "MaxListenersExceededWarning";
    e.detail = in.app_stderr.substr(at, end == std::string::npos ? std::string::npos : end - at);
    c.evidence.push_back(std::move(e));
    if (growths.empty()) c.summary = "the app printed MaxListenersExceededWarning";
  }
  return c;
}

CheckResult CheckClosures(const DetectorInput& in, double limit) {
  auto w = Window(in);
  if (!w) return Skipped("closures", limit, "needs two snapshots");
  const HeapGraph& g = *w->alive_in->graph;
  const RetainerPaths& paths = in.LastPaths();
  // Group the surviving closures by where they were written. A once() wrapper or a bound
  // function (`native_bind`) counts under the function it calls, which the user wrote; that
  // function, when it survives too (the arrow inside once()), is not counted a second time.
  struct Site {
    int64_t count = 0;
    int64_t unwrapped = 0;  // of count: wrappers counted under their target
    std::string_view via;
    uint64_t example_id = 0;
    std::string example_path;
    config::SourceLocation code;
  };
  std::vector<std::pair<NodeIndex, analysis::UnwrappedFunction>> closures;
  std::unordered_set<NodeIndex> wrapped;
  for (NodeIndex n : analysis::SurvivingNodes(*w->first->graph, *w->second->graph, g)) {
    if (g.Type(n) != NodeType::kClosure) continue;
    closures.emplace_back(n, analysis::UnwrapFunction(g, n));
    if (closures.back().second.fn != n) wrapped.insert(closures.back().second.fn);
  }
  std::unordered_map<std::string, Site> sites;
  for (const auto& [n, fn] : closures) {
    if (fn.fn == n && wrapped.contains(n)) continue;
    std::string where = analysis::ClosureLocation(g, fn.fn);
    std::string name(g.Name(fn.fn));
    auto& site = sites[fmt::format("{} {}", name.empty() ? "(anonymous)" : name,
                                   where.empty() ? "(unknown location)" : where)];
    if (!fn.via.empty()) ++site.unwrapped, site.via = fn.via;
    if (site.count++ == 0) {
      site.example_id = g.Id(n);
      site.example_path = paths.Format(n, 10);
      site.code = analysis::ClosureCodeLocation(g, fn.fn);
    }
  }
  std::vector<std::pair<std::string, Site>> sorted(sites.begin(), sites.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
  const double iterations = static_cast<double>(w->iterations);
  double measured =
      sorted.empty() ? 0 : static_cast<double>(sorted.front().second.count) / iterations;
  CheckResult c = NewCheck("closures", measured, limit);
  c.summary = sorted.empty()
                  ? fmt::format("no closures survived the window (limit {}/iteration)", limit)
                  : fmt::format("{} closures from {} survive ({:.2f}/iteration; limit {})",
                                sorted.front().second.count, sorted.front().first, measured, limit);
  for (size_t i = 0; i < sorted.size() && i < 3; ++i) {
    Evidence e;
    e.kind = Evidence::Kind::kSourceLocation;
    e.title = sorted[i].first;
    e.count = sorted[i].second.count;
    e.per_iteration = static_cast<double>(sorted[i].second.count) / iterations;
    const Site& site = sorted[i].second;
    e.detail = fmt::format(
        "closures still alive{}, e.g. @{} held at {}",
        site.unwrapped == 0 ? ""
                            : fmt::format(" ({} of them {} wrappers, counted as the function they "
                                          "call)",
                                          FormatCount(site.unwrapped), site.via),
        site.example_id, site.example_path);
    if (!site.code.file.empty()) e.code = site.code;
    c.evidence.push_back(std::move(e));
  }
  return c;
}

std::vector<CheckResult> RunDetectors(const DetectorInput& in, const DetectorLimits& limits) {
  // Ids name the same object only within one process: snapshots of another process (an app
  // that restarted, an inspector attached elsewhere) are refused, never compared silently.
  for (size_t i = 0; i + 1 < in.snapshots.size(); ++i)
    analysis::RequireIdCorrespondence(*in.snapshots[i].graph, *in.snapshots[i + 1].graph,
                                      in.snapshots[i].file, in.snapshots[i + 1].file, "analysis");
  std::vector<CheckResult> checks;
  checks.reserve(std::size(kRegistry));
  for (size_t i = 0; i < std::size(kRegistry); ++i) {
    checks.push_back(kRegistry[i].check(in, limits[i]));
  }
  return checks;
}

}  // namespace leakcheck::run
