#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace leakcheck::snapshot {

/// Keeps the big blocks freed while it is alive (nested scopes share one pool) and hands them
/// out again, unmapping them all when the last scope ends. A fresh page costs the kernel a
/// fault and zeroing, and in a virtual machine whose host reclaims idle memory a host fault as
/// well: the analysis frees and allocates ~twice its peak in per-node arrays, and on the bench
/// machine those second faults were up to 0.3 s of `analyze` (perf, 2026-11-30). Peak RSS does
/// not grow: a request that no kept block can serve first gives all kept blocks back.
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
/// MiB each). Blocks of at least kHugeBlock bytes are mapped on their own, aligned to 2 MiB and
/// marked MADV_HUGEPAGE, so the kernel backs them with transparent huge pages where it can: one
/// page fault per 2 MiB instead of per 4 KiB (faults and their bookkeeping were ~20% of
/// `analyze` on the bench file; perf, 2026-11-29). Untouched pages still cost no memory, and a
/// block's tail past its last 2 MiB boundary stays in small pages, so peak RSS does not grow.
/// Smaller blocks come from the ordinary allocator. Throws std::bad_alloc like it.
/// While a BigBlockReuse is alive, freed big blocks are kept and handed out again (see there).
template <typename T>
struct BigAllocator {
  using value_type = T;
  static constexpr size_t kHugeBlock = size_t{4} << 20;
  static constexpr size_t kHugePage = size_t{2} << 20;
  static constexpr size_t kPage = 4096;

  BigAllocator() = default;
  template <typename U>
  BigAllocator(const BigAllocator<U>&) {}  // NOLINT: rebinding is implicit by design

  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugeBlock) return std::allocator<T>().allocate(n);
    const size_t length = RoundUp(bytes, kPage);
    if (void* reused = TakeFreedBigBlock(length)) return static_cast<T*>(reused);
    // Map 2 MiB more than needed, then give back the unaligned head and the rest of the tail.
    void* raw = ::mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = RoundUp(start, kHugePage);
    if (aligned > start) ::munmap(raw, aligned - start);
    const uintptr_t end = start + length + kHugePage;
    if (end > aligned + length)
      ::munmap(reinterpret_cast<void*>(aligned + length), end - aligned - length);
#ifdef MADV_HUGEPAGE
    ::madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);
#endif
    return reinterpret_cast<T*>(aligned);
  }

  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugeBlock) {
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

}  // namespace leakcheck::snapshot
