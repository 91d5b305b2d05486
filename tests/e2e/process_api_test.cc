// The process + cdp public API used in-process (as `leakcheck run` will), against real node.
#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/cdp/checkpoint.h"
#include "harness/cdp/session.h"
#include "harness/common/error.h"
#include "harness/process/app_registry.h"
#include "harness/process/node_app.h"
#include "tests/e2e/process_e2e_util.h"

namespace leakcheck::e2e {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

process::AppSpec ServerSpec(const std::filesystem::path& dir) {
  process::AppSpec spec;
  spec.argv = {"node", App("server.js")};
  spec.ready.log_regex = R"(listening on (\d+))";
  spec.log_dir = dir;
  return spec;
}

// Starts the app, connects a session with the app monitor, and kills the group at scope exit.
struct Fixture {
  explicit Fixture(process::AppSpec spec) : app(std::move(spec)) {
    app.Start();
    app.WaitReady();
    session.SetAppMonitor([this](milliseconds grace) { return app.DescribeExit(grace); });
    session.Connect(app.inspector_url());
  }
  process::NodeApp app;
  cdp::Session session;
};

TEST(ProcessApi, ReadyByLogTakesThePortFromGroupOneAndEvaluates) {
  auto dir = TestDir("api-eval");
  pid_t pgid;
  {
    Fixture f(ServerSpec(dir));
    pgid = f.app.pgid();
    EXPECT_GT(f.app.port(), 0);
    EXPECT_THAT(f.app.inspector_url(), ::testing::StartsWith("ws://127.0.0.1:"));
    EXPECT_EQ(f.session.Evaluate("1 + 2").json, "3");
    EXPECT_EQ(f.session.Evaluate("({a: [1, 'x'], b: null})").json, R"({"a":[1,"x"],"b":null})");
    EXPECT_EQ(f.session.Evaluate("undefined").type, "undefined");
    EXPECT_EQ(f.session.Evaluate("Promise.resolve('later')", {.await_promise = true}).json,
              "\"later\"");
    EXPECT_EQ(f.session.Evaluate("Number(process.env.PORT)").json, std::to_string(f.app.port()));
    try {
      f.session.Evaluate("nope()");
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.stage(), "cdp: Runtime.evaluate");
      EXPECT_THAT(e.detail(), HasSubstr("ReferenceError"));
    }
    cdp::HeapUsage usage = f.session.GetHeapUsage();
    EXPECT_GT(usage.used, 0);
    EXPECT_GE(usage.total, usage.used);
    process::StopResult stop = f.app.Stop();
    EXPECT_TRUE(stop.was_running);
    EXPECT_FALSE(stop.killed);
    EXPECT_FALSE(f.app.running());
  }
  EXPECT_TRUE(GroupGone(pgid));
  EXPECT_EQ(process::LiveAppGroupCount(), 0);
  std::filesystem::remove_all(dir);
}

TEST(ProcessApi, HeapReturnsToBaselineAfterDropping100MB) {
  auto dir = TestDir("api-heap");
  Fixture f(ServerSpec(dir));
  cdp::Measurement before = cdp::TakeCheckpoint(f.session, {});
  EXPECT_GT(std::stoll(f.session.Evaluate("allocate(100)").json), 1000000);
  cdp::Measurement held = cdp::TakeCheckpoint(f.session, {});
  EXPECT_GT(held.heap_used - before.heap_used, 80ll << 20);
  f.session.Evaluate("release()");
  cdp::Measurement after = cdp::TakeCheckpoint(f.session, {});
  std::printf("heapUsed: baseline %lld, holding 100 MB %lld, after release %lld (delta %lld B)\n",
              static_cast<long long>(before.heap_used), static_cast<long long>(held.heap_used),
              static_cast<long long>(after.heap_used),
              static_cast<long long>(after.heap_used - before.heap_used));
  EXPECT_LT(std::llabs(after.heap_used - before.heap_used), 1ll << 20)
      << "before " << before.heap_used << " held " << held.heap_used << " after "
      << after.heap_used;
  EXPECT_EQ(after.active_resources.at("TCPServerWrap"), 1);
  std::filesystem::remove_all(dir);
}

TEST(ProcessApi, SamplingProfileNamesTheAllocatingLine) {
  auto dir = TestDir("api-sampling");
  Fixture f(ServerSpec(dir));
  f.session.StartSampling(4096);
  f.session.Evaluate("allocate(8)");
  cdp::SamplingProfile profile = f.session.StopSampling();
  ASSERT_FALSE(profile.sites.empty());
  bool found = false;
  for (const auto& site : profile.sites) {
    if (site.url.find("server.js") != std::string::npos && site.line > 0) found = true;
  }
  EXPECT_TRUE(found);
  f.session.Evaluate("release()");
  std::filesystem::remove_all(dir);
}

TEST(ProcessApi, SnapshotsByBothMethodsAreValidAndAlike) {
  auto dir = TestDir("api-snapshot");
  Fixture f(ServerSpec(dir));
  cdp::CheckpointOptions options;
  options.snapshot_path = dir / "stream.heapsnapshot";
  options.snapshot_method = cdp::SnapshotMethod::kStream;
  cdp::Measurement streamed = cdp::TakeCheckpoint(f.session, options);
  EXPECT_EQ(streamed.snapshot_method, "stream");
  options.snapshot_path = dir / "app.heapsnapshot";
  options.snapshot_method = cdp::SnapshotMethod::kAppWrites;
  cdp::Measurement written = cdp::TakeCheckpoint(f.session, options);
  EXPECT_EQ(written.snapshot_method, "app");
  for (const cdp::Measurement* m : {&streamed, &written}) {
    EXPECT_EQ(m->snapshot_bytes, std::filesystem::file_size(m->snapshot));
    RunResult check = RunCommand(
        {"node", std::string(LEAKCHECK_FIXTURES_DIR) + "/check_snapshot.js", m->snapshot.string()},
        dir);
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  }
  // Same heap, same profiler: the two files are within a few percent of each other.
  double ratio =
      static_cast<double>(written.snapshot_bytes) / static_cast<double>(streamed.snapshot_bytes);
  EXPECT_GT(ratio, 0.9);
  EXPECT_LT(ratio, 1.1);
  std::filesystem::remove_all(dir);
}

TEST(ProcessApi, DestructorKillsTheGroupOnAnErrorPath) {
  auto dir = TestDir("api-raii");
  pid_t pgid = 0;
  try {
    process::NodeApp app(ServerSpec(dir));
    app.Start();
    pgid = app.pgid();
    app.WaitReady();
    throw HarnessError("test", "something failed mid-run");
  } catch (const Error&) {
  }
  ASSERT_GT(pgid, 0);
  EXPECT_TRUE(GroupGone(pgid));
  std::filesystem::remove_all(dir);
}

TEST(ProcessApi, CommandNotFoundIsAnInputError) {
  process::AppSpec spec;
  spec.argv = {"node-does-not-exist-here", "x.js"};
  process::NodeApp app(spec);
  try {
    app.Start();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_THAT(e.detail(), HasSubstr("not found on PATH"));
  }
}

// The app's output is untrusted: a long line before the ready line must neither crash leakcheck
// (std::regex recursed per character: `.*listening on (\d+)` overflowed the stack on 64 KiB)
// nor hang it (`(?:x+x+)+y` backtracks exponentially on a run of x's). RE2 matches both in time
// linear in the line.
TEST(ProcessApi, ReadyLogPatternsRunInLinearTimeOnHugeLines) {
  for (const char* pattern : {R"(.*listening on (\d+))", R"((?:x+x+)+y|listening on (\d+))"}) {
    SCOPED_TRACE(pattern);
    process::AppSpec spec;
    spec.argv = {"node", "-e",
                 "process.stdout.write('x'.repeat(60000) + '\\n'); require(" + std::string("'") +
                     App("server.js") + "')"};
    spec.ready.log_regex = pattern;
    spec.log_dir = TestDir("api-huge-line");
    process::NodeApp app(std::move(spec));
    app.Start();
    app.WaitReady();
    EXPECT_GT(app.port(), 0);
    app.Stop();
  }
}

TEST(ProcessApi, ReadyLogPatternsWithBackreferencesAreInputErrors) {
  process::AppSpec spec = ServerSpec(TestDir("api-backref"));
  spec.ready.log_regex = R"((a)\1 listening on (\d+))";
  process::NodeApp app(std::move(spec));
  try {
    app.Start();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), kExitUsage);
    EXPECT_THAT(e.detail(), HasSubstr("invalid log regex"));
  }
}

}  // namespace
}  // namespace leakcheck::e2e
