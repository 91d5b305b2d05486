// The benchmark's target: a minimal dependency-free Node HTTP server on 127.0.0.1 answering
// every request with a small 200 over keep-alive.   node bench/server.js [port]
'use strict';
const http = require('http');
const body = Buffer.from('ok\n');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
