#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "harness/snapshot/heap_graph.h"
#include "harness/snapshot/phase_times.h"

namespace leakcheck::snapshot {

/// Where snapshot bytes come from: a file, memory, or a stream of CDP chunks.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Reads up to `n` bytes into `buffer`; returns 0 only at the end of the input.
  /// Throws leakcheck::Error on an I/O failure.
  virtual size_t Read(char* buffer, size_t n) = 0;
  /// Total size in bytes, when known up front (lets the reader size its tables once).
  virtual std::optional<uint64_t> Size() const { return std::nullopt; }
  /// A second, independent reader of the same input from byte `offset` on (its Size() is the
  /// whole input's), or nullptr when the source cannot give one (a stream). The reader parses
  /// "edges" with it on a second thread while this source reads "nodes".
  virtual std::unique_ptr<ByteSource> OpenAt(uint64_t /*offset*/) const { return nullptr; }
  /// Moves the read position forward to byte `offset` (the end of input at most); false when
  /// the source cannot.
  virtual bool SkipTo(uint64_t /*offset*/) { return false; }
};

/// Reads a `.heapsnapshot` file as written by Node 20+ (v8.writeHeapSnapshot, DevTools, CDP).
/// The file is streamed through a fixed buffer, never held whole in memory. A truncated, corrupt
/// or non-snapshot file throws InputError("snapshot", "<path>: <what is wrong>") (exit 2).
/// `times`, when given, gets the reader's phases (header, nodes, edges, strings, finish).
HeapGraph ReadSnapshotFile(const std::string& path, PhaseTimes* times = nullptr);

/// Reads a snapshot from any byte source; `name` appears in error messages.
HeapGraph ReadSnapshot(ByteSource& source, std::string_view name, PhaseTimes* times = nullptr);

/// Reads a snapshot held in memory (tests, fuzzing), as a file is read (edges on a second
/// thread from 1 MiB on, where two CPUs are).
HeapGraph ReadSnapshotFromString(std::string_view json, std::string_view name = "<memory>",
                                 PhaseTimes* times = nullptr);

/// The CPUs this process may run on (its affinity: taskset, cgroup cpusets). The reader and the
/// analysis use a second thread only when it is at least 2.
int CpusAvailable();

}  // namespace leakcheck::snapshot
