// Fuzzes the heap snapshot reader (ReadSnapshotFromString, the same streaming code that reads
// files) and, on graphs it accepts, the whole analysis: a parsed-but-odd graph (dangling
// edges, self loops, unreachable cycles, zero-sized nodes) is what the analysis must survive.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/analysis/diff.h"
#include "harness/analysis/summary.h"
#include "harness/common/error.h"
#include "harness/snapshot/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  leakcheck::snapshot::HeapGraph graph;
  try {
    graph = leakcheck::snapshot::ReadSnapshotFromString(json, "fuzz.heapsnapshot");
  } catch (const leakcheck::Error&) {
    return 0;  // rejected input: the expected outcome for most mutations
  }
  leakcheck::analysis::SummaryOptions options;
  options.top_classes = 5;
  options.top_objects = 5;
  (void)leakcheck::analysis::Summarize(graph, "fuzz.heapsnapshot", options);
  (void)leakcheck::analysis::DiffSnapshots(graph, graph);
  return 0;
}
