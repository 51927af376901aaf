'use strict';
// Real Node-RED processes running the scale-out flow (test/e2e/scale-out-flow.js)
// on a Redis of the caller's choosing: a URL, or a Sentinel set. Shared by
// the redis-*.test.js files; every process is always stopped.
const http = require('node:http');
const { startInstance } = require('../support/node-red-instances');
const { hashPasswordScrypt } = require('../../dist/lib');
const { scaleOutFlow } = require('./scale-out-flow');

/** The scale-out flow with its store on `redis`: { url }, { sentinels, name } or { cluster: nodes }; `timeoutMs` is the store timeout. */
async function redisFlow({ redis, keyPrefix, secret, timeoutMs = 1000, users }) {
  users = users || JSON.stringify([{ username: 'alice', password: await hashPasswordScrypt('alice-pw', { ln: 10 }), scopes: ['orders:read'] }]);
  const flow = scaleOutFlow({ redisUrl: redis.url || '', keyPrefix, secret, users, lockout: { maxRetries: 1000, ipMaxRetries: 0, findTime: 60, banTime: 60 } });
  const store = flow.flows.find((n) => n.id === 'store');
  store.timeout = timeoutMs;
  if (redis.sentinels) {
    store.redisOptions = JSON.stringify({ sentinels: redis.sentinels, name: redis.name });
    flow.creds.store = {};
  }
  if (redis.cluster) {
    store.redisOptions = JSON.stringify({ cluster: { nodes: redis.cluster } });
    flow.creds.store = {};
  }
  return flow;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request on a keep-alive agent: { status, body (parsed when JSON), ms }. Never rejects on HTTP errors. */
function call(port, method, urlPath, { headers = {}, body } = {}) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let parsed = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, body: parsed, headers: res.headers, ms: Number(process.hrtime.bigint() - started) / 1e6 });
      });
    });
    req.on('error', (err) => resolve({ status: 0, error: err.message, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    req.setTimeout(10000, () => req.destroy(new Error('client timeout')));
    if (data) req.write(data);
    req.end();
  });
}

module.exports = { redisFlow, startInstance, call, agent };
