#include "harness/load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace leakcheck::load {
namespace {

constexpr int kLinear = 128;     // values below this have a bucket each
constexpr int kSubBuckets = 64;  // per power of two above
constexpr int kMaxShift = 34;    // values up to 2^41 µs (~25 days)
constexpr int kBuckets = kLinear + kMaxShift * kSubBuckets;

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

int LatencyHistogram::BucketOf(int64_t micros) {
  if (micros < kLinear) return static_cast<int>(std::max<int64_t>(micros, 0));
  int msb = 63 - std::countl_zero(static_cast<uint64_t>(micros));
  int shift = std::min(msb - 6, kMaxShift);  // (micros >> shift) is in [64, 128)
  int64_t sub = std::min<int64_t>((micros >> shift) - kSubBuckets, kSubBuckets - 1);
  return kLinear + (shift - 1) * kSubBuckets + static_cast<int>(sub);
}

int64_t LatencyHistogram::BucketUpperBound(int bucket) {
  if (bucket < kLinear) return bucket;
  int shift = (bucket - kLinear) / kSubBuckets + 1;
  int64_t sub = (bucket - kLinear) % kSubBuckets + kSubBuckets;
  return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::Record(int64_t micros) {
  micros = std::max<int64_t>(micros, 0);
  ++counts_[static_cast<size_t>(BucketOf(micros))];
  min_ = count_ == 0 ? micros : std::min(min_, micros);
  max_ = std::max(max_, micros);
  sum_ += micros;
  ++count_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

int64_t LatencyHistogram::Percentile(double percentile) const {
  if (count_ == 0) return 0;
  auto rank = static_cast<int64_t>(
      std::ceil(std::clamp(percentile, 0.0, 100.0) / 100.0 * static_cast<double>(count_)));
  rank = std::max<int64_t>(rank, 1);
  int64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(BucketUpperBound(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace leakcheck::load
