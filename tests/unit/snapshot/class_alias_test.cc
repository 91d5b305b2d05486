// Minified class names (snapshot/class_alias.cc): instances of a constructor a bundler renamed
// ("u") take the name its package exports it under ("LRUCache (u)").
#include <gtest/gtest.h>

#include "tests/support/tiny_snapshot.h"

namespace leakcheck::snapshot {
namespace {

using testing::TinySnapshot;

// An exports object {<exported>: <minified closure>}, two instances of the minified class, and
// the closure's prototype (whose "constructor" edge names nothing).
struct Bundle {
  TinySnapshot s;
  uint32_t root, exports, ctor, a, b;
  explicit Bundle(const std::string& exported, const std::string& minified = "u") {
    root = s.Node("synthetic", "", 0);
    exports = s.Node("object", "Object", 32);
    ctor = s.Node("closure", minified, 64);
    uint32_t proto = s.Node("object", "Object", 32);
    a = s.Node("object", minified, 48);
    b = s.Node("object", minified, 48);
    s.Edge(root, "property", "exports", exports);
    s.Edge(exports, "property", exported, ctor);
    s.Edge(ctor, "property", "prototype", proto);
    s.Edge(proto, "property", "constructor", ctor);
    s.Edge(root, "property", "cache", a);
    s.Edge(root, "property", "other", b);
  }
};

TEST(MinifiedClasses, TakeTheNameTheyAreExportedUnder) {
  Bundle bundle("LRUCache");
  HeapGraph g = bundle.s.Graph();
  EXPECT_EQ(g.ClassName(bundle.a), "LRUCache (u)");
  EXPECT_EQ(g.ClassName(bundle.b), "LRUCache (u)");
  EXPECT_EQ(g.Name(bundle.ctor), "u") << "the function keeps its own name";
  EXPECT_EQ(g.ClassName(bundle.exports), "Object");
}

TEST(MinifiedClasses, NamesThatAreNotMinifiedOrNotFriendlyStay) {
  Bundle long_name("LRUCache", "Cache");  // three or more characters: a real name
  EXPECT_EQ(long_name.s.Graph().ClassName(long_name.a), "Cache");
  Bundle generic("default");  // `exports.default = u` says nothing
  EXPECT_EQ(generic.s.Graph().ClassName(generic.a), "u");
  Bundle same("u");
  EXPECT_EQ(same.s.Graph().ClassName(same.a), "u");
}

TEST(MinifiedClasses, AnAmbiguousNameStays) {
  // Two bundles each export a different class minified to "u": which one an object is, the
  // name cannot tell, so none is renamed.
  Bundle bundle("LRUCache");
  uint32_t other_exports = bundle.s.Node("object", "Object", 32);
  uint32_t other_ctor = bundle.s.Node("closure", "u", 64);
  bundle.s.Edge(bundle.root, "property", "exports2", other_exports);
  bundle.s.Edge(other_exports, "property", "Parser", other_ctor);
  EXPECT_EQ(bundle.s.Graph().ClassName(bundle.a), "u");
}

}  // namespace
}  // namespace leakcheck::snapshot
