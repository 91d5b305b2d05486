#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace leakcheck::snapshot {

/// MADV_POPULATE_WRITE (Linux 5.14), spelled out: the portable build's glibc 2.31 headers lack
/// it, and an older kernel just refuses it (EINVAL).
#ifdef MADV_POPULATE_WRITE
inline constexpr int kMadvPopulateWrite = MADV_POPULATE_WRITE;
#else
inline constexpr int kMadvPopulateWrite = 23;
#endif

/// Keeps the big blocks freed while it is alive (nested scopes share one pool) and hands them
/// out again, unmapping them all when the last scope ends. A fresh page costs a fault and its
/// zeroing, and the analysis frees and allocates ~1.6 times its peak in per-node arrays: reuse
/// saved ~40 ms of `analyze` at the median on the bench file (2026-11-30). Peak RSS does not
/// grow as long as big arrays allocated meanwhile are BigVectors too (a request that no kept
/// block can serve first gives them all back); a big std::vector would add to the kept ones.
class BigBlockReuse {
 public:
  BigBlockReuse();
  ~BigBlockReuse();
  BigBlockReuse(const BigBlockReuse&) = delete;
  BigBlockReuse& operator=(const BigBlockReuse&) = delete;
};

/// A kept block of at least `length` bytes (a multiple of 4 KiB), cut to `length`, or nullptr.
/// Thread-safe (the reader allocates on two threads).
void* TakeFreedBigBlock(size_t length);
/// Keeps the mapped block [p, p + length) when a BigBlockReuse is alive; false otherwise.
bool KeepFreedBigBlock(void* p, size_t length);

/// An allocator for the snapshot engine's big per-node and per-edge arrays (tens to hundreds of
/// MiB each). Blocks of at least kBigBlock bytes are mapped on their own, so that a
/// BigBlockReuse can keep and hand them out again; smaller ones come from the ordinary
/// allocator. Throws std::bad_alloc like it.
///
/// Why not transparent huge pages (MADV_HUGEPAGE, tried 2026-11-29): one fault per 2 MiB made
/// `analyze` ~5% faster back to back, but a huge page needs 2 MiB of contiguous free memory,
/// which after another big process has exited (memlab, in the bench) the kernel must compact
/// or the host must back again: touching 400 MiB then took 850 ms against 150 ms in 4 KiB
/// pages, and `analyze` 1.04–1.19 s against 0.72–0.81 s (bench machine, 2026-11-30).
template <typename T>
struct BigAllocator {
  using value_type = T;
  static constexpr size_t kBigBlock = size_t{4} << 20;
  static constexpr size_t kPage = 4096;

  BigAllocator() = default;
  template <typename U>
  BigAllocator(const BigAllocator<U>&) {}  // NOLINT: rebinding is implicit by design

  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = n * sizeof(T);
    if (bytes < kBigBlock) return std::allocator<T>().allocate(n);
    const size_t length = RoundUp(bytes, kPage);
    if (void* reused = TakeFreedBigBlock(length)) return static_cast<T*>(reused);
    void* block =
        ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) throw std::bad_alloc();
    return static_cast<T*>(block);
  }

  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kBigBlock) {
      std::allocator<T>().deallocate(p, n);
      return;
    }
    if (!KeepFreedBigBlock(p, RoundUp(bytes, kPage))) ::munmap(p, RoundUp(bytes, kPage));
  }

  template <typename U>
  bool operator==(const BigAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static constexpr size_t RoundUp(size_t v, size_t to) { return (v + to - 1) / to * to; }
};

/// A std::vector whose storage comes from BigAllocator.
template <typename T>
using BigVector = std::vector<T, BigAllocator<T>>;

/// A fixed-size array of zeros whose pages become resident only when written (calloc hands a
/// big block fresh zero pages from the kernel, never written by the allocator): for tables
/// indexed by string of which a pass touches a few scattered entries (the class of each
/// string, the flags of edge names). As a zero-filled vector the class table alone added
/// 16 MiB to the peak. T must be valid as all-zero bytes (an integer).
template <typename T>
class SparseZeroArray {
 public:
  explicit SparseZeroArray(size_t n) : data_(static_cast<T*>(std::calloc(n ? n : 1, sizeof(T)))) {
    if (!data_) throw std::bad_alloc();
  }
  T& operator[](size_t i) { return data_.get()[i]; }
  const T& operator[](size_t i) const { return data_.get()[i]; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
};

/// Reserves room for `n` elements that are all about to be written, and faults its pages in
/// with one MADV_POPULATE_WRITE instead of one fault per 4 KiB page as they are first written
/// (~25% less time in the kernel; analyze 15 ms faster on the bench file, 2026-11-30). Only for
/// arrays filled whole: populated pages count as resident whether written or not. A kernel
/// before 5.14 refuses the advice and the pages are faulted in as they are written.
template <typename T>
void ReserveFilled(BigVector<T>& v, size_t n) {
  v.reserve(n);
  const size_t bytes = n * sizeof(T);
  if (bytes < BigAllocator<T>::kBigBlock) return;
  ::madvise(v.data(), (bytes + BigAllocator<T>::kPage - 1) & ~(BigAllocator<T>::kPage - 1),
            kMadvPopulateWrite);
}

}  // namespace leakcheck::snapshot
