#include "harness/cdp/message.h"

#include <gtest/gtest.h>

namespace leakcheck::cdp {
namespace {

TEST(MessageParser, DecodesResponsesEventsAndErrors) {
  MessageParser parser;
  std::string problem;
  auto response = parser.Parse(R"({"id":7,"result":{"usedSize":12}})", &problem);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->id, 7);
  EXPECT_EQ(response->result, R"({"usedSize":12})");
  EXPECT_TRUE(response->error.empty());

  auto event =
      parser.Parse(R"({"method":"HeapProfiler.reportHeapSnapshotProgress","params":{}})", &problem);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->id, -1);
  EXPECT_EQ(event->method, "HeapProfiler.reportHeapSnapshotProgress");

  auto error =
      parser.Parse(R"({"id":2,"error":{"code":-32601,"message":"no such method"}})", &problem);
  ASSERT_TRUE(error);
  EXPECT_EQ(InspectorErrorText(error->error), "no such method (-32601)");
  EXPECT_EQ(InspectorErrorText(R"({"code":1})"), R"({"code":1})");
}

TEST(MessageParser, ReportsBadJsonAndNonObjects) {
  MessageParser parser;
  std::string problem;
  EXPECT_FALSE(parser.Parse(R"({"id":1,"method":"unterminated)", &problem));
  EXPECT_NE(problem.find("bad JSON from the inspector"), std::string::npos) << problem;
  EXPECT_FALSE(parser.Parse(R"({"id":)", &problem));
  EXPECT_FALSE(parser.Parse("[1,2]", &problem));
  EXPECT_EQ(problem, "inspector sent a non-object message");
  auto odd_id = parser.Parse(R"({"id":"7","method":"X"})", &problem);
  ASSERT_TRUE(odd_id);
  EXPECT_EQ(odd_id->id, -1);
}

TEST(SnapshotChunk, FastLayoutStaysEscapedOtherLayoutsAreUnescaped) {
  std::string fast =
      std::string(kSnapshotChunkPrefix) + R"(a\"b)" + std::string(kSnapshotChunkSuffix);
  ASSERT_TRUE(EscapedSnapshotChunk(fast));
  EXPECT_EQ(*EscapedSnapshotChunk(fast), R"(a\"b)");
  EXPECT_FALSE(EscapedSnapshotChunk(kSnapshotChunkPrefix));

  MessageParser parser;
  std::string problem;
  auto chunk = parser.SnapshotChunk(
      R"({"params":{"chunk":"a\"b"},"method":"HeapProfiler.addHeapSnapshotChunk"})", &problem);
  ASSERT_TRUE(chunk);
  EXPECT_EQ(*chunk, "a\"b");
  EXPECT_FALSE(parser.SnapshotChunk(R"({"params":{"chunk":5}})", &problem));
  EXPECT_EQ(problem, "malformed addHeapSnapshotChunk event");
}

// Found by fuzzing (tests/fuzz/corpus/cdp_message/regress_error_unbalanced_bracket): the raw
// `error` slice of a malformed message reached simdjson's "unreachable" in an on-demand lookup.
TEST(InspectorErrorText, MalformedErrorJsonComesBackAsIs) {
  MessageParser parser;
  std::string problem;
  auto decoded = parser.Parse(
      R"({"id":5,"error":{"code":-32601,"message":"'Foo.bar' wasn't found"]}})", &problem);
  if (decoded && !decoded->error.empty()) {
    EXPECT_EQ(InspectorErrorText(decoded->error), decoded->error);
  }
  EXPECT_EQ(InspectorErrorText(R"({"code":1,"message":"x"])"), R"({"code":1,"message":"x"])");
}

}  // namespace
}  // namespace leakcheck::cdp
