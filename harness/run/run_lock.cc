#include "harness/run/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/run/run_folder.h"

namespace leakcheck::run {

RunFolderLock::RunFolderLock(const std::string& out_dir) {
  namespace fs = std::filesystem;
  // Owner-only when leakcheck creates it; a folder of the user's (`--out .`) keeps its mode.
  CreatePrivateDirs(out_dir);
  const std::string path = (fs::path(out_dir) / ".leakcheck.lock").string();
  // O_CLOEXEC: the app must not inherit the lock (an escaped app child would hold it).
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0)
    throw InputError("run", fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  int r;
  do r = ::flock(fd_, LOCK_EX | LOCK_NB);
  while (r != 0 && errno == EINTR);
  if (r != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK)
      throw InputError("run", fmt::format("cannot lock {}: {}", path, std::strerror(err)));
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    throw InputError(
        "run", fmt::format("the run folder {} is in use by another leakcheck run ({}); wait for it "
                           "to finish or give this run its own folder with --out",
                           out_dir, pid.empty() ? "pid unknown" : "pid " + pid));
  }
  // The holder's pid, for the message above (the lock itself is the flock, not this text).
  std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    ssize_t ignored = ::pwrite(fd_, me.data(), me.size(), 0);
    (void)ignored;
  }
}

RunFolderLock::~RunFolderLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace leakcheck::run
