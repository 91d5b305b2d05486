#pragma once

#include <cstdint>
#include <vector>

namespace leakcheck::load {

/// A latency histogram with HdrHistogram-like log-linear buckets: exact below 128 µs, then 64
/// sub-buckets per power of two (under 1.6% relative error), covering up to ~2^40 µs. Recording
/// is one increment; memory is fixed (a few thousand counters), never one entry per sample.
class LatencyHistogram {
 public:
  LatencyHistogram();

  /// Records one sample in microseconds (negative values count as 0).
  void Record(int64_t micros);
  /// Adds every sample of `other`.
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  int64_t min() const { return count_ ? min_ : 0; }
  int64_t max() const { return max_; }
  double mean() const {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0;
  }
  /// The value at `percentile` (0..100): the highest value of the bucket holding that rank,
  /// clamped to the recorded maximum. 0 when empty.
  int64_t Percentile(double percentile) const;

  /// Bucket index of a value, and the highest value a bucket holds (exposed for tests).
  static int BucketOf(int64_t micros);
  static int64_t BucketUpperBound(int bucket);

 private:
  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  int64_t sum_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
};

}  // namespace leakcheck::load
