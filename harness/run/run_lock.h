#pragma once

#include <string>

/// One `leakcheck run` per run folder: two runs writing the same results.json, logs and
/// snapshots would corrupt each other. The lock is an flock(2) on `<out>/.leakcheck.lock`, held
/// for the whole run (reports included) and released by the kernel however leakcheck ends.
namespace leakcheck::run {

class RunFolderLock {
 public:
  /// Creates the folder (mode 0700) if needed and takes the lock without waiting. Throws
  /// InputError("run", …) (exit 2) naming the folder and the pid holding it when another run
  /// has it, and InputError when the folder cannot be created.
  explicit RunFolderLock(const std::string& out_dir);
  ~RunFolderLock();
  RunFolderLock(const RunFolderLock&) = delete;
  RunFolderLock& operator=(const RunFolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace leakcheck::run
