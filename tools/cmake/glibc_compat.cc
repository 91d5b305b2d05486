// Linked into the portable binary only when it is linked against an older glibc than the one it
// was compiled on (LEAKCHECK_GLIBC_SYSROOT: Debian 12's GCC 12 and static libraries, Debian 11's
// glibc 2.31). Debian 12's libstdc++.a and libgcc_eh.a were built against glibc 2.36 and refer
// to symbols glibc 2.31 does not have (and so does process/node_app.cc: sigabbrev_np); these
// definitions satisfy them inside the binary, so it asks the system's glibc for nothing newer than
// GLIBC_2.31 (tools/check-portable.sh checks).
#include <dlfcn.h>  // struct dl_find_object (glibc 2.35+ headers: Debian 12 compiles this)
#include <link.h>

#include <signal.h>
#include <sys/random.h>

#include <cstdint>
#include <cstdlib>

extern "C" {

/// glibc 2.32+: nonzero when the process is known to have one thread, which lets libstdc++ skip
/// atomic reference counting. Zero ("may be multi-threaded") is always correct, only slower.
char __libc_single_threaded = 0;  // NOLINT: glibc's name

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
int _dl_find_object(void* address, dl_find_object* result) noexcept {  // NOLINT: glibc's name
  FindRequest request{reinterpret_cast<std::uintptr_t>(address), result, false};
  dl_iterate_phdr(FindObjectCallback, &request);
  return request.found ? 0 : -1;
}

/// glibc 2.32+: "INT" for SIGINT; nullptr for a number that is not a signal. Used by
/// process/node_app.cc to describe how the app died.
const char* sigabbrev_np(int sig) noexcept {  // NOLINT: glibc's name
  switch (sig) {
    case SIGHUP:
      return "HUP";
    case SIGINT:
      return "INT";
    case SIGQUIT:
      return "QUIT";
    case SIGILL:
      return "ILL";
    case SIGTRAP:
      return "TRAP";
    case SIGABRT:
      return "ABRT";
    case SIGBUS:
      return "BUS";
    case SIGFPE:
      return "FPE";
    case SIGKILL:
      return "KILL";
    case SIGUSR1:
      return "USR1";
    case SIGSEGV:
      return "SEGV";
    case SIGUSR2:
      return "USR2";
    case SIGPIPE:
      return "PIPE";
    case SIGALRM:
      return "ALRM";
    case SIGTERM:
      return "TERM";
    case SIGSTKFLT:
      return "STKFLT";
    case SIGCHLD:
      return "CHLD";
    case SIGCONT:
      return "CONT";
    case SIGSTOP:
      return "STOP";
    case SIGTSTP:
      return "TSTP";
    case SIGTTIN:
      return "TTIN";
    case SIGTTOU:
      return "TTOU";
    case SIGURG:
      return "URG";
    case SIGXCPU:
      return "XCPU";
    case SIGXFSZ:
      return "XFSZ";
    case SIGVTALRM:
      return "VTALRM";
    case SIGPROF:
      return "PROF";
    case SIGWINCH:
      return "WINCH";
    case SIGIO:
      return "IO";
    case SIGPWR:
      return "PWR";
    case SIGSYS:
      return "SYS";
    default:
      return nullptr;
  }
}

/// glibc 2.36+: 32 random bits from the kernel (getrandom, glibc 2.25), for std::random_device
/// in GCC 12's libstdc++.a. Retries a few times (EINTR); aborts rather than return non-random
/// bits, as glibc's arc4random does when the kernel has no entropy source.
uint32_t arc4random() noexcept {  // NOLINT: glibc's name
  uint32_t value = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (getrandom(&value, sizeof value, 0) == static_cast<ssize_t>(sizeof value)) return value;
  }
  abort();
}

}  // extern "C"
