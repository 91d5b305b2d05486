// Fault injection, end to end through `leakcheck run`: a full disk while writing snapshots and
// reports, an app that answers with huge bodies / never answers / resets / closes mid-response,
// an app with children, grandchildren and a detached (setsid) child, SIGINT in the middle of a
// snapshot and of the load, and two runs at once. Each run must end with the documented exit
// code and a clear message, write its reports, and leave no process behind.
//
// No timing assertions: waits are bounded loops that only guard against hangs.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "tests/e2e/process_e2e_util.h"
#include "tests/support/param_name.h"

namespace leakcheck::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kFaults = std::string(LEAKCHECK_FIXTURES_DIR) + "/faults/";

// One leakcheck run, started and awaited by the one helper of tests/support/run_command.h (its
// hang guard kills a run after 180 s: a hang fails the test, never blocks it).
using Launched = testing::Spawned;
using Finished = testing::CommandResult;
using LaunchOptions = testing::SpawnOptions;  // env, file_size_limit, output_name

// Starts `leakcheck args…` with its <output_name>.out / .err in `dir`.
Launched Launch(const fs::path& dir, std::vector<std::string> args, LaunchOptions o = {}) {
  args.insert(args.begin(), LEAKCHECK_BIN);
  o.output_dir = dir;
  return testing::Spawn(std::move(args), o);
}

std::string ReadErr(const Launched& l) { return Slurp(l.err_path); }

Finished RunLeakcheck(const fs::path& dir, std::vector<std::string> args,
                      const LaunchOptions& o = {}) {
  return testing::Wait(Launch(dir, std::move(args), o));
}

// Polls `ready` every 20 ms for at most `limit`; false if it never became true.
bool WaitUntil(const std::function<bool()>& ready,
               std::chrono::seconds limit = std::chrono::seconds(120)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool ProcessGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// The processes (or groups) are gone; allows a moment for init to reap what leakcheck left.
bool AllGone(const std::vector<pid_t>& pids, bool groups = false) {
  return WaitUntil(
      [&] {
        for (pid_t p : pids)
          if (groups ? !GroupGone(p) : !ProcessGone(p)) return false;
        return true;
      },
      std::chrono::seconds(5));
}

std::vector<pid_t> ReadPids(const fs::path& file) {
  std::vector<pid_t> pids;
  std::ifstream in(file);
  for (long p; in >> p;) pids.push_back(static_cast<pid_t>(p));
  return pids;
}

// Cleanup after a failed assertion: never leave a test's processes on the machine.
void KillAll(const std::vector<pid_t>& pids) {
  for (pid_t p : pids) ::kill(p, SIGKILL);
}

std::vector<std::string> FilesNamed(const fs::path& root, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(it->path().string());
  }
  return out;
}

boost::json::object ResultsJson(const fs::path& out_dir) {
  std::string text = Slurp(out_dir / "results.json");
  if (text.empty()) return {};
  return boost::json::parse(text).as_object();
}

const boost::json::object& OnlyScenario(const boost::json::object& results) {
  static const boost::json::object kEmpty;
  const auto* scenarios = results.if_contains("scenarios");
  if (!scenarios || scenarios->as_array().empty()) return kEmpty;
  return scenarios->as_array().front().as_object();
}

std::string CheckStatus(const boost::json::object& scenario, const std::string& detector) {
  for (const auto& c : scenario.at("checks").as_array())
    if (c.at("detector").as_string() == detector) return std::string(c.at("status").as_string());
  return "";
}

int64_t ErrorsOfKind(const boost::json::object& scenario, const std::string& kind) {
  int64_t n = 0;
  for (const char* phase : {"warmup", "load"}) {
    const auto& by_kind = scenario.at(phase).at("errors_by_kind").as_object();
    if (const auto* v = by_kind.if_contains(kind)) n += v->as_int64();
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The app answers badly: huge bodies, never, resets, closes mid-response.

struct HttpFault {
  std::string name;        // faulty_server.js's $FAULT and the YAML's name
  std::string error_kind;  // how the driver counts it
};

class AppAnswersBadly : public ::testing::TestWithParam<HttpFault> {};

// Every request fails, so the http check fails: exit 1 (the app's answers are a result, not the
// harness's failure). The run finishes, counts the failures by kind, keeps leakcheck's memory
// bounded (a body is never buffered beyond 16 MiB), and leaves no process behind.
TEST_P(AppAnswersBadly, RunEndsWithTheHttpCheckFailedAndErrorsCountedByKind) {
  const HttpFault& fault = GetParam();
  auto dir = TestDir("fault-http-" + fault.name);
  Finished r =
      RunLeakcheck(dir, {"run", kFaults + fault.name + ".yaml", "--out", (dir / "out").string(),
                         "--json", "--no-sampling", "--junit", (dir / "junit.xml").string()});
  ASSERT_FALSE(r.hung) << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto results = boost::json::parse(r.out).as_object();
  const auto& s = OnlyScenario(results);
  ASSERT_FALSE(s.empty()) << r.out;
  EXPECT_EQ(CheckStatus(s, "http"), "failed");
  EXPECT_GT(ErrorsOfKind(s, fault.error_kind), 0) << boost::json::serialize(s.at("load"));
  EXPECT_TRUE(s.at("infrastructure_error").is_null());
  EXPECT_EQ(Slurp(dir / "out" / "results.json").empty(), false);
  EXPECT_THAT(Slurp(dir / "junit.xml"), HasSubstr("type=\"http\""));
  // 200 MB and endless bodies: leakcheck read at most 16 MiB of each. Under ASan, freed buffers
  // wait in its quarantine (256 MiB by default) and shadow memory adds an eighth, so the bound
  // is wider there (the endless body still breaks it if uncapped; the plain build checks 200 MiB).
#if defined(__SANITIZE_ADDRESS__)
  constexpr long kMaxRssKib = 640 * 1024;
#else
  constexpr long kMaxRssKib = 200 * 1024;
#endif
  EXPECT_LT(r.max_rss_kib, kMaxRssKib) << "leakcheck's peak RSS";
  pid_t pgid = static_cast<pid_t>(s.at("app_pid").as_int64());
  ASSERT_GT(pgid, 0);
  EXPECT_TRUE(AllGone({pgid}, true)) << "the app's group outlived the run";
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Faults, AppAnswersBadly,
                         ::testing::Values(HttpFault{"huge", "body_too_large"},
                                           HttpFault{"endless", "body_too_large"},
                                           HttpFault{"silent", "timeout"},
                                           HttpFault{"reset", "closed"},
                                           HttpFault{"short", "closed"}),
                         [](const auto& param_info) { return param_info.param.name; });

// ---------------------------------------------------------------------------------------------
// The disk fills up. RLIMIT_FSIZE (set on leakcheck, inherited by node; both ignore SIGXFSZ so
// the write fails with EFBIG) needs no root and no mount, so it runs the same here and in CI.

class SnapshotWriteFails : public ::testing::TestWithParam<std::string> {};

TEST_P(SnapshotWriteFails, IsAHarnessErrorNamingTheFileAndTheReportIsStillWritten) {
  const std::string method = GetParam();
  auto dir = TestDir("fault-fsize-" + method);
  const fs::path out = dir / "out";
  LaunchOptions o;
  o.file_size_limit = 1 << 20;  // 1 MiB: the app's snapshot (several MiB) cannot fit; reports can
  Finished r = RunLeakcheck(dir,
                            {"run", kFaults + "small.yaml", "--out", out.string(), "--no-sampling",
                             "--snapshot-method", method, "--junit", (dir / "junit.xml").string()},
                            o);
  ASSERT_FALSE(r.hung) << r.err;
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const std::string writer = method == "app" ? "the app's V8" : "leakcheck";
  EXPECT_THAT(r.out, HasSubstr("snapshot: write: cannot write " +
                               (out / "small" / "baseline.heapsnapshot").string() +
                               ": File too large (EFBIG, written by " + writer + ")"));
  auto results = ResultsJson(out);
  const auto& s = OnlyScenario(results);
  ASSERT_FALSE(s.empty()) << "results.json was written";
  EXPECT_EQ(s.at("infrastructure_stage").as_string(), "snapshot: write");
  EXPECT_THAT(Slurp(dir / "junit.xml"), HasSubstr("<error"));
  EXPECT_THAT(FilesNamed(out, ".part"), ::testing::IsEmpty()) << "no partial snapshot is left";
  EXPECT_TRUE(AllGone({static_cast<pid_t>(s.at("app_pid").as_int64())}, true));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Methods, SnapshotWriteFails, ::testing::Values("app", "stream"),
                         testing::ParamAsName());

// results.json and the JUnit file on a full disk: /dev/full fails every write with ENOSPC. The
// console report still appears, each failed report is named on stderr, and the run exits 3.
TEST(ReportWriteFails, EveryFailedReportIsNamedOnStderrAndTheRunExits3) {
  auto dir = TestDir("fault-report-full");
  const fs::path out = dir / "out";
  fs::create_directories(out);
  fs::create_symlink("/dev/full", out / "results.json");
  Finished r = RunLeakcheck(dir, {"run", kFaults + "small.yaml", "--out", out.string(),
                                  "--no-sampling", "--junit", "/dev/full"});
  ASSERT_FALSE(r.hung) << r.err;
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("leakcheck: results: " + (out / "results.json").string() +
                               ": cannot write: No space left on device"));
  EXPECT_THAT(r.err,
              HasSubstr("leakcheck: junit: /dev/full: cannot write: No space left on device"));
  EXPECT_THAT(r.out, HasSubstr("PASSED")) << "the console report is still printed";
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// An app with children, grandchildren and a detached (setsid) child: all gone after the run.

class ForkingApp : public ::testing::TestWithParam<bool> {};

TEST_P(ForkingApp, EveryDescendantIsGoneAfterTheRun) {
  const bool fail = GetParam();
  auto dir = TestDir(fail ? "fault-fork-fail" : "fault-fork-pass");
  const fs::path pids_file = dir / "pids";
  LaunchOptions o;
  o.env = {{"PIDS_FILE", pids_file.string()}};
  if (fail) o.env.emplace_back("FAIL", "1");
  Finished r = RunLeakcheck(
      dir, {"run", kFaults + "forking.yaml", "--out", (dir / "out").string(), "--no-sampling"}, o);
  ASSERT_FALSE(r.hung) << r.err;
  EXPECT_EQ(r.exit_code, fail ? 1 : 0) << r.out << r.err;
  std::vector<pid_t> pids = ReadPids(pids_file);
  // app, forked child + its sleep, spawned sleep, detached child + its sleep
  EXPECT_EQ(pids.size(), 6u) << Slurp(pids_file);
  EXPECT_TRUE(AllGone(pids)) << "a descendant of the app outlived the run: " << Slurp(pids_file);
  KillAll(pids);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Paths, ForkingApp, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "FailingRun" : "PassingRun";
                         });

// ---------------------------------------------------------------------------------------------
// SIGINT: the run stops, the partial report is written, exit 130, nothing left behind.

TEST(Interrupt, SigintMidLoadWritesThePartialReportAndExits130) {
  auto dir = TestDir("fault-sigint-load");
  const fs::path out = dir / "out", pids_file = dir / "pids";
  LaunchOptions o;
  o.env = {{"PIDS_FILE", pids_file.string()}};
  Launched l = Launch(dir,
                      {"run", kFaults + "long-load.yaml", "--out", out.string(), "--no-sampling",
                       "--junit", (dir / "junit.xml").string()},
                      o);
  bool in_load = WaitUntil(
      [&] { return ReadErr(l).find("[long-load] load: batch 1 of 2") != std::string::npos; });
  bool family = WaitUntil([&] { return ReadPids(pids_file).size() == 6; });
  ::kill(l.pid, SIGINT);
  Finished r = testing::Wait(l);
  std::vector<pid_t> pids = ReadPids(pids_file);
  ASSERT_TRUE(in_load) << r.err;
  ASSERT_TRUE(family) << Slurp(pids_file);
  ASSERT_FALSE(r.hung) << r.err;
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("leakcheck: interrupted; stopping the app and writing the reports"));
  EXPECT_THAT(r.out, HasSubstr("INTERRUPTED"));
  auto results = ResultsJson(out);
  ASSERT_FALSE(results.empty()) << "results.json was written";
  EXPECT_TRUE(results.at("interrupted").as_bool());
  EXPECT_EQ(results.at("exit_code").as_int64(), 130);
  ASSERT_EQ(results.at("scenarios").as_array().size(), 1u) << "the second scenario never started";
  const auto& s = OnlyScenario(results);
  EXPECT_EQ(s.at("infrastructure_stage").as_string(), "interrupted");
  EXPECT_THAT(std::string(s.at("infrastructure_error").as_string()),
              HasSubstr("SIGINT during load (batch 1 of 2)"));
  EXPECT_GT(s.at("load").at("requests").as_int64(), 0) << "the load done so far is reported";
  EXPECT_THAT(Slurp(dir / "junit.xml"), HasSubstr("interrupted: SIGINT during load"));
  EXPECT_TRUE(AllGone(pids)) << "a descendant of the app outlived the run: " << Slurp(pids_file);
  KillAll(pids);
  fs::remove_all(dir);
}

// Both snapshot methods: the app's V8 writes the file (app), or leakcheck does (stream).
class InterruptSnapshot : public ::testing::TestWithParam<std::string> {};

TEST_P(InterruptSnapshot, SigintMidSnapshotWritesThePartialReportAndLeavesNoPartialFile) {
  auto dir = TestDir("fault-sigint-snapshot-" + GetParam());
  const fs::path out = dir / "out";
  Launched l = Launch(dir, {"run", kFaults + "big-heap.yaml", "--out", out.string(),
                            "--no-sampling", "--snapshot-method", GetParam()});
  // The writer writes `baseline.heapsnapshot.part` and renames it when done: interrupt while it
  // exists.
  bool writing =
      WaitUntil([&] { return fs::exists(out / "big-heap" / "baseline.heapsnapshot.part"); });
  ::kill(l.pid, SIGINT);
  Finished r = testing::Wait(l);
  ASSERT_TRUE(writing) << r.err;
  ASSERT_FALSE(r.hung) << r.err;
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  auto results = ResultsJson(out);
  ASSERT_FALSE(results.empty()) << "results.json was written";
  EXPECT_TRUE(results.at("interrupted").as_bool());
  const auto& s = OnlyScenario(results);
  EXPECT_EQ(s.at("infrastructure_stage").as_string(), "interrupted");
  EXPECT_THAT(std::string(s.at("infrastructure_error").as_string()),
              HasSubstr("SIGINT during snapshot (baseline)"));
  EXPECT_THAT(FilesNamed(out, ".part"), ::testing::IsEmpty()) << "no partial snapshot is left";
  EXPECT_TRUE(AllGone({static_cast<pid_t>(s.at("app_pid").as_int64())}, true));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Methods, InterruptSnapshot, ::testing::Values("app", "stream"),
                         testing::ParamAsName());

// After the first signal leakcheck writes its reports. Here the JUnit "file" is a FIFO nobody
// reads, so writing it blocks forever: a second signal must end the run at once, and without
// one the hard deadline must (15 s by default; LEAKCHECK_INTERRUPT_DEADLINE=5s here, so the test
// does not wait 15 s).
class InterruptedReportsHang : public ::testing::TestWithParam<bool> {};

TEST_P(InterruptedReportsHang, ASecondSignalOrTheDeadlineExits130) {
  const bool second_signal = GetParam();
  auto dir = TestDir(second_signal ? "fault-sigint-twice" : "fault-sigint-deadline");
  const fs::path pids_file = dir / "pids", fifo = dir / "junit.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  LaunchOptions o;
  o.env = {{"PIDS_FILE", pids_file.string()}};
  // The deadline case need not wait the default 15 s; the second-signal case keeps the default
  // so the deadline cannot fire before the second signal is sent.
  if (!second_signal) o.env.emplace_back("LEAKCHECK_INTERRUPT_DEADLINE", "5s");
  Launched l = Launch(dir,
                      {"run", kFaults + "long-load.yaml", "--out", (dir / "out").string(),
                       "--no-sampling", "--junit", fifo.string()},
                      o);
  bool in_load =
      WaitUntil([&] { return ReadErr(l).find("[long-load] load:") != std::string::npos; });
  bool family = WaitUntil([&] { return ReadPids(pids_file).size() == 6; });
  ::kill(l.pid, SIGINT);
  // results.json is written before the JUnit file: once it exists, leakcheck is stuck on the FIFO.
  bool stuck = WaitUntil([&] { return fs::exists(dir / "out" / "results.json"); });
  if (second_signal) ::kill(l.pid, SIGINT);
  Finished r = testing::Wait(l);
  std::vector<pid_t> pids = ReadPids(pids_file);
  // The scenario had ended (results.json exists), so every descendant was already collected.
  EXPECT_TRUE(AllGone(pids)) << Slurp(pids_file);
  KillAll(pids);
  ASSERT_TRUE(in_load && family && stuck) << r.err;
  ASSERT_FALSE(r.hung) << r.err;
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_THAT(
      r.err,
      HasSubstr(second_signal ? "leakcheck: interrupted\n"
                              : "leakcheck: interrupted; the reports were not finished in time"));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Exits, InterruptedReportsHang, ::testing::Values(true, false),
                         [](const auto& param_info) {
                           return param_info.param ? "SecondSignal" : "Deadline";
                         });

// ---------------------------------------------------------------------------------------------
// Two runs at once.

TEST(ConcurrentRuns, TwoRunsWithTheirOwnFoldersBothPass) {
  auto dir = TestDir("fault-concurrent");
  LaunchOptions a, b;
  a.output_name = "a";
  b.output_name = "b";
  Launched la = Launch(
      dir, {"run", kFaults + "small.yaml", "--out", (dir / "out-a").string(), "--no-sampling"}, a);
  Launched lb = Launch(
      dir, {"run", kFaults + "small.yaml", "--out", (dir / "out-b").string(), "--no-sampling"}, b);
  Finished ra = testing::Wait(la), rb = testing::Wait(lb);
  EXPECT_EQ(ra.exit_code, 0) << ra.out << ra.err;
  EXPECT_EQ(rb.exit_code, 0) << rb.out << rb.err;
  auto res_a = ResultsJson(dir / "out-a"), res_b = ResultsJson(dir / "out-b");
  ASSERT_FALSE(res_a.empty());
  ASSERT_FALSE(res_b.empty());
  EXPECT_NE(OnlyScenario(res_a).at("app_pid").as_int64(),
            OnlyScenario(res_b).at("app_pid").as_int64());
  fs::remove_all(dir);
}

TEST(ConcurrentRuns, ASecondRunOnTheSameFolderFailsAtOnceNamingTheFirst) {
  auto dir = TestDir("fault-same-out");
  const fs::path out = dir / "out", pids_file = dir / "pids";
  LaunchOptions first_options, second_options;
  first_options.output_name = "first";
  first_options.env = {{"PIDS_FILE", pids_file.string()}};
  second_options.output_name = "second";
  // The first run loads for as long as the test needs; it is interrupted at the end.
  Launched first =
      Launch(dir, {"run", kFaults + "long-load.yaml", "--out", out.string(), "--no-sampling"},
             first_options);
  // The first run holds the lock once it wrote its pid into the lock file.
  bool locked =
      WaitUntil([&] { return Slurp(out / ".leakcheck.lock") == std::to_string(first.pid) + "\n"; });
  Finished second = RunLeakcheck(
      dir, {"run", kFaults + "small.yaml", "--out", out.string(), "--no-sampling"}, second_options);
  bool in_load =
      WaitUntil([&] { return ReadErr(first).find("[long-load] load:") != std::string::npos; });
  ::kill(first.pid, SIGINT);
  Finished r = testing::Wait(first);
  KillAll(ReadPids(pids_file));
  ASSERT_TRUE(locked && in_load) << r.err;
  EXPECT_EQ(second.exit_code, 2) << second.out << second.err;
  EXPECT_THAT(second.err, HasSubstr("leakcheck: run: the run folder " + out.string() +
                                    " is in use by another leakcheck run (pid " +
                                    std::to_string(first.pid) + ")"));
  EXPECT_THAT(second.err, HasSubstr("--out"));
  EXPECT_THAT(second.err, Not(HasSubstr("startup"))) << "nothing started";
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  auto results = ResultsJson(out);
  ASSERT_FALSE(results.empty()) << "the first run's report is intact";
  EXPECT_EQ(OnlyScenario(results).at("name").as_string(), "long-load");
  // Once the first run is over, the folder is free again.
  Finished third = RunLeakcheck(
      dir, {"run", kFaults + "small.yaml", "--out", out.string(), "--no-sampling"}, second_options);
  EXPECT_EQ(third.exit_code, 0) << third.err;
  fs::remove_all(dir);
}

// `port: auto` chooses a free port before node binds it; if another process takes it in between
// (node exits with EADDRINUSE), the app is started once more on a new port.
TEST(ConcurrentRuns, AnAutoPortTakenBeforeTheAppBindsItIsChosenAgain) {
  auto dir = TestDir("fault-port-taken");
  const fs::path marker = dir / "first-port";
  LaunchOptions o;
  o.env = {{"MARKER_FILE", marker.string()}};
  Finished r = RunLeakcheck(
      dir, {"run", kFaults + "port-taken.yaml", "--out", (dir / "out").string(), "--no-sampling"},
      o);
  ASSERT_FALSE(r.hung) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(marker)) << "the first start failed as planned";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace leakcheck::e2e
