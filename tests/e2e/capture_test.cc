// `leakcheck capture` end to end, against the real node and the apps in fixtures/apps.
#include <fcntl.h>

#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/process_e2e_util.h"

namespace leakcheck::e2e {
namespace {

using ::testing::HasSubstr;

void ExpectCaptureWritesValidSnapshots(const std::string& method) {
  auto dir = TestDir("capture-http-" + method);
  RunResult r =
      Capture(dir, {"--ready-http", "/healthz", "--snapshots", "2", "--snapshot-method", method},
              "server.js");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pid_t pgid = AppGroup(r.err);
  ASSERT_GT(pgid, 0) << r.err;
  EXPECT_TRUE(GroupGone(pgid));
  EXPECT_THAT(r.out, HasSubstr("measurements: "));
  std::string json = Slurp(dir / "out" / "measurements.json");
  EXPECT_THAT(json, HasSubstr("\"heap_used\": "));
  EXPECT_THAT(json, HasSubstr("\"TCPServerWrap\": 1"));
  EXPECT_THAT(json, HasSubstr("\"snapshot_method\": \"" + method + "\""));
  for (const char* name : {"snapshot-1.heapsnapshot", "snapshot-2.heapsnapshot"}) {
    auto path = dir / "out" / name;
    ASSERT_TRUE(std::filesystem::exists(path)) << name;
    EXPECT_FALSE(std::filesystem::exists(path.string() + ".part"));
    RunResult check = RunCommand(
        {"node", std::string(LEAKCHECK_FIXTURES_DIR) + "/check_snapshot.js", path.string()}, dir);
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_THAT(check.out, HasSubstr("ok "));
  }
  EXPECT_THAT(Slurp(dir / "out" / "stdout.log"), HasSubstr("listening on"));
  std::filesystem::remove_all(dir);
}

TEST(Capture, StreamedSnapshotsAreValidWhenReadyByHttp) {
  ExpectCaptureWritesValidSnapshots("stream");
}

TEST(Capture, AppWrittenSnapshotsAreValidWhenReadyByHttp) {
  ExpectCaptureWritesValidSnapshots("app");
}

TEST(Capture, ReadyByLogRegex) {
  auto dir = TestDir("capture-log");
  RunResult r =
      Capture(dir, {"--ready-log", R"(listening on (\d+))", "--snapshots", "0"}, "server.js");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(GroupGone(AppGroup(r.err)));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "measurements.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "snapshot-1.heapsnapshot"));
  std::filesystem::remove_all(dir);
}

TEST(Capture, WithoutReadyOptionProceedsAtEndOfStdin) {
  auto dir = TestDir("capture-stdin");
  RunResult r = Capture(dir, {"--snapshots", "0"}, "server.js");  // stdin is /dev/null
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("press Enter"));
  EXPECT_TRUE(GroupGone(AppGroup(r.err)));
  std::filesystem::remove_all(dir);
}

TEST(CaptureFaults, AppExitsAtStartShowsItsStderr) {
  auto dir = TestDir("fault-exit");
  RunResult r = Capture(dir, {"--ready-http", "/healthz"}, "exit_at_start.js");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("leakcheck: process: start: app exited with code 4"));
  EXPECT_THAT(r.err, HasSubstr("fatal: DATABASE_URL is not set"));
  pid_t pgid = AppGroup(r.err);
  ASSERT_GT(pgid, 0);
  EXPECT_TRUE(GroupGone(pgid));
  std::filesystem::remove_all(dir);
}

TEST(CaptureFaults, NeverReadyByHttpNamesTheProbe) {
  auto dir = TestDir("fault-never-http");
  RunResult r = Capture(dir, {"--ready-http", "/healthz", "--timeout", "5s"}, "never_ready.js");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(
      r.err, HasSubstr("leakcheck: process: ready: app not ready after 5s: GET http://127.0.0.1:"));
  EXPECT_THAT(r.err, HasSubstr("/healthz never answered 2xx (last: status 503)"));
  EXPECT_TRUE(GroupGone(AppGroup(r.err)));
  std::filesystem::remove_all(dir);
}

TEST(CaptureFaults, NeverReadyByLogNamesTheRegex) {
  auto dir = TestDir("fault-never-log");
  RunResult r = Capture(dir, {"--ready-log", "listening on", "--timeout", "5s"}, "never_ready.js");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("process: ready: app not ready after 5s: no output line matched "
                               "the ready log regex /listening on/"));
  EXPECT_THAT(r.err, HasSubstr("still warming up"));
  EXPECT_TRUE(GroupGone(AppGroup(r.err)));
  std::filesystem::remove_all(dir);
}

TEST(CaptureFaults, CrashMidRunFailsFastWithTheExitCode) {
  auto dir = TestDir("fault-crash");
  RunResult r = Capture(dir, {"--ready-log", "ready"}, "crash_mid_run.js");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("leakcheck: cdp: Runtime.evaluate: app exited with code 7"));
  EXPECT_THAT(r.err, HasSubstr("simulated crash during measurement"));
  EXPECT_TRUE(GroupGone(AppGroup(r.err)));
  std::filesystem::remove_all(dir);
}

// The app kills itself when the snapshot's .part file appears (exit_mid_snapshot.js): an event
// inside leakcheck's snapshot call, not a stall timer, so a loaded machine cannot change the
// outcome.
void ExpectDeathMidSnapshotNamesStage(const std::string& method, const std::string& stage) {
  auto dir = TestDir("fault-snapshot-" + method);
  testing::SpawnOptions options;
  options.output_dir = dir;
  options.env = {{"SNAPSHOT_PART", (dir / "out" / "snapshot-1.heapsnapshot.part").string()}};
  RunResult r = testing::RunCommand(
      {LEAKCHECK_BIN, "capture", "--out", (dir / "out").string(), "--ready-log", "ready",
       "--snapshot-method", method, "--", "node", App("exit_mid_snapshot.js")},
      options);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("leakcheck: " + stage + ": app killed by signal 9"));
  EXPECT_THAT(r.err, HasSubstr("snapshot in progress, exiting"));  // the stderr tail
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "snapshot-1.heapsnapshot"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "snapshot-1.heapsnapshot.part"));
  EXPECT_TRUE(GroupGone(AppGroup(r.err)));
  std::filesystem::remove_all(dir);
}

TEST(CaptureFaults, AppDiesMidStreamedSnapshot) {
  ExpectDeathMidSnapshotNamesStage("stream", "cdp: HeapProfiler.takeHeapSnapshot");
}

TEST(CaptureFaults, AppDiesWhileWritingItsSnapshot) {
  ExpectDeathMidSnapshotNamesStage("app", "cdp: v8.writeHeapSnapshot");
}

TEST(CaptureFaults, AppIgnoringSigtermIsKilledWithItsChildren) {
  auto dir = TestDir("fault-sigterm");
  RunResult r =
      Capture(dir, {"--ready-log", "ready", "--snapshots", "0", "--stop-timeout", "500ms"},
              "ignore_sigterm.js");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("leakcheck: process: stop: app ignored SIGTERM for 500ms"));
  EXPECT_THAT(Slurp(dir / "out" / "stdout.log"), HasSubstr("ignoring SIGTERM"));
  EXPECT_TRUE(GroupGone(AppGroup(r.err)));  // the forked child was in the group too
  std::filesystem::remove_all(dir);
}

TEST(CaptureFaults, ForbiddenNodeArgsExit2) {
  auto dir = TestDir("fault-args");
  RunResult r = Capture(dir, {"--node-arg=--inspect=0.0.0.0:9229"}, "server.js");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err,
              HasSubstr("process: node_args: node_args `--inspect=0.0.0.0:9229` is not allowed"));
  // Flags written into the command count too, and pausing flags are refused.
  r = RunCommand({LEAKCHECK_BIN, "capture", "--out", (dir / "out").string(), "--", "node",
                  "--inspect-brk", App("server.js")},
                 dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("`--inspect-brk` is not allowed: it pauses the app"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("started app")));
  std::filesystem::remove_all(dir);
}

TEST(CaptureFaults, SigintKillsTheAppGroupAndExits130) {
  auto dir = TestDir("fault-sigint");
  // No ready option and a pipe that never closes keeps capture waiting for the user.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pgid = 0;
  auto err_path = dir / "run.err";
  RunResult r = RunCommand(
      {"/bin/sh", "-c",
       std::string("exec ") + LEAKCHECK_BIN + " capture --out " + (dir / "out").string() +
           " -- node " + App("server.js") + " <&" + std::to_string(fds[0])},
      dir, [&](pid_t pid) {
        // Wait (bounded) until capture asks for Enter, then interrupt it.
        for (int i = 0; i < 600 && Slurp(err_path).find("press Enter") == std::string::npos; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        pgid = AppGroup(Slurp(err_path));
        ::kill(pid, SIGINT);
      });
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_THAT(r.err, HasSubstr("leakcheck: interrupted"));
  ASSERT_GT(pgid, 0) << r.err;
  // The signal handler SIGKILLs the group; the dead app is reaped by its new parent.
  for (int i = 0; i < 200 && !GroupGone(pgid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(GroupGone(pgid));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace leakcheck::e2e
