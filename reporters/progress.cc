#include "reporters/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "harness/common/format.h"
#include "harness/common/redact.h"

namespace leakcheck::reporters {

namespace {

std::string CheckpointLine(const std::string& scenario, int index, int count,
                           const run::CheckpointSample& s) {
  std::string line =
      fmt::format("[{}] checkpoint {}/{} at iteration {}: heap {}, external {}", scenario, index,
                  count, FormatCount(s.iteration), FormatBytes(s.heap_used),
                  FormatBytes(s.external + s.array_buffers));
  if (!s.snapshot.empty()) line += ", snapshot taken";
  return line;
}

std::string Figures(const ProgressUpdate& u) {
  std::string out;
  if (u.total > 0)
    out += fmt::format("{}/{}", FormatCount(u.done), FormatCount(u.total));
  else if (u.done > 0)
    out += FormatCount(u.done);
  if (u.requests_per_second > 0) out += fmt::format("  {:.0f} req/s", u.requests_per_second);
  if (u.heap_used >= 0) out += "  heap " + FormatBytes(u.heap_used);
  return out;
}

class TtyProgress : public ProgressReporter {
 public:
  TtyProgress(FILE* out, int width) : out_(out), width_(std::max(width, 40)) {}

  void Phase(const std::string& scenario, const std::string& phase,
             const std::string& detail) override {
    Permanent(fmt::format("[{}] {}{}", scenario, phase, detail.empty() ? "" : ": " + detail));
  }
  void Progress(const ProgressUpdate& u) override {
    std::string bar;
    if (u.total > 0) {
      constexpr int kBar = 20;
      int filled = static_cast<int>(std::clamp<int64_t>(u.done * kBar / u.total, 0, kBar));
      bar = "[" + std::string(static_cast<size_t>(filled), '#') +
            std::string(static_cast<size_t>(kBar - filled), '-') + "] ";
    }
    std::string line = fmt::format("{} {} {}{}", u.scenario, u.phase, bar, Figures(u));
    line = Ellipsize(line, static_cast<size_t>(width_ - 1));
    std::fprintf(out_, "\r\x1b[2K%s", redact::Redact(line).c_str());
    std::fflush(out_);
    live_ = true;
  }
  void Checkpoint(const std::string& scenario, int index, int count,
                  const run::CheckpointSample& s) override {
    Permanent(CheckpointLine(scenario, index, count, s));
  }
  void Finish() override {
    if (live_) std::fputs("\r\x1b[2K", out_);
    live_ = false;
    std::fflush(out_);
  }

 private:
  void Permanent(const std::string& line) {
    std::fprintf(out_, "%s%s\n", live_ ? "\r\x1b[2K" : "", redact::Redact(line).c_str());
    live_ = false;
    std::fflush(out_);
  }

  FILE* out_;
  int width_;
  bool live_ = false;
};

class PlainProgress : public ProgressReporter {
 public:
  explicit PlainProgress(FILE* out) : out_(out) {}

  void Phase(const std::string& scenario, const std::string& phase,
             const std::string& detail) override {
    Line(fmt::format("[{}] {}{}", scenario, phase, detail.empty() ? "" : ": " + detail));
    last_tenth_ = 0;
  }
  void Progress(const ProgressUpdate& u) override {
    if (u.total <= 0) return;
    int64_t tenth = std::clamp<int64_t>(u.done * 10 / u.total, 0, 10);
    if (tenth <= last_tenth_) return;
    last_tenth_ = tenth;
    Line(fmt::format("[{}] {} {}%  {}", u.scenario, u.phase, tenth * 10, Figures(u)));
  }
  void Checkpoint(const std::string& scenario, int index, int count,
                  const run::CheckpointSample& s) override {
    Line(CheckpointLine(scenario, index, count, s));
  }
  void Finish() override { std::fflush(out_); }

 private:
  void Line(const std::string& line) {
    std::fprintf(out_, "%s\n", redact::Redact(line).c_str());
    std::fflush(out_);
  }

  FILE* out_;
  int64_t last_tenth_ = 0;
};

class SilentProgress : public ProgressReporter {
 public:
  void Phase(const std::string&, const std::string&, const std::string&) override {}
  void Progress(const ProgressUpdate&) override {}
  void Checkpoint(const std::string&, int, int, const run::CheckpointSample&) override {}
  void Finish() override {}
};

}  // namespace

std::unique_ptr<ProgressReporter> MakeTtyProgress(FILE* out, int width) {
  return std::make_unique<TtyProgress>(out, width);
}

std::unique_ptr<ProgressReporter> MakePlainProgress(FILE* out) {
  return std::make_unique<PlainProgress>(out);
}

std::unique_ptr<ProgressReporter> MakeSilentProgress() {
  return std::make_unique<SilentProgress>();
}

std::unique_ptr<ProgressReporter> MakeProgress(FILE* out) {
  int fd = fileno(out);
  const char* term = std::getenv("TERM");
  if (isatty(fd) == 0 || (term != nullptr && std::string_view(term) == "dumb"))
    return MakePlainProgress(out);
  winsize ws{};
  int width = ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 100;
  return MakeTtyProgress(out, width);
}

}  // namespace leakcheck::reporters
