// Writes a heap snapshot of this Node process holding a Map of small objects.
//   node bench/make-snapshot.js OUT.heapsnapshot [ENTRIES] [PAD]
// 1,000,000 entries give the ~350 MB, ~5 M-node snapshot the analysis benchmark uses. PAD
// characters are added to each entry's name string: V8's writer needs ~4 GB per million entries
// (~11x its output), so the 2 GB snapshot of `bench/snapshot-analysis.sh --size 2g` is 2,500,000
// entries with 500-character names (~12.5 M nodes, ~2.1 GB, ~12 GB to write).
'use strict';
const v8 = require('v8');
const out = process.argv[2];
const entries = Number(process.argv[3] || 1000000);
const pad = 'x'.repeat(Number(process.argv[4] || 0));
if (!out) {
  console.error('usage: node make-snapshot.js OUT.heapsnapshot [ENTRIES]');
  process.exit(2);
}
const cache = new Map();
for (let i = 0; i < entries; i++) {
  cache.set(`user:${i}`, { id: i, name: `user-${i}${pad}`, seen: new Date(i), score: i + 0.5 });
}
globalThis.userCache = cache;
v8.writeHeapSnapshot(out);
console.log(out);
