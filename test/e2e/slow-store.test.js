'use strict';
/**
 * Slow store (issue 17): one real Node-RED process whose Redis and
 * PostgreSQL connections both go through TCP proxies we slow down
 * (test/support/tcp-proxy.js, a delay on every chunk, both directions).
 * Traffic: a bearer check with revocation and a basic check with lockout on
 * the Redis store, logins on the PostgreSQL store. In each phase —
 * no delay, a delay well inside the store timeout, a delay beyond it, and
 * back to none — we check:
 *   - every answer is the right one or 503 AUTH_011 (never a wrong allow);
 *   - no answer waits longer than the store timeout allows (per store call);
 *   - the event loop stays free: perf_hooks.monitorEventLoopDelay inside
 *     the Node-RED process, read over a probe route.
 * Counted and printed; figures in docs/SCALING.md.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const pg = require('pg');
const { requireRedis, requireService, REDIS_URL } = require('../support/services');
const { tcpProxy } = require('../support/tcp-proxy');
const { hashPasswordScrypt } = require('../../dist/lib');
const { redisFlow, startInstance, call } = require('./redis-instances');

const PG_URL = process.env.AUTHFLOW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TIMEOUT_MS = 1000;
const SLACK_MS = 300; // scheduling on a shared 2-core machine
const RUN = crypto.randomBytes(4).toString('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withPg(fn) {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

/** The scale-out flow (Redis store, issuer, login, bearer /api) plus a basic route with lockout on the same store, logins on a PostgreSQL store, and the event-loop probe. */
async function slowStoreFlow(redisPort, pgUrl, table) {
  const flow = await redisFlow({ redis: { url: `redis://127.0.0.1:${redisPort}` }, keyPrefix: `authflow_slow_${RUN}:`, secret: crypto.randomBytes(32).toString('base64url'), timeoutMs: TIMEOUT_MS });
  const node = (id, props, wires) => ({ id, z: 'tab', x: 100, y: 100, ...props, wires });
  flow.flows.push(
    node('basic-in', { type: 'http in', url: '/basic', method: 'get' }, [['basic']]),
    node('basic', { type: 'authflow-basic', realm: 'api', userSourceType: 'cred', lockout: true, maxRetries: 5, ipMaxRetries: 0, findTime: 60, banTime: 60, store: 'store' }, [['basic-ok'], ['basic-out']]),
    node('basic-ok', { type: 'change', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"ok":true}', tot: 'json' }] }, [['basic-out']]),
    node('basic-out', { type: 'http response' }, []),
    { id: 'pgstore', type: 'authflow-store', name: 'slow pg', backend: 'postgres', pgTable: table, timeout: TIMEOUT_MS },
    { id: 'pgiss', type: 'authflow-issuer', name: 'pg issuer', iss: 'https://pg.example.test', aud: 'demo-api', accessTtl: 600, refreshTtl: 3600, store: 'pgstore' },
    node('pglogin-in', { type: 'http in', url: '/pg/login', method: 'post' }, [['pglogin']]),
    node('pglogin', { type: 'authflow-login', issuer: 'pgiss', operation: 'login', usersType: 'cred', maxRetries: 1000, ipMaxRetries: 0, findTime: 60, banTime: 60 }, [['pglogin-out'], ['pglogin-out']]),
    node('pglogin-out', { type: 'http response' }, []),
    // perf_hooks is handed in through functionGlobalContext (settings below).
    node('probe-in', { type: 'http in', url: '/probe/event-loop', method: 'get' }, [['probe']]),
    node('probe', { type: 'function', func: [
      "const h = global.get('eventLoopDelay');",
      'msg.payload = { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, meanMs: h.mean / 1e6 };',
      'if (msg.req.query.reset) h.reset();',
      'return msg;'].join('\n') }, [['probe-out']]),
    node('probe-out', { type: 'http response' }, []),
  );
  const alice = await hashPasswordScrypt('alice-pw', { ln: 10 });
  flow.creds.basic = { userList: `alice:${alice}` };
  flow.creds.pgstore = { pgConnectionString: pgUrl };
  flow.creds.pgiss = { secret: crypto.randomBytes(32).toString('base64url') };
  flow.creds.pglogin = { userList: JSON.stringify([{ username: 'alice', password: alice, scopes: ['orders:read'] }]) };
  return flow;
}

const EVENT_LOOP_PROBE = `functionGlobalContext: { eventLoopDelay: (() => { const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 }); h.enable(); return h; })() },`;

describe('e2e slow store: latency injected between Node-RED and Redis / PostgreSQL', function () {
  this.timeout(60000);
  const table = `authflow_slow_${RUN}`;
  let redisProxy;
  let pgProxy;
  let red;

  before(async function () {
    await requireRedis(this);
    await requireService(this, `PostgreSQL at ${PG_URL}`, () => withPg((c) => c.query('SELECT 1')));
    redisProxy = tcpProxy(Number(new URL(REDIS_URL).port || 6379));
    pgProxy = tcpProxy(Number(new URL(PG_URL).port || 5432));
    await Promise.all([redisProxy.start(), pgProxy.start()]);
    const pgUrl = new URL(PG_URL);
    pgUrl.port = String(pgProxy.port);
    pgUrl.hostname = '127.0.0.1';
    red = await startInstance('slow-store', await slowStoreFlow(redisProxy.port, pgUrl.toString(), table), { settings: EVENT_LOOP_PROBE });
  });

  after(async function () {
    if (red) await red.stop();
    await Promise.all([redisProxy?.stop(), pgProxy?.stop()]);
    await withPg((c) => c.query(`DROP TABLE IF EXISTS ${table}`)).catch(() => {});
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && red) console.log(`      --- Node-RED log (tail) ---\n${red.log().slice(-3000)}`);
  });

  it('answers stay right or 503 AUTH_011, within the store timeout, with a free event loop', async function () {
    const basicAuth = (user, pw) => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
    const login = (path, password) => call(red.port, 'POST', path, { body: { username: 'alice', password } });
    const valid = (await login('/login', 'alice-pw')).body;
    assert.ok(valid.access_token, 'login on the Redis store');
    const revoked = (await login('/login', 'alice-pw')).body;
    assert.equal((await call(red.port, 'POST', '/logout', { headers: { authorization: `Bearer ${revoked.access_token}` }, body: { refresh_token: revoked.refresh_token } })).status, 204);
    assert.equal((await login('/pg/login', 'alice-pw')).status, 200, 'login on the PostgreSQL store');

    // kind → request, the right answer, and how many store calls may stand in its way.
    const kinds = {
      'bearer valid': { run: () => call(red.port, 'GET', '/api', { headers: { authorization: `Bearer ${valid.access_token}` } }), right: 200, calls: 1 },
      'bearer revoked': { run: () => call(red.port, 'GET', '/api', { headers: { authorization: `Bearer ${revoked.access_token}` } }), right: 401, calls: 1 },
      'basic right': { run: () => call(red.port, 'GET', '/basic', { headers: basicAuth('alice', 'alice-pw') }), right: 200, calls: 2 },
      // Unknown users: lockout counts them without ever locking alice out.
      'basic wrong': { run: () => call(red.port, 'GET', '/basic', { headers: basicAuth(`mallory-${crypto.randomBytes(3).toString('hex')}`, 'guess') }), right: 401, calls: 2 },
      'pg login right': { run: () => login('/pg/login', 'alice-pw'), right: 200, calls: 2 },
      'pg login wrong': { run: () => login('/pg/login', 'not-it'), right: 401, calls: 2 },
    };
    const names = Object.keys(kinds);
    const figures = [];

    // A request waits on each of its store calls in turn, each cut at the timeout.
    const perCall = (kind) => TIMEOUT_MS * kinds[kind].calls + SLACK_MS;
    const phase = async (label, delayMs, durationMs, boundOf = perCall) => {
      redisProxy.delayMs = delayMs;
      pgProxy.delayMs = delayMs;
      await call(red.port, 'GET', '/probe/event-loop?reset=1');
      const counts = {};
      const wrong = [];
      const slow = [];
      const worst = {};
      let stop = false;
      const worker = async (w) => {
        for (let n = w; !stop; n++) {
          const kind = names[n % names.length];
          const res = await kinds[kind].run();
          counts[`${kind} ${res.status}`] = (counts[`${kind} ${res.status}`] || 0) + 1;
          worst[kind] = Math.max(worst[kind] || 0, res.ms);
          if (res.status === 503 && res.body?.error !== 'AUTH_011') wrong.push(`${kind}: 503 ${JSON.stringify(res.body)}`);
          else if (res.status !== 503 && res.status !== kinds[kind].right) wrong.push(`${kind}: ${res.status} ${res.error || JSON.stringify(res.body).slice(0, 200)}`);
          const bound = boundOf(kind);
          if (res.ms > bound) slow.push(`${kind} ${res.status} ${Math.round(res.ms)} ms > ${bound}`);
        }
      };
      const workers = Array.from({ length: 6 }, (_, w) => worker(w));
      await sleep(durationMs);
      stop = true;
      await Promise.all(workers);
      const loop = (await call(red.port, 'GET', '/probe/event-loop')).body;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const refused = Object.entries(counts).filter(([k]) => k.endsWith(' 503')).reduce((a, [, v]) => a + v, 0);
      console.log(`      ${label}: ${total} requests, ${refused} × 503 AUTH_011; slowest ${Object.entries(worst).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')} ms; event-loop delay max ${loop.maxMs.toFixed(1)} ms, p99 ${loop.p99Ms.toFixed(1)} ms`);
      console.log(`        ${Object.entries(counts).sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
      figures.push({ label, total, refused, worst, loop });
      assert.deepEqual(wrong, [], `${label}: answers that must never happen`);
      assert.deepEqual(slow, [], `${label}: answers slower than the store timeout allows`);
      assert.ok(loop.maxMs < 200, `${label}: event loop blocked for ${loop.maxMs} ms`);
      return { counts, refused, total };
    };

    const fast = await phase('no delay', 0, 2000);
    assert.equal(fast.refused, 0, 'no refusal without delay');
    await phase('50 ms per chunk (inside the timeout)', 50, 4000);
    // The first store call to time out ends the request: one timeout, whatever the kind.
    const beyond = await phase('1500 ms per chunk (beyond the timeout)', 1500, 5000, () => TIMEOUT_MS + SLACK_MS);
    assert.ok(beyond.refused > 0, 'a store slower than its timeout is refused, not waited for');
    // Replies that were held back arrive late; give them time, then service is back by itself.
    redisProxy.delayMs = 0;
    pgProxy.delayMs = 0;
    await sleep(2500);
    const back = await phase('delay removed', 0, 2000);
    assert.equal(back.refused, 0, 'service back by itself once the store is fast again');
  });
});
