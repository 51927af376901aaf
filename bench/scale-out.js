'use strict';
/**
 * Scale-out throughput (issue 17): 1, 2 and 4 Node-RED processes behind
 * haproxy (Debian's package, round robin, keep-alive), sharing one Redis
 * (a redis-server of our own). The route is a bearer check of our own
 * tokens with revocation and session state checked per request — the path
 * users run behind a balancer. Prints a Markdown table for docs/SCALING.md.
 *
 *   node bench/scale-out.js [--seconds=10] [--connections=32]
 *
 * Not part of npm test or npm run bench (it needs haproxy: apt-get install haproxy).
 */
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { prepareUserDir } = require('../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../test/support/node-red-process');
const { startServer } = require('../test/support/redis-topology');
const { redisFlow, call } = require('../test/e2e/redis-instances');

const arg = (name, dflt) => Number((process.argv.find((a) => a.startsWith(`--${name}=`)) || '').split('=')[1] || dflt);
const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 32);
const HAPROXY = process.env.HAPROXY || '/usr/sbin/haproxy';

async function startHaproxy(ports, dir) {
  const port = await freePort();
  const cfg = path.join(dir, `haproxy-${ports.length}.cfg`);
  fs.writeFileSync(cfg, [
    'global', '  maxconn 4096', '  nbthread 1',
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 30s', '  timeout server 30s', '  option http-keep-alive',
    `frontend fe`, `  bind 127.0.0.1:${port}`, '  default_backend nr',
    'backend nr', '  balance roundrobin', '  http-reuse always',
    ...ports.map((p, i) => `  server nr${i} 127.0.0.1:${p} maxconn 64`), '',
  ].join('\n'));
  const child = spawn(HAPROXY, ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  for (let i = 0; i < 50; i++) {
    const r = await call(port, 'GET', '/nothing-here');
    if (r.status) return { port, stop: () => new Promise((res) => { child.once('exit', res); child.kill('SIGTERM'); }) };
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
  throw new Error(`haproxy did not answer: ${err}`);
}

function load(port, token) {
  return autocannon({
    url: `http://127.0.0.1:${port}/api`, connections: CONNECTIONS, duration: SECONDS, pipelining: 1,
    headers: { authorization: `Bearer ${token}` },
  });
}

async function main() {
  execFileSync(HAPROXY, ['-v'], { stdio: 'ignore' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-scale-'));
  const redis = await startServer();
  const flow = await redisFlow({ redis: { url: redis.url }, keyPrefix: 'authflow_scale:', secret: crypto.randomBytes(32).toString('base64url') });
  const reds = [];
  const rows = [];
  try {
    for (let i = 0; i < 4; i++) {
      const port = await freePort();
      const userDir = path.join(dir, `nr${i}`);
      prepareUserDir(userDir, { port, flows: flow.flows, creds: flow.creds });
      reds.push(await startNodeRed(userDir, port));
    }
    const login = await call(reds[0].port, 'POST', '/login', { body: { username: 'alice', password: 'alice-pw' } });
    if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
    const token = login.body.access_token;
    const measure = async (label, port) => {
      await load(port, token); // warm-up run, discarded
      const r = await load(port, token);
      const bad = r.non2xx + r.errors + r.timeouts;
      rows.push(`| ${label} | ${Math.round(r.requests.average).toLocaleString('en')} | ${r.latency.p50} | ${r.latency.p99} | ${bad} |`);
      console.error(rows[rows.length - 1]);
    };
    await measure('1 instance, direct (no balancer)', reds[0].port);
    for (const n of [1, 2, 4]) {
      const lb = await startHaproxy(reds.slice(0, n).map((r) => r.port), dir);
      try { await measure(`${n} instance${n > 1 ? 's' : ''} behind haproxy`, lb.port); } finally { await lb.stop(); }
    }
  } finally {
    await Promise.all(reds.map((r) => r.stop()));
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${os.cpus().length} cores (${os.cpus()[0].model}), Node ${process.version}; autocannon ${CONNECTIONS} connections, ${SECONDS} s per row after a ${SECONDS} s warm-up; GET /api with an own-issuer bearer token (revocation + session state checked via Redis, local view).\n`);
  console.log('| setup | req/s | p50 ms | p99 ms | non-2xx / errors |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((err) => { console.error(err); process.exit(1); });
