#include "harness/snapshot/reader.h"

#include <cstring>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::snapshot {
namespace {

using ::testing::HasSubstr;
using testing::TinySnapshot;

TinySnapshot ThreeObjects() {
  TinySnapshot s;
  uint32_t root = s.Node("synthetic", "", 0);
  uint32_t gc = s.Node("synthetic", "(GC roots)", 0);
  uint32_t map = s.Node("object", "Map", 32);
  uint32_t table = s.Node("array", "", 1000);
  uint32_t fn = s.Node("closure", "handler", 64);
  s.Edge(root, "element", "1", gc);
  s.Edge(gc, "property", "userCache", map);
  s.Edge(map, "internal", "table", table);
  s.Edge(gc, "property", "onRequest", fn);
  s.Edge(fn, "weak", "map", map);
  s.Location(fn, 7, 41, 2);
  return s;
}

// Reads `json` and returns the error message, or "" when it parsed.
std::string ErrorOf(const std::string& json) {
  try {
    ReadSnapshotFromString(json, "bad.heapsnapshot");
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("bad.heapsnapshot")) << "the message names the file";
    return e.what();
  }
  return "";
}

TEST(SnapshotReader, ReadsNodesEdgesStringsAndLocations) {
  HeapGraph g = ThreeObjects().Graph();
  ASSERT_EQ(g.NodeCount(), 5u);
  ASSERT_EQ(g.EdgeCount(), 5u);
  EXPECT_EQ(g.Name(2), "Map");
  EXPECT_EQ(g.Type(2), NodeType::kObject);
  EXPECT_EQ(g.SelfSize(3), 1000u);
  EXPECT_EQ(g.Id(2), 5u);
  EXPECT_EQ(g.TotalSize(), 32u + 1000u + 64u);
  EXPECT_EQ(g.EndEdge(1) - g.FirstEdge(1), 2u);
  EdgeIndex e = g.FirstEdge(1);
  EXPECT_EQ(g.EdgeKind(e), EdgeType::kProperty);
  EXPECT_EQ(g.EdgeName(e), "userCache");
  EXPECT_EQ(g.EdgeTarget(e), 2u);
  EXPECT_EQ(g.EdgeName(g.FirstEdge(0)), "1");  // element edges name an index
  const Location* loc = g.LocationOf(4);
  ASSERT_NE(loc, nullptr);
  EXPECT_EQ(loc->script_id, 7u);
  EXPECT_EQ(loc->line, 41u);
  EXPECT_EQ(g.LocationOf(2), nullptr);
}

TEST(SnapshotReader, RetainersCoverEveryEdge) {
  HeapGraph g = ThreeObjects().Graph();
  Retainers r(g);
  // The Map is retained by (GC roots) (property) and by the closure (weak).
  ASSERT_EQ(r.End(2) - r.Begin(2), 2u);
  std::vector<std::pair<NodeIndex, EdgeType>> seen;
  for (uint32_t s = r.Begin(2); s < r.End(2); ++s) {
    seen.emplace_back(r.From(s), r.Type(s));
    EXPECT_EQ(g.EdgeTarget(r.Edge(2, s)), 2u);
  }
  EXPECT_THAT(seen, ::testing::UnorderedElementsAre(std::pair{1u, EdgeType::kProperty},
                                                    std::pair{4u, EdgeType::kWeak}));
  uint32_t total = 0;
  for (NodeIndex n = 0; n < g.NodeCount(); ++n) total += r.End(n) - r.Begin(n);
  EXPECT_EQ(total, g.EdgeCount());
}

TEST(SnapshotReader, EveryEdgeKnowsItsOwnerPastNodesWithoutEdges) {
  // Nodes without edges share their offset with the next node: the owner is the one whose
  // range holds the edge, whatever lies around it.
  TinySnapshot s;
  const uint32_t root = s.Node("synthetic", "", 0);
  const uint32_t empty1 = s.Node("object", "Empty", 8);
  const uint32_t a = s.Node("object", "A", 8);
  const uint32_t empty2 = s.Node("object", "Empty", 8);
  const uint32_t b = s.Node("object", "B", 8);
  s.Edge(root, "property", "a", a);
  s.Edge(root, "property", "b", b);
  s.Edge(a, "property", "e1", empty1);
  s.Edge(a, "property", "e2", empty2);
  s.Edge(b, "property", "a", a);
  HeapGraph g = s.Graph();
  for (NodeIndex n = 0; n < g.NodeCount(); ++n)
    for (EdgeIndex e = g.FirstEdge(n); e < g.EndEdge(n); ++e)
      EXPECT_EQ(g.EdgeOwner(e), n) << "edge " << e;
  EXPECT_EQ(g.EdgeOwner(g.EdgeCount() - 1), b);
}

TEST(SnapshotReader, ClassNamesFollowDevTools) {
  TinySnapshot s;
  uint32_t root = s.Node("synthetic", "", 0);
  uint32_t a = s.Node("hidden", "system / Context", 8);
  uint32_t b = s.Node("code", "foo", 8);
  uint32_t c = s.Node("string", "hello", 8);
  uint32_t d = s.Node("native", "Node / Blob", 8);
  s.Detached(d);
  for (uint32_t n : {a, b, c, d}) s.Edge(root, "element", std::to_string(n), n);
  HeapGraph g = s.Graph();
  EXPECT_EQ(g.ClassName(a), "(system)");
  EXPECT_EQ(g.ClassName(b), "(compiled code)");
  EXPECT_EQ(g.ClassName(c), "(string)");
  EXPECT_EQ(g.ClassName(d), "Detached Node / Blob");
}

TEST(SnapshotReader, UnescapesStringsIncludingSurrogates) {
  TinySnapshot s;
  s.Node("synthetic", "", 0);
  std::string json = s.Json();
  // Replace the strings table with escapes of every kind.
  const std::string with_raw_tab =
      R"("strings":["a\"b\\c\/\n\t", "caf\u00e9", "\ud83d\ude00", "lone \ud800 x", "tab	raw"]})";
  json = json.substr(0, json.rfind("\"strings\":[")) + with_raw_tab;
  // A raw control character inside a string is invalid JSON.
  EXPECT_THAT(ErrorOf(json), HasSubstr("control character"));
  json = json.substr(0, json.rfind("\"strings\":[")) +
         R"("strings":["a\"b\\c\/\n\t", "caf\u00e9", "\ud83d\ude00", "lone \ud800 x"]})";
  HeapGraph g = ReadSnapshotFromString(json);
  EXPECT_EQ(g.String(0), "a\"b\\c/\n\t");
  EXPECT_EQ(g.String(1), "caf\xC3\xA9");
  EXPECT_EQ(g.String(2), "\xF0\x9F\x98\x80");
  EXPECT_EQ(g.String(3), "lone \xEF\xBF\xBD x");
}

TEST(SnapshotReader, HonoursFieldOrderFromMeta) {
  // Same graph, node fields in another order: offsets must come from meta.
  std::string json =
      R"({"snapshot":{"meta":{"node_fields":["id","edge_count","self_size","name","type"],)"
      R"("node_types":["number","number","number","string",["synthetic","object"]],)"
      R"("edge_fields":["to_node","type","name_or_index"],"edge_types":["node",["property","weak"],"string_or_number"]},)"
      R"("node_count":2,"edge_count":1},"nodes":[1,1,0,0,0, 3,0,48,1,1],"edges":[5,0,2],"strings":["","Foo","bar"]})";
  HeapGraph g = ReadSnapshotFromString(json);
  ASSERT_EQ(g.NodeCount(), 2u);
  EXPECT_EQ(g.Id(1), 3u);
  EXPECT_EQ(g.SelfSize(1), 48u);
  EXPECT_EQ(g.ClassName(1), "Foo");
  EXPECT_EQ(g.EdgeName(0), "bar");
  EXPECT_EQ(g.EdgeTarget(0), 1u);
}

// A source that hands out one byte at a time exercises every buffer boundary.
class TrickleSource : public ByteSource {
 public:
  explicit TrickleSource(std::string data) : data_(std::move(data)) {}
  size_t Read(char* buffer, size_t n) override {
    if (pos_ == data_.size() || n == 0) return 0;
    buffer[0] = data_[pos_++];
    return 1;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

TEST(SnapshotReader, ByteAtATimeReadsTheSameGraph) {
  TinySnapshot s = ThreeObjects();
  TrickleSource source(s.Json());
  HeapGraph a = ReadSnapshot(source, "trickle");
  HeapGraph b = s.Graph();
  ASSERT_EQ(a.NodeCount(), b.NodeCount());
  ASSERT_EQ(a.EdgeCount(), b.EdgeCount());
  for (NodeIndex n = 0; n < a.NodeCount(); ++n) EXPECT_EQ(a.Name(n), b.Name(n));
  for (EdgeIndex e = 0; e < a.EdgeCount(); ++e) EXPECT_EQ(a.EdgeTarget(e), b.EdgeTarget(e));
}

TEST(SnapshotReader, EveryTruncationIsAnErrorNeverACrash) {
  std::string json = ThreeObjects().Json();
  for (size_t len = 0; len < json.size(); ++len) {
    std::string message = ErrorOf(json.substr(0, len));
    EXPECT_FALSE(message.empty()) << "prefix of " << len << " bytes was accepted";
  }
  EXPECT_THAT(ErrorOf(json.substr(0, json.find("\"edges\"") + 20)), HasSubstr("truncated"));
}

TEST(SnapshotReader, RejectsEmptyAndNonJsonAndNonSnapshots) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("empty file"));
  EXPECT_THAT(ErrorOf("   \n"), HasSubstr("empty file"));
  EXPECT_THAT(ErrorOf("<html>"), HasSubstr("not a V8 heap snapshot"));
  EXPECT_THAT(ErrorOf(R"({"name": "package.json", "version": "1.0.0"})"),
              HasSubstr("not a V8 heap snapshot"));
  EXPECT_THAT(ErrorOf(R"({"snapshot": {"meta": {}}})"), HasSubstr("node_fields"));
  EXPECT_THAT(ErrorOf(R"({"snapshot": 5})"), HasSubstr("meta"));
}

TEST(SnapshotReader, RejectsOutOfRangeValues) {
  std::string good = ThreeObjects().Json();
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  // Edge target beyond the nodes array, and one not on a node boundary.
  EXPECT_THAT(ErrorOf(replace("\"edges\":[1,1,7", "\"edges\":[1,1,700")), HasSubstr("not a node"));
  EXPECT_THAT(ErrorOf(replace("\"edges\":[1,1,7", "\"edges\":[1,1,8")), HasSubstr("not a node"));
  // A name index past the strings table.
  EXPECT_THAT(ErrorOf(replace("\"nodes\":[9,0,", "\"nodes\":[9,999,")),
              HasSubstr("node 0 names string 999, but there are only 8 strings"));
  // An edge named by a string index past the table; an element index that large is fine.
  EXPECT_THAT(ErrorOf(replace("\"edges\":[1,1,7", "\"edges\":[2,999,7")),
              HasSubstr("edge 0 names string 999, but there are only 8 strings"));
  EXPECT_EQ(ErrorOf(replace("\"edges\":[1,1,7", "\"edges\":[1,999,7")), "");
  // An edge type index past meta's type list. (A node type past the list is read as unknown:
  // HandedSnapshots.NodeTypePastTheMetaListIsReadAsUnknown.)
  EXPECT_THAT(ErrorOf(replace("\"edges\":[1,1,7", "\"edges\":[99,1,7")), HasSubstr("edge types"));
  // Counts that disagree with the arrays.
  EXPECT_THAT(ErrorOf(replace("\"node_count\":5", "\"node_count\":6")), HasSubstr("node_count"));
  EXPECT_THAT(ErrorOf(replace("\"edge_count\":5", "\"edge_count\":4")), HasSubstr("edge_count"));
  // An array whose length is not a multiple of the field count.
  EXPECT_THAT(ErrorOf(replace("\"edges\":[1,1,7\n", "\"edges\":[1,1,7,1\n")), HasSubstr("edge"));
  // Garbage inside a numeric array, and a negative number.
  EXPECT_THAT(ErrorOf(replace("\"nodes\":[9,", "\"nodes\":[9x,")), HasSubstr("malformed JSON"));
  EXPECT_THAT(ErrorOf(replace("\"nodes\":[9,", "\"nodes\":[-9,")), HasSubstr("malformed JSON"));
  EXPECT_THAT(ErrorOf(replace("\"nodes\":[9,", "\"nodes\":[99999999999999999999999,")),
              HasSubstr("too large"));
}

TEST(SnapshotReader, MissingFileIsAUsageError) {
  try {
    ReadSnapshotFile("/nonexistent/x.heapsnapshot");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/x.heapsnapshot: cannot open"));
  }
}

}  // namespace
}  // namespace leakcheck::snapshot
