// Benchmark app for bench/capture.sh: holds BENCH_HEAP_MB MiB of small objects, then times its
// own v8.writeHeapSnapshot() (the anchor) before it reports ready, so leakcheck's CDP capture
// of the same heap happens in the same run. Run by leakcheck (so --expose-gc is on).
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
  v8.writeHeapSnapshot(file);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = fs.statSync(file).size;
  fs.unlinkSync(file);
  return { seconds, bytes };
}

// The first snapshot also builds V8's object-id map; time the second, like leakcheck's.
selfSnapshot('self-warmup.heapsnapshot');
const self = selfSnapshot('self.heapsnapshot');
console.log(`self_snapshot_seconds ${self.seconds.toFixed(3)} bytes ${self.bytes} heap_used ${process.memoryUsage().heapUsed}`);

http.createServer((req, res) => res.end('ok'))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
