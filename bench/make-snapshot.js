// Writes a heap snapshot of this Node process holding a Map of small objects.
//   node bench/make-snapshot.js OUT.heapsnapshot [ENTRIES] [PAD]
// 1,000,000 entries give the ~350 MB, ~5 M-node snapshot the analysis benchmark uses. PAD
// characters are added to each entry's name string: V8's writer needs ~4 GB per million entries
// (~11x its output), so the 2 GB snapshot of `bench/snapshot-analysis.sh --size 2g` is 2,400,000
// entries with 520-character names (~12 M nodes, ~2.1 GB, ~13 GB to write).
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
  // A padded name is flattened (a cons string's text is not in the snapshot).
  const name = pad ? Buffer.from(`user-${i}${pad}`, 'latin1').toString('latin1') : `user-${i}`;
  cache.set(`user:${i}`, { id: i, name, seen: new Date(i), score: i + 0.5 });
}
globalThis.userCache = cache;
v8.writeHeapSnapshot(out);
console.log(out);
