// The leaky twin of scenarios/app/server.js (scenarios/leaky-api.yaml runs against it): the same
// users and posts API, plus a "small optimisation": rendered post pages are memoised in
// `postPageCache` keyed by "userId:page". Nothing evicts it, not even DELETE /users/:id, so every
// user the traffic creates leaves its rendered pages behind: an unbounded Map keyed by request
// data, the most common Node.js leak in production.
//   PORT=8080 node server.js
'use strict';
const http = require('http');

const MAX_USERS = 10_000;
const POSTS_PER_PAGE = 5;
const users = new Map();  // id -> { id, name, email, createdAt }
const postPageCache = new Map();  // "userId:page" -> rendered page; never evicted
let nextId = 1;

function postsFor(user, page) {
  const posts = [];
  for (let i = 0; i < POSTS_PER_PAGE; i++) {
    const n = page * POSTS_PER_PAGE + i;
    posts.push({ id: `${user.id}-${n}`, title: `Post ${n} by ${user.name}`, likes: (n * 7) % 50 });
  }
  return { userId: user.id, page, posts };
}

function search(q) {
  const results = [];
  for (const user of users.values()) {
    if (user.name.includes(q)) results.push({ id: user.id, name: user.name });
    if (results.length === 10) break;
  }
  return { q, results };
}

async function route(req, res, url) {
  const parts = url.pathname.split('/').filter(Boolean);  // e.g. ['users', '42', 'posts']
  if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, { ok: true, users: users.size });
  if (parts[0] === 'users' && parts.length === 1 && req.method === 'POST') {
    const body = await readJson(req);
    if (typeof body.name !== 'string' || !body.name) return send(res, 400, { error: 'name is required' });
    if (users.size >= MAX_USERS) return send(res, 507, { error: 'user store is full' });
    const user = { id: String(nextId++), name: body.name, email: String(body.email || ''), createdAt: Date.now() };
    users.set(user.id, user);
    return send(res, 201, { id: user.id }, { location: `/users/${user.id}` });
  }
  if (parts[0] === 'users' && parts.length >= 2) {
    const user = users.get(parts[1]);
    if (!user) return send(res, 404, { error: 'no such user' });
    if (parts.length === 2 && req.method === 'GET') return send(res, 200, user);
    if (parts.length === 2 && req.method === 'DELETE') {
      users.delete(user.id);
      res.writeHead(204);
      return res.end();
    }
    if (parts.length === 3 && parts[2] === 'posts' && req.method === 'GET') {
      const page = Math.max(0, Number(url.searchParams.get('page')) || 0);
      const key = `${user.id}:${page}`;
      let rendered = postPageCache.get(key);
      if (!rendered) {
        rendered = postsFor(user, page);
        postPageCache.set(key, rendered);  // <- leak: one entry per user and page, never evicted
      }
      return send(res, 200, rendered);
    }
  }
  if (req.method === 'GET' && url.pathname === '/search') return send(res, 200, search(url.searchParams.get('q') || ''));
  send(res, 404, { error: 'not found' });
}

function readJson(req, limit = 16 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) { reject(new Error('body too large')); req.destroy(); } else chunks.push(chunk);
    });
    req.on('end', () => {
      try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')); } catch (err) { reject(err); }
    });
    req.on('error', reject);
  });
}

function send(res, status, body, headers = {}) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

const server = http.createServer((req, res) => {
  route(req, res, new URL(req.url, 'http://localhost')).catch((err) => send(res, 400, { error: err.message }));
});
server.listen(Number(process.env.PORT) || 0, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
