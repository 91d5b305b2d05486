// Prints memlab's view of a heap snapshot as JSON, in the shape `leakcheck analyze --json
// --all-classes` prints, so the two can be compared field by field.
//   node --max-old-space-size=16000 summary.js FILE [TOP_OBJECTS]
'use strict';
const { getFullHeapFromFile } = require('@memlab/heap-analysis');

// DevTools' class name, the same rule leakcheck applies (harness/snapshot/heap_graph.h).
function className(node) {
  switch (node.type) {
    case 'hidden': return '(system)';
    case 'object': case 'native': return node.name;
    case 'code': return '(compiled code)';
    default: return `(${node.type})`;
  }
}

async function main() {
  const file = process.argv[2];
  const topObjects = Number(process.argv[3] || 20);
  const started = process.hrtime.bigint();
  const heap = await getFullHeapFromFile(file);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const classes = new Map();
  const objects = [];
  let total = 0;
  heap.nodes.forEach(node => {
    const name = className(node);
    const c = classes.get(name) || { name, count: 0, self_size: 0 };
    c.count++;
    c.self_size += node.self_size;
    classes.set(name, c);
    total += node.self_size;
    if (node.type !== 'synthetic') objects.push({ id: node.id, retained_size: node.retainedSize });
  });
  objects.sort((a, b) => b.retained_size - a.retained_size || a.id - b.id);
  process.stdout.write(JSON.stringify({
    file,
    seconds,
    node_count: heap.nodes.length,
    edge_count: heap.edges.length,
    total_size: total,
    classes: [...classes.values()],
    largest: objects.slice(0, topObjects),
  }) + '\n');
}
main().catch(e => { console.error(e); process.exit(1); });
