// Object ids mean the same object only within one process: CheckIdCorrespondence tells two
// snapshots of one process from files whose ids were given independently (Bun renumbers its
// objects in every snapshot; two processes share ids by chance), and `diff` refuses those.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/analysis/diff.h"
#include "harness/common/error.h"
#include "harness/snapshot/reader.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::analysis {
namespace {

using ::testing::HasSubstr;
using testing::TinySnapshot;

std::string Fixture(const std::string& name) {
  return std::string(LEAKCHECK_FIXTURES_DIR) + "/snapshots/" + name;
}

// A heap of `count` objects named by `names` in turn, ids 3, 5, 7, ... (as V8 numbers them).
TinySnapshot Heap(const std::vector<std::string>& names, uint32_t count, uint32_t first_id = 3,
                  uint32_t root_id = 1) {
  TinySnapshot s;
  auto root = s.Node("synthetic", "", 0, root_id);
  for (uint32_t i = 0; i < count; ++i)
    s.Edge(root, "element", std::to_string(i),
           s.Node("object", names[i % names.size()], 16, first_id + 2 * i));
  return s;
}

TEST(IdCorrespondence, OneProcessCorresponds) {
  auto a = Heap({"User", "Order"}, 40).Graph();
  auto b = Heap({"User", "Order"}, 60).Graph();  // grew; every shared id is the same object
  auto check = CheckIdCorrespondence(a, b);
  EXPECT_TRUE(check.ok) << check.reason;
  EXPECT_EQ(check.shared, 41u);
  EXPECT_EQ(check.alike, 41u);
  EXPECT_EQ(check.smaller, 41u);
  EXPECT_NO_THROW(RequireIdCorrespondence(a, b, "a", "b", "diff"));
}

TEST(IdCorrespondence, SharedIdsOfOtherObjectsDoNotCorrespond) {
  // Same ids, different objects behind most of them: another process.
  auto a = Heap({"User", "Order"}, 40).Graph();
  auto b = Heap({"Socket", "Buffer", "Order"}, 40).Graph();
  auto check = CheckIdCorrespondence(a, b);
  EXPECT_FALSE(check.ok);
  EXPECT_EQ(check.shared, 41u);
  EXPECT_LT(check.alike * 2, check.shared);
  EXPECT_THAT(check.reason, HasSubstr("of the 41 object ids they share"));
}

TEST(IdCorrespondence, TheBoundaryIsHalfTheSharedIds) {
  auto a = Heap({"A"}, 40).Graph();          // root + 40 A, all shared below
  auto half = Heap({"A", "B"}, 40).Graph();  // root + 20 A alike: 21 of 41, more than half
  auto check = CheckIdCorrespondence(a, half);
  EXPECT_EQ(check.alike, 21u);
  EXPECT_TRUE(check.ok) << check.reason;
  auto third = Heap({"B", "B", "A"}, 40).Graph();  // root + 13 A alike: 14 of 41
  check = CheckIdCorrespondence(a, third);
  EXPECT_EQ(check.alike, 14u);
  EXPECT_FALSE(check.ok);
}

TEST(IdCorrespondence, NoSharedIdIsRefused) {
  auto a = Heap({"User"}, 10, 1001, 1).Graph();
  auto b = Heap({"User"}, 10, 5001, 2).Graph();
  auto check = CheckIdCorrespondence(a, b);
  EXPECT_EQ(check.shared, 0u);
  EXPECT_FALSE(check.ok);
  EXPECT_EQ(check.reason, "they share no object id");
}

TEST(IdCorrespondence, BunSnapshotsAreRefusedByDiff) {
  auto s1 = snapshot::ReadSnapshotFile(Fixture("bun-ids-1.heapsnapshot"));
  auto s2 = snapshot::ReadSnapshotFile(Fixture("bun-ids-2.heapsnapshot"));
  auto check = CheckIdCorrespondence(s1, s2);
  EXPECT_FALSE(check.ok) << "shared " << check.shared << ", alike " << check.alike;
  try {
    RequireIdCorrespondence(s1, s2, "bun-ids-1.heapsnapshot", "bun-ids-2.heapsnapshot", "diff");
    FAIL() << "Bun's renumbered ids were compared";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_THAT(e.what(), HasSubstr("bun-ids-1.heapsnapshot and bun-ids-2.heapsnapshot are not "
                                    "snapshots of one process"));
  }
}

TEST(IdCorrespondence, ASnapshotCorrespondsToItself) {
  auto s1 = snapshot::ReadSnapshotFile(Fixture("bun-ids-1.heapsnapshot"));
  auto check = CheckIdCorrespondence(s1, s1);
  EXPECT_TRUE(check.ok);
  EXPECT_EQ(check.shared, s1.NodeCount());
  EXPECT_EQ(check.alike, check.shared);
}

}  // namespace
}  // namespace leakcheck::analysis
