// The reader parses "edges" on a second thread when its source can be read at two places at
// once (files and memory, from kParallelMinBytes on). These tests read the same big snapshot
// both ways — through a source that can (MemorySource) and through a stream that cannot — and
// require the same graph and, for broken files, the same error a reader in order gives.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "harness/snapshot/reader.h"
#include "tests/support/run_command.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::snapshot {
namespace {

using ::testing::HasSubstr;
using testing::TinySnapshot;

// A source with no OpenAt/SkipTo: the reader reads it in order, on one thread.
class StreamSource : public ByteSource {
 public:
  explicit StreamSource(std::string_view data) : data_(data) {}
  size_t Read(char* buffer, size_t n) override {
    n = std::min(n, data_.size());
    std::memcpy(buffer, data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view data_;
};

// 100,000 nodes in a tree with named properties: several MiB, well past kParallelMinBytes.
std::string BigSnapshot() {
  TinySnapshot s;
  const uint32_t root = s.Node("synthetic", "", 0);
  const uint32_t gc = s.Node("synthetic", "(GC roots)", 0);
  s.Edge(root, "element", "1", gc);
  uint32_t parent = gc;
  for (uint32_t i = 0; i < 100000; ++i) {
    const uint32_t n =
        s.Node(i % 3 ? "object" : "array", i % 7 ? "Session" : "Buffer", 16 + i % 97);
    s.Edge(parent, "property", "p" + std::to_string(i % 251), n);
    if (i % 5 == 0) s.Edge(n, "weak", "back", gc);
    if (i % 40 == 0) parent = n;
  }
  return s.Json();
}

const std::string& Big() {
  static const std::string json = BigSnapshot();
  return json;
}

// The error message reading `json` in order (stream) and with the edges thread (memory).
std::pair<std::string, std::string> ErrorsBothWays(const std::string& json) {
  auto error_of = [&](auto&& read) -> std::string {
    try {
      read();
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), kExitUsage) << e.what();
      return e.what();
    }
    return "";
  };
  StreamSource stream(json);
  return {error_of([&] { ReadSnapshot(stream, "big.heapsnapshot"); }),
          error_of([&] { ReadSnapshotFromString(json, "big.heapsnapshot"); })};
}

void ExpectSameGraph(const HeapGraph& a, const HeapGraph& b) {
  ASSERT_EQ(a.NodeCount(), b.NodeCount());
  ASSERT_EQ(a.EdgeCount(), b.EdgeCount());
  EXPECT_EQ(a.TotalSize(), b.TotalSize());
  for (NodeIndex n = 0; n < a.NodeCount(); ++n) {
    ASSERT_EQ(a.FirstEdge(n), b.FirstEdge(n)) << "node " << n;
    ASSERT_EQ(a.Id(n), b.Id(n)) << "node " << n;
  }
  for (EdgeIndex e = 0; e < a.EdgeCount(); ++e) {
    ASSERT_EQ(a.EdgeTarget(e), b.EdgeTarget(e)) << "edge " << e;
    ASSERT_EQ(a.EdgeKind(e), b.EdgeKind(e)) << "edge " << e;
    ASSERT_EQ(a.EdgeName(e), b.EdgeName(e)) << "edge " << e;
  }
}

TEST(SnapshotReaderParallel, ReadsTheSameGraphAsInOrder) {
  ASSERT_GT(Big().size(), 2u << 20) << "the test needs a snapshot past kParallelMinBytes";
  StreamSource stream(Big());
  HeapGraph in_order = ReadSnapshot(stream, "big.heapsnapshot");
  PhaseTimes times;
  HeapGraph parallel = ReadSnapshotFromString(Big(), "big.heapsnapshot", &times);
  ExpectSameGraph(in_order, parallel);
  // The phases say which way it went: the second thread read the edges.
  bool second_thread = false;
  for (const auto& [name, ms] : times.Phases())
    second_thread |= name.find("second thread") != std::string::npos;
  EXPECT_EQ(second_thread, CpusAvailable() >= 2)
      << "a source that can be read at two places is read on two threads where two CPUs are";
}

// Replaces the `nth` occurrence (0-based) of `what` after byte `from` with `with`.
std::string Replace(std::string json, size_t from, const std::string& what, const std::string& with,
                    int nth = 0) {
  size_t at = json.find(what, from);
  for (; nth > 0 && at != std::string::npos; --nth) at = json.find(what, at + 1);
  EXPECT_NE(at, std::string::npos) << what;
  if (at != std::string::npos) json.replace(at, what.size(), with);
  return json;
}

size_t EdgesAt() { return Big().find("\"edges\""); }
size_t StringsAt() { return Big().find("\"strings\""); }
size_t NodesAt() { return Big().find("\"nodes\""); }

// Each broken file: a non-empty message, and the same one both ways.
void ExpectSameError(const std::string& json, const std::string& expected) {
  auto [in_order, parallel] = ErrorsBothWays(json);
  EXPECT_THAT(in_order, HasSubstr(expected));
  EXPECT_EQ(in_order, parallel);
}

TEST(SnapshotReaderParallel, AnErrorInTheEdgesIsTheOneAReaderInOrderGives) {
  // An edge type past meta's list, a third of the way into the edges.
  const size_t third = EdgesAt() + (StringsAt() - EdgesAt()) / 3;
  ExpectSameError(Replace(Big(), third, "\n,2,", "\n,9,"), "has type 9");
  // An edge that points between nodes.
  ExpectSameError(Replace(Big(), third, "\n,2,", "\n,2,3,8,"), "which is not a node");
}

TEST(SnapshotReaderParallel, ACutInsideTheEdgesIsReportedAsTruncated) {
  ExpectSameError(Big().substr(0, EdgesAt() + (StringsAt() - EdgesAt()) / 2), "truncated");
  ExpectSameError(Big().substr(0, StringsAt() + 100), "truncated");
}

TEST(SnapshotReaderParallel, TheEarliestErrorInTheFileWins) {
  // Broken nodes and broken edges: the nodes' error (the edges thread's is dropped).
  std::string both = Replace(Big(), EdgesAt() + 1000, "\n,2,", "\n,9,");
  both = Replace(both, NodesAt() + 1000, ",", ",x");
  ExpectSameError(both, "expected a number");
  // Broken edges and broken strings: the edges' error, though this thread met the strings'.
  std::string later = Replace(Big(), StringsAt(), "\"Session\"", "\"Sess\x01ion\"");
  later = Replace(later, EdgesAt() + (StringsAt() - EdgesAt()) / 2, "\n,2,", "\n,9,");
  ExpectSameError(later, "has type 9");
}

TEST(SnapshotReaderParallel, AnotherLayoutIsReadInOrder) {
  // A key between "nodes" and "edges": the second thread finds no "edges" where it looks.
  std::string json = Replace(Big(), EdgesAt(), "\"edges\"", "\"extra\":[1,2,3],\n\"edges\"");
  StreamSource stream(json);
  PhaseTimes times;
  HeapGraph parallel = ReadSnapshotFromString(json, "big.heapsnapshot", &times);
  ExpectSameGraph(ReadSnapshot(stream, "big.heapsnapshot"), parallel);
  for (const auto& [name, ms] : times.Phases())
    EXPECT_EQ(name.find("second thread"), std::string::npos) << name;
  // Fewer nodes than the header declares: the second thread's guess of where they end is off.
  ExpectSameError(Replace(Big(), 0, "\"node_count\":", "\"node_count\":1"), "nodes");
}

TEST(SnapshotReaderParallel, AFileAndAPipeReadTheSameGraph) {
  testing::TempDir dir;
  const std::string file = dir.File("big.heapsnapshot"), fifo = dir.File("pipe");
  std::ofstream(file, std::ios::binary) << Big();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A pipe has no size and cannot be read at an offset: read in order, with read(2).
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << Big(); });
  HeapGraph from_pipe = ReadSnapshotFile(fifo);
  writer.join();
  PhaseTimes times;
  HeapGraph from_file = ReadSnapshotFile(file, &times);
  ExpectSameGraph(from_pipe, from_file);
  bool second_thread = false;
  for (const auto& [name, ms] : times.Phases())
    second_thread |= name.find("second thread") != std::string::npos;
  EXPECT_EQ(second_thread, CpusAvailable() >= 2);
}

}  // namespace
}  // namespace leakcheck::snapshot
