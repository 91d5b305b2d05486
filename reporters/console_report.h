#pragma once

#include <string>

#include "harness/run/result.h"

/// The final report `leakcheck run` prints for people: per scenario a table of checks (status,
/// detector, measured, limit), the evidence of each failure, then a one-line verdict.
namespace leakcheck::reporters {

/// `--color=auto|always|never`.
enum class ColorMode { kAuto, kAlways, kNever };

/// Parses "auto", "always", "never"; throws InputError("options", …) otherwise.
ColorMode ParseColorMode(std::string_view s);

/// Whether to colour: `always`/`never` win; `auto` colours when the output is a terminal,
/// NO_COLOR is unset or empty and TERM is not "dumb" (no-color.org: flags beat NO_COLOR).
/// `no_color` and `term` are the variables' values or nullptr when unset.
bool ShouldColor(ColorMode mode, bool is_tty, const char* no_color, const char* term);

/// ShouldColor for a stream, from the process environment and isatty(fileno(stream)).
bool ShouldColor(ColorMode mode, FILE* stream);

enum class Verbosity {
  kQuiet,    ///< `-q`: failures (with evidence) and the verdict only
  kNormal,   ///< every scenario's table, failures' evidence, the verdict
  kVerbose,  ///< `-v`: also passed checks' summaries, checkpoint samples and load figures
};

struct ConsoleOptions {
  bool color = false;
  Verbosity verbosity = Verbosity::kNormal;
};

/// The whole report, ending with the verdict line and a newline.
std::string ConsoleReport(const run::RunResult& r, const ConsoleOptions& options);

/// The verdict alone, e.g. "FAILED: 1 of 9 checks failed (create-and-read-user: heap_per_iteration)
/// in 42.1 s".
std::string Verdict(const run::RunResult& r, bool color);

}  // namespace leakcheck::reporters
