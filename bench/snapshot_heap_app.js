// Benchmark app for bench/capture.sh: holds BENCH_HEAP_MB MiB of small objects and times its own
// v8.writeHeapSnapshot() (the anchor) at every leakcheck checkpoint, just before leakcheck takes
// its snapshot of the same heap. Run by leakcheck (so --expose-gc is on).
'use strict';
const http = require('http');
const v8 = require('v8');
const fs = require('fs');
const path = require('path');

const mb = Number(process.env.BENCH_HEAP_MB || 150);
const outDir = process.env.BENCH_OUT || '.';
const held = [];
const target = mb * 1024 * 1024;
// ~80 bytes per entry: an object with two smis and a short string (bounded loop).
for (let i = 0; i < target / 80; i++) held.push({ id: i, n: i & 1023, s: 'k' + (i % 100000) });
globalThis.held = held;

function selfSnapshot(name) {
  if (typeof gc === 'function') gc();
  const file = path.join(outDir, name);
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  v8.writeHeapSnapshot(file);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);  // all threads of the process, like /proc/PID/stat
  const cpuSeconds = (used.user + used.system) / 1e6;
  const bytes = fs.statSync(file).size;
  fs.unlinkSync(file);
  return { seconds, bytes, cpuSeconds };
}

// The first snapshot also builds V8's object-id map (leakcheck's find it warm too): untimed.
selfSnapshot('self-warmup.heapsnapshot');

// leakcheck reads process.getActiveResourcesInfo() in every checkpoint right before it takes its
// snapshot, so timing our own snapshot there pairs the two a moment apart: machine load (two
// shared cores) then hits both sides of each pair alike.
const original = process.getActiveResourcesInfo;
process.getActiveResourcesInfo = function () {
  const self = selfSnapshot('self.heapsnapshot');
  console.log(`self_snapshot_seconds ${self.seconds.toFixed(3)} bytes ${self.bytes} ` +
              `heap_used ${process.memoryUsage().heapUsed} cpu_seconds ${self.cpuSeconds.toFixed(3)}`);
  return original.call(process);
};

http.createServer((req, res) => res.end('ok'))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
