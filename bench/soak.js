'use strict';
/**
 * Soak (issue 17): one Node-RED process on its own Redis serves several
 * minutes of mixed traffic — valid, revoked and forged bearer tokens,
 * logins (right and wrong), refreshes, logouts, and a rate-limited route
 * driven over its limit — while its resident memory and open file
 * descriptors are sampled (/proc). Prints the samples and the verdict
 * (flat after warm-up, no 5xx, no dropped connection).
 *
 *   node bench/soak.js [--seconds=120] [--bearer-cache=N]
 *
 * Not part of npm test or npm run bench.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { prepareUserDir } = require('../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../test/support/node-red-process');
const { startServer } = require('../test/support/redis-topology');
const { redisFlow, call } = require('../test/e2e/redis-instances');

const SECONDS = Number((process.argv.find((a) => a.startsWith('--seconds=')) || '').split('=')[1] || 120);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sample(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return { rssMb: rssKb / 1024, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}

async function main() {
  const redis = await startServer();
  const flow = await redisFlow({ redis: { url: redis.url }, keyPrefix: 'authflow_soak:', secret: crypto.randomBytes(32).toString('base64url') });
  flow.flows.push(
    { id: 'rl-in', type: 'http in', z: 'tab', url: '/limited', method: 'get', x: 100, y: 400, wires: [['rl']] },
    { id: 'rl', type: 'authflow-rate-limit', z: 'tab', name: '20/s per IP', limits: [{ name: 'burst', limit: 20, window: 1, unit: 's' }], keyBy: 'ip', store: 'store', onStoreError: 'closed', draftHeaders: true, respond: true, x: 300, y: 400, wires: [['rl-out'], []] },
    { id: 'rl-out', type: 'http response', z: 'tab', x: 500, y: 400, wires: [] },
    // The heap after a full GC (RSS alone also shows V8 growing its heap lazily).
    { id: 'mem-in', type: 'http in', z: 'tab', url: '/soak-mem', method: 'get', x: 100, y: 500, wires: [['mem']] },
    { id: 'mem', type: 'function', z: 'tab', func: "msg.payload = global.get('soakMem')(); return msg;", outputs: 1, x: 300, y: 500, wires: [['mem-out']] },
    { id: 'mem-out', type: 'http response', z: 'tab', x: 500, y: 500, wires: [] },
  );
  const settings = `functionGlobalContext: { soakMem: (() => { require('v8').setFlagsFromString('--expose-gc'); const gc = require('vm').runInNewContext('gc');
    return () => { gc(); return process.memoryUsage(); }; })() },`;
  // --bearer-cache=N: a smaller verified-token cache, to see the heap level off within a short run.
  const bearerCache = (process.argv.find((a) => a.startsWith('--bearer-cache=')) || '').split('=')[1];
  if (bearerCache) for (const n of flow.flows) if (n.type === 'authflow-bearer') n.cacheSize = Number(bearerCache);
  const port = await freePort();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-soak-'));
  prepareUserDir(userDir, { port, flows: flow.flows, creds: flow.creds, settings });
  const red = await startNodeRed(userDir, port);
  const counts = {};
  const bad = [];
  let stop = false;
  const count = (kind, res, ok) => {
    const k = `${kind} ${res.status}`;
    counts[k] = (counts[k] || 0) + 1;
    if (!ok.includes(res.status)) bad.push(`${k} ${res.error || JSON.stringify(res.body).slice(0, 120)}`);
  };
  const api = (t) => call(port, 'GET', '/api', { headers: { authorization: `Bearer ${t}` } });
  const session = async () => {
    const s = await call(port, 'POST', '/login', { body: { username: 'alice', password: 'alice-pw' } });
    count('login', s, [200]);
    return s.body;
  };
  const worker = async (w) => {
    let s = await session();
    for (let n = 0; !stop; n++) {
      switch ((n + w) % 10) {
        case 0: case 1: case 2: case 3: count('valid', await api(s.access_token), [200]); break;
        case 4: count('forged', await api(s.access_token.slice(0, -3) + 'AAA'), [401]); break;
        case 5: count('wrong-password', await call(port, 'POST', '/login', { body: { username: 'alice', password: 'nope' } }), [401, 429]); break;
        case 6: {
          const r = await call(port, 'POST', '/refresh', { body: { refresh_token: s.refresh_token } });
          count('refresh', r, [200]);
          if (r.status === 200) s = r.body;
          break;
        }
        case 7: count('limited', await call(port, 'GET', '/limited'), [200, 429]); break;
        case 8: {
          if (n % 50 !== 8) { count('valid', await api(s.access_token), [200]); break; }
          const out = await call(port, 'POST', '/logout', { headers: { authorization: `Bearer ${s.access_token}` }, body: { refresh_token: s.refresh_token } });
          count('logout', out, [204]);
          count('revoked', await api(s.access_token), [401]);
          s = await session();
          break;
        }
        default: count('no-token', await call(port, 'GET', '/api'), [401]);
      }
    }
  };
  const samples = [];
  const started = Date.now();
  const workers = Array.from({ length: 6 }, (_, w) => worker(w));
  try {
    while (Date.now() - started < SECONDS * 1000) {
      await sleep(5000);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const mem = await call(port, 'GET', '/soak-mem');
      samples.push({ t: Math.round((Date.now() - started) / 1000), requests: total, heapMb: mem.body.heapUsed / 2 ** 20, ...sample(red.child.pid) });
    }
  } finally {
    stop = true;
    await Promise.all(workers);
    await red.stop();
    await redis.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const warm = samples.filter((s) => s.t >= 30);
  const rss = warm.map((s) => s.rssMb);
  const fds = warm.map((s) => s.fds);
  console.log(`soak: ${total} requests in ${SECONDS} s (${Math.round(total / SECONDS)} req/s), ${bad.length} unexpected answers`);
  console.log(Object.entries(counts).sort().map(([k, v]) => `${k}: ${v}`).join(', '));
  const heap = warm.map((s) => s.heapMb);
  console.log('\n| t (s) | requests | heap after GC MB | RSS MB | open fds |\n|---|---|---|---|---|');
  for (const s of samples) console.log(`| ${s.t} | ${s.requests} | ${s.heapMb.toFixed(1)} | ${s.rssMb.toFixed(1)} | ${s.fds} |`);
  console.log(`\nafter warm-up (t >= 30 s): heap after GC ${Math.min(...heap).toFixed(1)}–${Math.max(...heap).toFixed(1)} MB, RSS ${Math.min(...rss).toFixed(1)}–${Math.max(...rss).toFixed(1)} MB, fds ${Math.min(...fds)}–${Math.max(...fds)}`);
  if (bad.length) console.log('unexpected:', bad.slice(0, 10));
}

main().catch((err) => { console.error(err); process.exit(1); });
