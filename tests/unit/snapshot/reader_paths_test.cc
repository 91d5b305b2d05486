// The reader reads the same graph and gives the same errors whatever its source (memory, a stream
// in chunks), and its 8-byte string scan stops at every position of an escape. (An earlier
// version parsed "edges" on a second thread for sources that can be reopened, which these tests
// compared with the stream; on the shared 2-core machine it gained nothing and was removed.)
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "harness/snapshot/reader.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::snapshot {
namespace {

using ::testing::HasSubstr;
using testing::TinySnapshot;

// A stream handing out whole chunks.
class StreamSource : public ByteSource {
 public:
  explicit StreamSource(std::string data) : data_(std::move(data)) {}
  size_t Read(char* buffer, size_t n) override {
    n = std::min(n, data_.size() - pos_);
    data_.copy(buffer, n, pos_);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// A chain of `n` objects with a few edges each (a few hundred KiB of JSON: many buffer refills).
TinySnapshot Chain(uint32_t n) {
  TinySnapshot s;
  uint32_t root = s.Node("synthetic", "", 0);
  uint32_t prev = root;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t node = s.Node(i % 3 ? "object" : "array", fmt::format("C{}", i % 17), 16 + i % 50);
    s.Edge(prev, "property", "next", node);
    s.Edge(node, "weak", "back", root);
    prev = node;
  }
  return s;
}

// The graph or the error message, by each path.
std::string Read(const std::string& json, bool stream) {
  try {
    HeapGraph g;
    if (stream) {
      StreamSource source(json);
      g = ReadSnapshot(source, "x.heapsnapshot");
    } else {
      g = ReadSnapshotFromString(json, "x.heapsnapshot");
    }
    std::string out = fmt::format("{} nodes {} edges;", g.NodeCount(), g.EdgeCount());
    for (EdgeIndex e = 0; e < g.EdgeCount(); ++e)
      out +=
          fmt::format(" {}:{}:{}", static_cast<int>(g.EdgeKind(e)), g.EdgeName(e), g.EdgeTarget(e));
    return out;
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

TEST(ReaderPaths, MemoryAndStreamReadTheSameGraph) {
  const std::string json = Chain(20000).Json();
  const std::string ahead = Read(json, false);
  EXPECT_THAT(ahead, HasSubstr("20001 nodes 40000 edges;"));
  EXPECT_EQ(ahead, Read(json, true));
}

TEST(ReaderPaths, ErrorsAreTheSameOnBothPaths) {
  const std::string json = Chain(300).Json();
  // Every cut, and a corruption in each array: the message (and its byte offsets) must not
  // depend on which thread read the edges.
  for (size_t len = json.find("\"nodes\""); len < json.size(); len += 37) {
    std::string cut = json.substr(0, len);
    ASSERT_EQ(Read(cut, false), Read(cut, true)) << "cut at " << len;
  }
  for (const char* section : {"\"nodes\":[", "\"edges\":[", "\"strings\":["}) {
    for (const char* junk : {"x", "-", "\"", "]", "\0"}) {
      std::string bad = json;
      bad.insert(json.find(section) + std::string(section).size() + 40, junk, 1);
      const std::string message = Read(bad, false);
      // (Inside "strings" the junk may land within a string, where it is just text.)
      if (std::string(section) != "\"strings\":[") {
        EXPECT_EQ(message.rfind("error:", 0), 0u) << section << " + " << junk;
      }
      EXPECT_EQ(message, Read(bad, true)) << section << " + " << junk;
    }
  }
}

TEST(ReaderPaths, AKeyBetweenNodesAndEdgesIsReadInOrder) {
  std::string json = Chain(50).Json();
  const std::string plain = Read(json, true);
  json.insert(json.find("\"edges\":["), R"("trace_function_infos":[],"samples":["x"],)");
  EXPECT_EQ(Read(json, false), plain);
  EXPECT_EQ(Read(json, true), plain);
}

TEST(ReaderPaths, StringsAreUnescapedAtEveryPositionOfABlock) {
  // An escape, a quote and a multi-byte character at every offset 0..19 of strings of every
  // length up to 24: the 8-byte scan must stop at exactly the right byte.
  TinySnapshot s;
  s.Node("synthetic", "", 0);
  std::string json = s.Json();
  std::string table = "\"strings\":[";
  std::vector<std::string> expected;
  for (size_t len = 0; len <= 24; ++len)
    for (size_t at = 0; at <= len && at < 20; ++at)
      for (const auto& [raw, text] : {std::pair<std::string, std::string>{"\\\"", "\""},
                                      {"\\\\", "\\"},
                                      {"\\n", "\n"},
                                      {"\\u00e9", "\xC3\xA9"},
                                      {"\xC3\xA9", "\xC3\xA9"}}) {
        std::string head(at, 'a'), tail(len - at, 'b');
        table += (expected.empty() ? "\"" : ",\"") + head + raw + tail + "\"";
        expected.push_back(head + text + tail);
      }
  table += "]}";
  json = json.substr(0, json.rfind("\"strings\":[")) + table;
  HeapGraph g = ReadSnapshotFromString(json);
  ASSERT_GE(g.StringCount(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    ASSERT_EQ(g.String(static_cast<StringIndex>(i)), expected[i]) << "string " << i;
  // A raw control character is refused wherever it stands in a block.
  for (size_t at = 0; at < 16; ++at) {
    std::string bad = json.substr(0, json.rfind("\"strings\":[")) + "\"strings\":[\"" +
                      std::string(at, 'a') + "\x01" + "\"]}";
    EXPECT_THAT(Read(bad, false), HasSubstr("control character")) << "at " << at;
  }
}

}  // namespace
}  // namespace leakcheck::snapshot
