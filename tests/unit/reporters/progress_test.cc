#include <cstdio>
#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reporters/progress.h"

namespace leakcheck::reporters {
namespace {

using ::testing::HasSubstr;

// A FILE* whose contents the test reads back.
class MemoryFile {
 public:
  MemoryFile() : file_(open_memstream(&buffer_, &size_)) {}
  ~MemoryFile() {
    std::fclose(file_);
    std::free(buffer_);
  }
  FILE* get() { return file_; }
  std::string Text() {
    std::fflush(file_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  size_t size_ = 0;
  FILE* file_;
};

void Drive(ProgressReporter& p) {
  p.Phase("api", "warmup", "200 iterations");
  for (int i = 0; i <= 100; i += 5)
    p.Progress({"api", "load", i * 50, 5000, 1234.0, 8.0 * 1024 * 1024});
  run::CheckpointSample s;
  s.iteration = 2500;
  s.heap_used = 9.0 * 1024 * 1024;
  s.snapshot = "s1.heapsnapshot";
  p.Checkpoint("api", 2, 5, s);
  p.Progress({"api", "load", 2600, 5000, 1200.0, -1});
  p.Finish();
}

TEST(Progress, PlainPrintsPhasesCheckpointsAndTenths) {
  MemoryFile f;
  auto p = MakePlainProgress(f.get());
  Drive(*p);
  std::string out = f.Text();
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find("\x1b"), std::string::npos);
  EXPECT_THAT(out, HasSubstr("[api] warmup: 200 iterations\n"));
  EXPECT_THAT(out, HasSubstr("[api] load 10%  500/5,000  1234 req/s  heap 8.00 MiB\n"));
  EXPECT_THAT(out, HasSubstr("[api] load 100%  5,000/5,000"));
  EXPECT_THAT(out, HasSubstr("[api] checkpoint 2/5 at iteration 2,500: heap 9.00 MiB, external 0 "
                             "B, snapshot taken\n"));
  // 1 phase + 10 tenths + 1 checkpoint; the 2600/5000 update after 100% prints nothing.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 12);
}

TEST(Progress, TtyRedrawsOneLineAndKeepsCheckpointsAbove) {
  MemoryFile f;
  auto p = MakeTtyProgress(f.get(), 80);
  Drive(*p);
  std::string out = f.Text();
  EXPECT_THAT(
      out,
      HasSubstr("\r\x1b[2Kapi load [##########----------] 2,500/5,000  1234 req/s  heap 8.00 MiB"));
  EXPECT_THAT(out, HasSubstr("\r\x1b[2K[api] checkpoint 2/5"));
  EXPECT_TRUE(out.ends_with("\r\x1b[2K")) << "Finish clears the live line";
  // Only permanent lines end in a newline: the phase and the checkpoint.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST(Progress, TtyLineNeverExceedsTheWidth) {
  MemoryFile f;
  auto p = MakeTtyProgress(f.get(), 40);
  p->Progress({std::string(100, 'x'), "load", 1, 2, 1, 1});
  std::string out = f.Text();
  EXPECT_LE(out.size() - 5, 40u * 3);  // "…" is 3 bytes; 39 code points at most
}

}  // namespace
}  // namespace leakcheck::reporters
