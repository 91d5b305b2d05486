#include "harness/snapshot/big_vector.h"

#include <sys/mman.h>

#include <mutex>
#include <vector>

namespace leakcheck::snapshot {

namespace {

struct FreedBlocks {
  std::mutex mutex;
  int scopes = 0;
  std::vector<std::pair<char*, size_t>> blocks;  // start, length (multiples of 4 KiB)

  void ReleaseAll() {
    for (auto [start, length] : blocks) ::munmap(start, length);
    blocks.clear();
  }
};

FreedBlocks& Freed() {
  static FreedBlocks freed;
  return freed;
}

}  // namespace

BigBlockReuse::BigBlockReuse() {
  std::lock_guard lock(Freed().mutex);
  ++Freed().scopes;
}

BigBlockReuse::~BigBlockReuse() {
  auto& freed = Freed();
  std::lock_guard lock(freed.mutex);
  if (--freed.scopes == 0) freed.ReleaseAll();
}

void* TakeFreedBigBlock(size_t length) {
  auto& freed = Freed();
  std::lock_guard lock(freed.mutex);
  if (freed.blocks.empty()) return nullptr;
  auto best = freed.blocks.end();
  for (auto it = freed.blocks.begin(); it != freed.blocks.end(); ++it)
    if (it->second >= length && (best == freed.blocks.end() || it->second < best->second))
      best = it;
  if (best == freed.blocks.end()) {
    // None is big enough: give them all back before the caller maps a new one, so the kept
    // blocks never add to the peak.
    freed.ReleaseAll();
    return nullptr;
  }
  char* start = best->first;
  if (best->second > length) {  // the rest stays kept
    best->first += length;
    best->second -= length;
  } else {
    freed.blocks.erase(best);
  }
  return start;
}

bool KeepFreedBigBlock(void* p, size_t length) {
  auto& freed = Freed();
  std::lock_guard lock(freed.mutex);
  if (freed.scopes == 0) return false;
  freed.blocks.emplace_back(static_cast<char*>(p), length);
  return true;
}

}  // namespace leakcheck::snapshot
