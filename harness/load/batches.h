#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace leakcheck::load {

/// Splits `total` iterations into `batches` consecutive batches as evenly as possible: batch b
/// (1-based) gets total*b/batches - total*(b-1)/batches, so sizes differ by at most one and the
/// larger ones are spread out rather than bunched at the front (10 into 4 -> 2, 3, 2, 3). The
/// sizes always add up to `total`. This is the split of `leakcheck run`'s checkpoint batches and
/// of `leakcheck load --batches`. Throws std::invalid_argument when `batches` < 1 or `total` < 0.
inline std::vector<int64_t> SplitIterations(int64_t total, int batches) {
  if (batches < 1) throw std::invalid_argument("SplitIterations: batches must be at least 1");
  if (total < 0) throw std::invalid_argument("SplitIterations: total must not be negative");
  std::vector<int64_t> sizes;
  sizes.reserve(static_cast<size_t>(batches));
  // floor(total * b / batches) without the overflow of total * b: total = q * batches + r, so it
  // is q * b + floor(r * b / batches), and r * b < 2^62.
  const int64_t q = total / batches, r = total % batches;
  auto end_of = [&](int64_t b) { return q * b + r * b / batches; };
  for (int64_t b = 1; b <= batches; ++b) sizes.push_back(end_of(b) - end_of(b - 1));
  return sizes;
}

}  // namespace leakcheck::load
