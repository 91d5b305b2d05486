// Compares `leakcheck analyze --json --all-classes --objects N` with memlab's summary.js output.
//   node compare.js LEAKCHECK.json MEMLAB.json
// Exits 1 and lists every difference when the two disagree.
'use strict';
const fs = require('fs');
const ours = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const theirs = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const problems = [];
for (const field of ['node_count', 'edge_count', 'total_size'])
  if (ours[field] !== theirs[field]) problems.push(`${field}: leakcheck ${ours[field]}, memlab ${theirs[field]}`);

// leakcheck leaves the synthetic roots out of its class table; compare everything else.
const ourClasses = new Map(ours.classes.map(c => [c.name, c]));
let classesChecked = 0;
for (const c of theirs.classes) {
  if (c.name === '(synthetic)') continue;
  const o = ourClasses.get(c.name);
  classesChecked++;
  if (!o) problems.push(`class ${JSON.stringify(c.name)}: missing in leakcheck`);
  else if (o.count !== c.count || o.self_size !== c.self_size)
    problems.push(`class ${JSON.stringify(c.name)}: leakcheck ${o.count} / ${o.self_size} B, memlab ${c.count} / ${c.self_size} B`);
}
if (ourClasses.size !== classesChecked) problems.push(`class count: leakcheck ${ourClasses.size}, memlab ${classesChecked}`);

// The largest objects: same ids in the same order, same retained sizes.
const n = Math.min(ours.largest.length, theirs.largest.length);
for (let i = 0; i < n; i++) {
  const o = ours.largest[i], t = theirs.largest[i];
  if (o.id !== t.id || o.retained_size !== t.retained_size)
    problems.push(`largest #${i + 1}: leakcheck @${o.id} ${o.retained_size} B, memlab @${t.id} ${t.retained_size} B`);
}
console.log(`${ours.file}: ${ours.node_count} nodes, ${ours.edge_count} edges, ${classesChecked} classes, ` +
            `top ${n} retained sizes compared`);
if (problems.length) {
  console.log(`MISMATCH (${problems.length}):\n  ` + problems.slice(0, 50).join('\n  '));
  process.exit(1);
}
console.log('MATCH: counts, per-class count and self size, and the top retained sizes agree with memlab');
