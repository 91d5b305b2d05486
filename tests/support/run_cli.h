#pragma once

// Runs leakcheck's CLI in the test process (leakcheck::RunCli, what main() calls; bloaty's
// BloatyMain pattern): no fork, no exec, milliseconds per call. stdout and stderr (file
// descriptors 1 and 2, so printf, std::cout and fwrite alike) are captured in temporary files
// for the duration of the call. Not thread-safe; for commands that start no app (analyze, diff,
// validate, report, list, merge, and the input checks of the others).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "harness/cli/cli.h"
#include "tests/support/run_command.h"

namespace leakcheck::testing {

/// `leakcheck args…` in-process: its exit code and what it printed.
inline CommandResult RunCliInProcess(const std::vector<std::string>& args) {
  TempDir dir;
  const std::string out_path = dir.File("out"), err_path = dir.File("err");
  std::vector<std::string> argv_strings = {"leakcheck"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const int saved_out = ::dup(1), saved_err = ::dup(2);
  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  std::FILE* err = std::fopen(err_path.c_str(), "wb");
  CommandResult r;
  if (saved_out < 0 || saved_err < 0 || out == nullptr || err == nullptr ||
      ::dup2(::fileno(out), 1) < 0 || ::dup2(::fileno(err), 2) < 0) {
    r.err = "RunCliInProcess: cannot redirect stdout/stderr";
    return r;
  }
  r.exit_code = RunCli(static_cast<int>(argv_strings.size()), argv.data());
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  ::close(saved_out);
  ::close(saved_err);
  std::fclose(out);
  std::fclose(err);
  r.out = ReadWholeFile(out_path);
  r.err = ReadWholeFile(err_path);
  return r;
}

}  // namespace leakcheck::testing
