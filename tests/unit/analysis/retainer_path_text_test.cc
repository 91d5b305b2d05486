// How a retainer path is printed (issue 13): a repeated hop or block prints once with its count,
// and a path too long to show whole keeps the first variable the app's code names beside its
// root and its last hops. Hand-made snapshots of the field cases' shapes (../shared/cases/leaks:
// weakmap-chain's `history` list, promise-race's reactions on `shuttingDown`).
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/analysis/paths.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::analysis {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TinySnapshot;

// Node's request handler chain as V8 writes it: the root → Node / TCPServerWrap → TCP → Server →
// _events → (closure) "request" → its Context. Returns the Context; `script` names the
// handler's file.
uint32_t Handler(TinySnapshot& s, uint32_t root, const std::string& script) {
  auto wrap = s.Node("native", "Node / TCPServerWrap", 0);
  auto tcp = s.Node("object", "TCP", 24);
  auto server = s.Node("object", "Server", 100);
  auto events = s.Node("object", "Object", 24);
  auto request = s.Node("closure", "", 32);
  auto shared = s.Node("code", "(shared function info)", 40);
  auto file = s.Node("code", script, 100);
  auto ctx = s.Node("object", "system / Context", 40);
  s.Edge(root, "element", "1", wrap);
  s.Edge(wrap, "internal", "native_to_javascript", tcp);
  s.Edge(tcp, "property", "<symbol owner_symbol>", server);
  s.Edge(server, "property", "_events", events);
  s.Edge(events, "property", "request", request);
  s.Edge(request, "internal", "shared", shared);
  s.Edge(shared, "internal", "script", file);
  s.Edge(request, "internal", "context", ctx);
  return ctx;
}

// `let history` holding a linked list of `length` jobs; returns the last job and the first.
struct Chain {
  uint32_t first, last, id_of_last;
};
Chain History(TinySnapshot& s, uint32_t ctx, int length) {
  Chain c{};
  uint32_t at = s.Node("object", "Object", 40);
  c.first = at;
  s.Edge(ctx, "context", "history", at);
  for (int i = 1; i < length; ++i) {
    auto prev = s.Node("object", "Object", 40);
    s.Edge(at, "property", "prev", prev);
    at = prev;
  }
  c.last = at;
  c.id_of_last = s.Node("string", "/jobs/1", 24);
  s.Edge(at, "property", "id", c.id_of_last);
  return c;
}

TEST(RetainerPathText, RepeatedHopPrintsOnceWithItsCount) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto ctx = Handler(s, root, "/srv/app.js");
  auto chain = History(s, ctx, 1201);
  HeapGraph g = s.Graph();
  RetainerPaths paths(g);
  EXPECT_EQ(paths.Format(chain.id_of_last, 10),
            "Node / TCPServerWrap → TCP (native_to_javascript) → "
            "Server \"<symbol owner_symbol>\" → Object \"_events\" → (closure) \"request\" → "
            "system / Context (context) → Object \"history\" → Object \"prev\" ×1,200 → "
            "(string) \"id\"");
  EXPECT_EQ(paths.PathTo(chain.id_of_last).size(), 1208u) << "the path itself is unchanged";
}

TEST(RetainerPathText, LongPathKeepsTheNamedHolder) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto ctx = Handler(s, root, "/srv/app.js");
  auto chain = History(s, ctx, 1201);
  auto payload = s.Node("object", "Object", 40);
  auto body = s.Node("object", "Object", 40);
  auto text = s.Node("string", "{}", 4000);
  s.Edge(chain.last, "property", "payload", payload);
  s.Edge(payload, "property", "body", body);
  s.Edge(body, "property", "text", text);
  HeapGraph g = s.Graph();
  RetainerPaths paths(g);
  // Eleven units; five shown: the root, the holder and the hop before it, the last two.
  EXPECT_EQ(paths.Format(text, 5),
            "Node / TCPServerWrap → … → system / Context (context) → Object \"history\" → … → "
            "Object \"body\" → (string) \"text\"");
  const std::string eight = paths.Format(text, 8);
  EXPECT_THAT(eight, HasSubstr("Object \"history\" → Object \"prev\" ×1,200")) << eight;
  EXPECT_EQ(paths.Format(text, 2), "Node / TCPServerWrap → … → (string) \"text\"")
      << "no room for the holder in two hops";
}

TEST(RetainerPathText, HolderIsTheAppsVariableNotNodes) {
  // A listener list held by a variable of node:events (`list`) under the app's handler: the
  // holder kept is the app's `bus`, the first variable whose function was not written in node:*.
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto ctx = Handler(s, root, "node:_http_server");
  auto internal = s.Node("object", "Object", 24);
  s.Edge(ctx, "context", "kState", internal);
  auto handler = s.Node("closure", "onRequest", 32);
  auto shared = s.Node("code", "onRequest", 40);
  auto file = s.Node("code", "/srv/app.js", 100);
  auto app_ctx = s.Node("object", "system / Context", 40);
  s.Edge(internal, "property", "handler", handler);
  s.Edge(handler, "internal", "shared", shared);
  s.Edge(shared, "internal", "script", file);
  s.Edge(handler, "internal", "context", app_ctx);
  auto bus = s.Node("object", "EventEmitter", 40);
  s.Edge(app_ctx, "context", "bus", bus);
  uint32_t at = bus;
  for (const char* hop : {"_events", "a", "b", "c", "d", "e", "f", "g", "h"}) {
    auto next = s.Node("object", "Object", 24);
    s.Edge(at, "property", hop, next);
    at = next;
  }
  HeapGraph g = s.Graph();
  RetainerPaths paths(g);
  const std::string text = paths.Format(at, 8);
  EXPECT_THAT(text, HasSubstr("system / Context (context) → EventEmitter \"bus\"")) << text;
  EXPECT_THAT(text, Not(HasSubstr("kState"))) << text;
  EXPECT_THAT(text, HasSubstr("Object \"h\"")) << text;
}

TEST(RetainerPathText, RepeatedBlockOfHopsCollapses) {
  // A promise's reactions: Promise → (reactions_or_result) → PromiseReaction → (next) → … , the
  // leaking race promises hanging off the last one: `shuttingDown` must stay in view.
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto ctx = Handler(s, root, "/srv/server.js");
  auto promise = s.Node("object", "Promise", 32);
  s.Edge(ctx, "context", "shuttingDown", promise);
  auto reaction = s.Node("hidden", "system / PromiseReaction", 24);
  s.Edge(promise, "internal", "reactions_or_result", reaction);
  for (int i = 0; i < 500; ++i) {
    auto handler = s.Node("hidden", "system / PromiseReactionJobTask", 16);
    auto next = s.Node("hidden", "system / PromiseReaction", 24);
    s.Edge(reaction, "hidden", "0", handler);
    s.Edge(handler, "internal", "next", next);
    reaction = next;
  }
  auto profile = s.Node("object", "Object", 64);
  s.Edge(reaction, "internal", "fulfill_handler", profile);
  HeapGraph g = s.Graph();
  RetainerPaths paths(g);
  const std::string text = paths.Format(profile, 8);
  EXPECT_THAT(text, HasSubstr("Promise \"shuttingDown\" → (reactions_or_result)")) << text;
  EXPECT_THAT(text, HasSubstr("((system) (hidden 0), (next)) ×500")) << text;
  EXPECT_THAT(text, HasSubstr("(fulfill_handler)")) << text;
}

TEST(RetainerPathText, MembersOfOneChainShareASignature) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0);
  auto ctx = Handler(s, root, "/srv/app.js");
  auto chain = History(s, ctx, 300);
  HeapGraph g = s.Graph();
  RetainerPaths paths(g);
  // The 300th job and the 100th (the last's 200th predecessor along the list) differ in depth.
  uint32_t hundredth = chain.first;
  for (int i = 1; i < 100; ++i)
    hundredth = g.EdgeTarget(g.FirstEdge(hundredth));  // its only edge: "prev"
  EXPECT_EQ(paths.Signature(chain.last), paths.Signature(hundredth));
  EXPECT_THAT(paths.Signature(chain.last), HasSubstr("Object \"prev\" ×N"));
  EXPECT_THAT(paths.Format(chain.last), HasSubstr("Object \"prev\" ×299"));
}

}  // namespace
}  // namespace leakcheck::analysis
