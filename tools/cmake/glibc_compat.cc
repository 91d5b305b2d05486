// Linked into the portable binary only when it is linked against an older glibc than the one it
// was compiled on (LEAKCHECK_GLIBC_SYSROOT: Debian 12's GCC 12 and static libraries, Debian 11's
// glibc 2.31). Debian 12's libstdc++.a and libgcc_eh.a were built against glibc 2.36 and refer
// to two symbols glibc 2.31 does not have; these definitions satisfy them inside the binary, so
// it asks the system's glibc for nothing newer than GLIBC_2.31 (tools/check-portable.sh checks).
#include <link.h>

#include <cstdint>

extern "C" {

/// glibc 2.32+: nonzero when the process is known to have one thread, which lets libstdc++ skip
/// atomic reference counting. Zero ("may be multi-threaded") is always correct, only slower.
char __libc_single_threaded = 0;  // NOLINT: glibc's name

/// glibc 2.35's `struct dl_find_object` on x86_64 (no eh_dbase, no eh_count fields).
struct dl_find_object {  // NOLINT: glibc's name
  unsigned long long dlfo_flags;
  void* dlfo_map_start;
  void* dlfo_map_end;
  struct link_map* dlfo_link_map;
  void* dlfo_eh_frame;
  unsigned long long dlfo_reserved[7];
};

namespace {
struct FindRequest {
  std::uintptr_t pc;
  dl_find_object* result;
  bool found;
};

int FindObjectCallback(dl_phdr_info* info, size_t /*size*/, void* data) {
  auto* request = static_cast<FindRequest*>(data);
  std::uintptr_t low = UINTPTR_MAX;
  std::uintptr_t high = 0;
  bool contains = false;
  const ElfW(Phdr)* eh_frame = nullptr;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& phdr = info->dlpi_phdr[i];
    if (phdr.p_type == PT_LOAD) {
      std::uintptr_t start = info->dlpi_addr + phdr.p_vaddr;
      std::uintptr_t end = start + phdr.p_memsz;
      if (start < low) low = start;
      if (end > high) high = end;
      if (request->pc >= start && request->pc < end) contains = true;
    } else if (phdr.p_type == PT_GNU_EH_FRAME) {
      eh_frame = &phdr;
    }
  }
  if (!contains) return 0;
  request->result->dlfo_flags = 0;
  request->result->dlfo_map_start = reinterpret_cast<void*>(low);
  request->result->dlfo_map_end = reinterpret_cast<void*>(high);
  request->result->dlfo_link_map = nullptr;
  request->result->dlfo_eh_frame =
      eh_frame ? reinterpret_cast<void*>(info->dlpi_addr + eh_frame->p_vaddr) : nullptr;
  request->found = true;
  return 1;
}
}  // namespace

/// glibc 2.35+: the loaded object containing `address` and its PT_GNU_EH_FRAME, which GCC 12's
/// unwinder (libgcc_eh.a) asks for to throw exceptions. Same contract (0 found, -1 not), found
/// with dl_iterate_phdr (glibc 2.2.4) the way older unwinders did.
int _dl_find_object(void* address, dl_find_object* result) {  // NOLINT: glibc's name
  FindRequest request{reinterpret_cast<std::uintptr_t>(address), result, false};
  dl_iterate_phdr(FindObjectCallback, &request);
  return request.found ? 0 : -1;
}

}  // extern "C"
