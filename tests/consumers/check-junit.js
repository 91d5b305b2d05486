#!/usr/bin/env node
// Reads a leakcheck JUnit report with a third-party parser (test-results-parser, the one
// testbeats uses) and checks what it understood against the expected counts:
//   node check-junit.js FILE TESTS FAILURES ERRORS SKIPPED
// Prints the parser's view as JSON; exits 1 on any mismatch, 2 on bad usage.
'use strict';
const { parse } = require('test-results-parser');

const [file, ...expected] = process.argv.slice(2);
if (!file || expected.length !== 4) {
  console.error('usage: check-junit.js FILE TESTS FAILURES ERRORS SKIPPED');
  process.exit(2);
}
const [tests, failures, errors, skipped] = expected.map(Number);
const result = parse({ type: 'junit', files: [file] });

// What the parser read per test case (status from the <failure>/<error>/<skipped> children)...
const cases = result.suites.flatMap((s) => s.cases);
const byStatus = (status) => cases.filter((c) => c.status === status).length;
// ...and what it read from the suites' count attributes.
const sum = (key) => result.suites.reduce((n, s) => n + Number(s[key] || 0), 0);
const seen = {
  suites: result.suites.length,
  cases: cases.length,
  case_fail: byStatus('FAIL'),
  case_skip: byStatus('SKIP'),
  case_pass: byStatus('PASS'),
  suite_failed: sum('failed'),
  suite_errors: sum('errors'),
  suite_skipped: sum('skipped'),
  failures: cases.filter((c) => c.failure).map((c) => `${c.name}: ${c.failure}`),
  properties: result.suites[0] ? result.suites[0].metadata : {},
};
console.log(JSON.stringify(seen, null, 2));

const problems = [];
const expect = (what, got, want) => { if (got !== want) problems.push(`${what}: read ${got}, expected ${want}`); };
expect('test cases', seen.cases, tests);
expect('failed cases (failure or error)', seen.case_fail, failures + errors);
expect('skipped cases', seen.case_skip, skipped);
expect('passed cases', seen.case_pass, tests - failures - errors - skipped);
expect('suite failures', seen.suite_failed, failures);
expect('suite errors', seen.suite_errors, errors);
expect('suite skipped', seen.suite_skipped, skipped);
if (problems.length) {
  console.error(`check-junit: ${file}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.error(`check-junit: ${file}: ${tests} tests, ${failures} failures, ${errors} errors, ${skipped} skipped: as expected`);
