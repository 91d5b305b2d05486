// Data flows one way (DESIGN.md): config → process/cdp/load → checkpoints → snapshot/analysis →
// run (detectors, verdict, baseline) → reporters → cli. The engine below cli/ never includes a
// reporter; progress is an interface declared in run/ (run/progress.h) that reporters implement.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace leakcheck::run {
namespace {

namespace fs = std::filesystem;

TEST(Layering, NothingBelowCliIncludesAReporter) {
  const fs::path harness = fs::path(LEAKCHECK_SOURCE_DIR) / "harness";
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(harness)) {
    const fs::path& p = entry.path();
    if (!entry.is_regular_file() || (p.extension() != ".cc" && p.extension() != ".h")) continue;
    if (fs::relative(p, harness).begin()->string() == "cli") continue;
    ++files;
    std::ifstream in(p);
    int line_number = 0;
    for (std::string line; std::getline(in, line) && line_number < 100000;) {
      ++line_number;
      EXPECT_FALSE(line.starts_with("#include \"reporters/"))
          << p.string() << ":" << line_number << ": " << line;
    }
  }
  EXPECT_GT(files, 50) << "the harness sources were found";
}

}  // namespace
}  // namespace leakcheck::run
