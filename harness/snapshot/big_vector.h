#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace leakcheck::snapshot {

/// An allocator for the snapshot engine's big per-node and per-edge arrays (tens to hundreds of
/// MiB each). Blocks of at least kHugeBlock bytes are mapped on their own, aligned to 2 MiB and
/// marked MADV_HUGEPAGE, so the kernel backs them with transparent huge pages where it can: one
/// page fault per 2 MiB instead of per 4 KiB (faults and their bookkeeping were ~20% of
/// `analyze` on the bench file; perf, 2026-11-29). Untouched pages still cost no memory, and a
/// block's tail past its last 2 MiB boundary stays in small pages, so peak RSS does not grow.
/// Smaller blocks come from the ordinary allocator. Throws std::bad_alloc like it.
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
    ::munmap(p, RoundUp(bytes, kPage));
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
