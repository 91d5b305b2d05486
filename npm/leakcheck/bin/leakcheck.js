#!/usr/bin/env node
// The `leakcheck` command of the npm package: finds the native binary that npm installed from
// the matching platform package (an optionalDependency, the way esbuild and biome ship theirs)
// and runs it with the same arguments, standard streams and exit code.
// LEAKCHECK_BINARY=/path/to/leakcheck overrides the lookup (a source build, an unsupported
// platform).
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// process.platform-process.arch -> the package that holds the binary for it.
const PLATFORM_PACKAGES = {
  'linux-x64': '@leakcheck/linux-x64',
};

function findBinary() {
  const override = process.env.LEAKCHECK_BINARY;
  if (override) {
    if (!fs.existsSync(override)) {
      throw new Error(`LEAKCHECK_BINARY=${override} does not exist`);
    }
    return override;
  }
  const key = `${process.platform}-${process.arch}`;
  const pkg = PLATFORM_PACKAGES[key];
  if (!pkg) {
    throw new Error(
      `no prebuilt leakcheck for ${key} (there is one for ${Object.keys(PLATFORM_PACKAGES).join(', ')}); ` +
        'build it from source (https://github.com/leakcheck/leakcheck#building-from-source) ' +
        'and set LEAKCHECK_BINARY to its path');
  }
  try {
    return require.resolve(`${pkg}/bin/leakcheck`);
  } catch {
    throw new Error(
      `the package ${pkg} is not installed; npm skips optional dependencies with ` +
        '--no-optional/--omit=optional, or when the lock file was made on another platform. ' +
        `Reinstall with: npm install -D leakcheck ${pkg}`);
  }
}

function main() {
  let binary;
  try {
    binary = findBinary();
  } catch (e) {
    process.stderr.write(`leakcheck: ${e.message}\n`);
    return process.exit(3);  // the harness could not start: exit code 3, as documented
  }
  const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });
  // Ctrl-C reaches the binary directly (same process group); it writes its reports and exits
  // 130, so the launcher waits for that instead of dying first. SIGTERM/SIGHUP are passed on.
  process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP']) {
    process.on(sig, () => child.kill(sig));
  }
  child.on('error', (e) => {
    process.stderr.write(`leakcheck: cannot run ${binary}: ${e.message}\n`);
    process.exit(3);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      const numbers = require('node:os').constants.signals;
      process.exit(128 + (numbers[signal] || 0));
    }
    process.exit(code);
  });
}

main();
