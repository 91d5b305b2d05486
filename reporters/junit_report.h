#pragma once

#include <string>
#include <vector>

#include "harness/run/result.h"

/// JUnit XML for CI dashboards, valid against the Jenkins xunit junit-10.xsd (with testcase
/// `file`/`line`). Layout: `testsuites` › one `testsuite` per scenario › one `testcase` per check
/// named "<scenario>: <detector>" (classname "leakcheck.<scenario-slug>", file/line = the
/// threshold in the YAML), plus a "<scenario>: run" testcase carrying `<error>` when the run
/// itself failed. Failed checks carry `<failure message="measured vs limit">` with the evidence;
/// skipped checks `<skipped>`; allowed checks pass with the reason in `<system-out>`.
namespace leakcheck::reporters {

/// The JUnit document for a run (UTF-8 with an XML declaration, indented).
std::string JunitXml(const run::RunResult& r);

/// Writes JunitXml to `path`. Throws HarnessError("junit", …) when it cannot.
void WriteJunitFile(const run::RunResult& r, const std::string& path);

/// Combines JUnit documents (e.g. one per CI shard) into one `testsuites` whose tests, failures,
/// errors, skipped and time are re-added from the suites. A document whose root is a single
/// `testsuite` is accepted too. Throws InputError("merge", …) naming `names[i]` on bad XML.
std::string MergeJunit(const std::vector<std::string>& documents,
                       const std::vector<std::string>& names);

}  // namespace leakcheck::reporters
