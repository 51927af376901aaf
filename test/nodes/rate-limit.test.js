'use strict';
/**
 * authflow-rate-limit in a real Node-RED runtime over real HTTP: limits per
 * client IP (proxy-aware, msg.auth.ip first), per subject, per msg property;
 * the 429 answer and its headers; headers on allowed responses; respond
 * automatically; configuration errors fail closed; and with real Redis
 * behind a TCP proxy we cut and restore: fail closed (503 AUTH_011) or fail
 * open on local limits — visible in status and audit — and recovery without
 * a redeploy.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const Redis = require('ioredis');
const { helper, load, start, stop } = require('../support/flow-harness');
const { tcpProxy } = require('../support/tcp-proxy');
const { requireRedis, REDIS_URL } = require('../support/services');
const { auditEvents } = require('../../dist/lib/internal');

const rateLimitNode = require('../../dist/nodes/rate-limit/authflow-rate-limit.js');
const storeNode = require('../../dist/nodes/store/authflow-store.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** http in → [before] → rate limit ("check") → echo of msg.auth and msg.rateLimit; output 2 → http response. */
function flow(config, { before, url = '/api' } = {}) {
  const nodes = [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'in', type: 'http in', z: 'f1', url, method: 'get', wires: [[before ? 'before' : 'check']] },
    { id: 'check', type: 'authflow-rate-limit', z: 'f1', wires: [['ok'], ['out']], ...config },
    { id: 'ok', type: 'function', z: 'f1', func: 'msg.payload = { ok: true, auth: msg.auth, rateLimit: msg.rateLimit }; return msg;', wires: [['out']] },
    { id: 'out', type: 'http response', z: 'f1', wires: [] },
  ];
  if (before) nodes.push({ id: 'before', type: 'function', z: 'f1', func: before, wires: [['check']] });
  return nodes;
}

const loadFlow = (nodes, creds = {}) => load([], nodes, creds, [rateLimitNode, storeNode]);

/** Records the node's status calls. */
function watchStatus(id) {
  const node = helper.getNode(id);
  const seen = [];
  const original = node.status.bind(node);
  node.status = (s) => { seen.push(s); original(s); };
  return seen;
}

describe('authflow-rate-limit node over real HTTP', function () {
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('per client IP: N pass with the headers, then 429 AUTH_009 with Retry-After and the same headers', async () => {
    const api = await loadFlow(flow({ limits: [{ limit: 3, window: 1, unit: 'm' }] }));
    for (let r = 2; r >= 0; r--) {
      const res = await api.get('/api').expect(200);
      assert.equal(res.headers['ratelimit-policy'], '"default";q=3;w=60');
      assert.match(res.headers.ratelimit, new RegExp(`^"default";r=${r};t=\\d+$`));
      assert.equal(res.headers['x-ratelimit-limit'], '3');
      assert.equal(res.headers['x-ratelimit-remaining'], String(r));
      assert.ok(Number(res.headers['x-ratelimit-reset']) >= Math.floor(Date.now() / 1000));
      assert.equal(res.body.rateLimit.source, 'memory');
      assert.equal(res.body.rateLimit.policies[0].remaining, r);
      assert.equal(res.body.auth, undefined, 'msg.auth untouched (there was none)');
    }
    const refused = await api.get('/api').expect(429);
    assert.deepEqual(refused.body, { error: 'AUTH_009', message: 'Rate limit exceeded' });
    assert.equal(refused.headers['retry-after'], '20', '60 s / 3: the next request passes in 20 s');
    assert.equal(refused.headers.ratelimit, '"default";r=0;t=20');
    assert.equal(refused.headers['x-ratelimit-remaining'], '0');
    assert.equal(refused.headers['cache-control'], 'no-store');
  });

  it('Retry-After is never early: a retry after it passes (1 per second)', async () => {
    const api = await loadFlow(flow({ limits: [{ limit: 1, window: 1, unit: 's' }] }));
    await api.get('/api').expect(200);
    const refused = await api.get('/api').expect(429);
    assert.equal(refused.headers['retry-after'], '1');
    await sleep(1000);
    await api.get('/api').expect(200);
  });

  it('keeps msg.auth as it was and counts per msg.auth.ip (the address an earlier check verified)', async () => {
    const before = "msg.auth = { method: 'token', subject: 'alice', scopes: ['a'], ip: msg.req.headers['x-test-ip'] }; return msg;";
    const api = await loadFlow(flow({ limits: [{ limit: 1, window: 1, unit: 'h' }] }, { before }));
    const ok = await api.get('/api').set('x-test-ip', '203.0.113.5').expect(200);
    assert.deepEqual(ok.body.auth, { method: 'token', subject: 'alice', scopes: ['a'], ip: '203.0.113.5' });
    await api.get('/api').set('x-test-ip', '203.0.113.5').expect(429);
    await api.get('/api').set('x-test-ip', '203.0.113.6').expect(200);
  });

  it('per subject; without a subject the request counts against its client IP (never unlimited)', async () => {
    const before = "if (msg.req.headers['x-user']) msg.auth = { method: 'basic', subject: msg.req.headers['x-user'], scopes: [] }; return msg;";
    const api = await loadFlow(flow({ keyBy: 'subject', limits: [{ limit: 2, window: 1, unit: 'h' }] }, { before }));
    await api.get('/api').set('x-user', 'alice').expect(200);
    await api.get('/api').set('x-user', 'alice').expect(200);
    await api.get('/api').set('x-user', 'alice').expect(429);
    await api.get('/api').set('x-user', 'bob').expect(200);
    await api.get('/api').expect(200);
    await api.get('/api').expect(200);
    await api.get('/api').expect(429);
  });

  it('client IP through trusted proxies only (X-Forwarded-For right to left); garbage from a trusted proxy is 400 AUTH_003', async () => {
    let api = await loadFlow(flow({ limits: [{ limit: 1, window: 1, unit: 'h' }], trustedProxies: '127.0.0.1' }));
    await api.get('/api').set('X-Forwarded-For', '198.51.100.1').expect(200);
    await api.get('/api').set('X-Forwarded-For', '198.51.100.1').expect(429);
    await api.get('/api').set('X-Forwarded-For', '198.51.100.2').expect(200);
    assert.equal((await api.get('/api').set('X-Forwarded-For', 'nonsense').expect(400)).body.error, 'AUTH_003');
    await helper.unload();
    // Not trusted: the header is the client's own word and does not pick a fresh counter.
    api = await loadFlow(flow({ limits: [{ limit: 1, window: 1, unit: 'h' }] }));
    await api.get('/api').set('X-Forwarded-For', '198.51.100.1').expect(200);
    await api.get('/api').set('X-Forwarded-For', '198.51.100.2').expect(429);
  });

  it('per msg property, and several limits at once (2 per second and 3 per day)', async () => {
    const api = await loadFlow(flow({ keyBy: 'msg', keyProperty: 'req.headers.x-tenant', limits: [{ name: 'burst', limit: 2, window: 1, unit: 's' }, { name: 'daily', limit: 3, window: 1, unit: 'd' }], quotaHeader: true }));
    const a1 = await api.get('/api').set('x-tenant', 'a').expect(200);
    assert.equal(a1.headers['ratelimit-policy'], '"burst";q=2;w=1, "daily";q=3;w=86400');
    assert.equal(a1.headers['x-auth-remaining-quota'], '2');
    await api.get('/api').set('x-tenant', 'a').expect(200);
    await api.get('/api').set('x-tenant', 'a').expect(429);
    await api.get('/api').set('x-tenant', 'b').expect(200);
    await sleep(1000);
    const a3 = await api.get('/api').set('x-tenant', 'a').expect(200);
    assert.equal(a3.headers['x-auth-remaining-quota'], '0', 'the 429 did not use up the daily quota');
    await sleep(1000);
    const daily = await api.get('/api').set('x-tenant', 'a').expect(429);
    assert.ok(Number(daily.headers['retry-after']) > 3600, `daily quota: Retry-After ${daily.headers['retry-after']}`);
  });

  it('headers switch off per family', async () => {
    const api = await loadFlow(flow({ limits: [{ limit: 5, window: 1, unit: 'm' }], draftHeaders: false, legacyHeaders: false }));
    const res = await api.get('/api').expect(200);
    for (const h of ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-auth-remaining-quota']) assert.equal(res.headers[h], undefined, h);
  });

  it('respond automatically: the node answers the 429 itself and sends nothing on output 2', async () => {
    const nodes = flow({ limits: [{ limit: 1, window: 1, unit: 'm' }], respond: true });
    nodes.find((n) => n.id === 'check').wires = [['ok'], ['second']];
    nodes.push({ id: 'second', type: 'function', z: 'f1', func: "msg.statusCode = 418; msg.payload = 'output 2'; return msg;", wires: [['out']] });
    const api = await loadFlow(nodes);
    let onOutput2 = 0;
    helper.getNode('second').on('input', () => { onOutput2++; });
    await api.get('/api').expect(200);
    const res = await api.get('/api').expect(429);
    await sleep(50);
    assert.equal(onOutput2, 0);
    assert.equal(res.body.error, 'AUTH_009');
    assert.equal(res.headers['x-ratelimit-remaining'], '0');
  });

  it('audit: an allow and a deny event per request, never the raw key', async () => {
    const events = [];
    const listener = (e) => events.push(e);
    auditEvents.on('decision', listener);
    try {
      const api = await loadFlow(flow({ keyBy: 'msg', keyProperty: 'req.headers.x-secret-tenant', limits: [{ limit: 1, window: 1, unit: 'm' }] }));
      await api.get('/api').set('x-secret-tenant', 'tenant-s3cr3t').expect(200);
      await api.get('/api').set('x-secret-tenant', 'tenant-s3cr3t').expect(429);
    } finally {
      auditEvents.off('decision', listener);
    }
    assert.deepEqual(events.map((e) => [e.outcome, e.method, e.code]), [['allow', 'rate-limit', undefined], ['deny', 'rate-limit', 'AUTH_009']]);
    assert.equal(events[0].reason, 'within rate limits');
    assert.ok(!JSON.stringify(events).includes('s3cr3t'));
  });

  it('an invalid configuration is refused at deploy: node error, red status, every request 503 AUTH_011', async () => {
    for (const limits of [[], [{ limit: 0, window: 1, unit: 's' }], [{ limit: 5, window: 1, unit: 'w' }], [{ name: 'a"b', limit: 5, window: 1, unit: 's' }]]) {
      const api = await loadFlow(flow({ limits }));
      const res = await api.get('/api').expect(503);
      assert.equal(res.body.error, 'AUTH_011');
      const errors = helper.log().args.filter((a) => a[0].level === 20 && a[0].id === 'check');
      assert.ok(errors.some((a) => /configuration error/.test(a[0].msg)), JSON.stringify(limits));
      await helper.unload();
    }
  });

  it('a store that is not Redis is refused at deploy (rate limits are shared through Redis only)', async () => {
    const nodes = flow({ limits: [{ limit: 5, window: 1, unit: 's' }], store: 'st' });
    nodes.push({ id: 'st', type: 'authflow-store', backend: 'context' });
    const api = await loadFlow(nodes);
    assert.equal((await api.get('/api').expect(503)).body.error, 'AUTH_011');
  });
});

describe('authflow-rate-limit with real Redis behind a TCP proxy we cut and restore', function () {
  this.timeout(30000);
  const prefix = `authflow_rl_node_${crypto.randomBytes(4).toString('hex')}:`;
  let proxy;

  before(async function () {
    await requireRedis(this);
    await start();
  });
  after(async () => {
    await stop();
    const client = new Redis(REDIS_URL);
    const keys = await client.keys(`${prefix}*`);
    if (keys.length) await client.del(...keys);
    client.disconnect();
  });
  beforeEach(async () => {
    proxy = tcpProxy(Number(new URL(REDIS_URL).port || 6379));
    await proxy.start();
  });
  afterEach(async () => {
    await helper.unload();
    await proxy.stop().catch(() => {});
  });

  function redisFlow(config) {
    const nodes = flow({ store: 'st', limits: [{ limit: 100, window: 1, unit: 'm' }], ...config });
    nodes.push({ id: 'st', type: 'authflow-store', backend: 'redis', keyPrefix: prefix, timeout: 300 });
    return loadFlow(nodes, { st: { redisUrl: `redis://127.0.0.1:${proxy.port}` } });
  }

  /** Waits until `fn` holds (the store reconnects with a capped backoff). */
  async function eventually(fn, what, ms = 10000) {
    const deadline = Date.now() + ms;
    for (;;) {
      try { return await fn(); } catch (e) { if (Date.now() > deadline) throw new Error(`${what}: ${e.message}`); }
      await sleep(100);
    }
  }

  it('fail closed (default): cut → 503 AUTH_011 and a red status; restore → shared limits again without redeploy', async () => {
    const api = await redisFlow({ group: `closed-${Date.now()}` });
    const statuses = watchStatus('check');
    const ok = await eventually(() => api.get('/api').expect(200), 'first request through Redis');
    assert.equal(ok.body.rateLimit.source, 'redis');
    assert.equal(ok.headers['x-ratelimit-remaining'], '99');
    await proxy.stop();
    const down = await eventually(() => api.get('/api').expect(503), 'refused while Redis is cut');
    assert.equal(down.body.error, 'AUTH_011');
    assert.ok(Number(down.headers['retry-after']) >= 1);
    assert.ok(statuses.some((s) => s.fill === 'red' && /AUTH_011/.test(s.text)), JSON.stringify(statuses));
    await proxy.start(); // the same port: the store's URL is unchanged, no redeploy
    const back = await eventually(() => api.get('/api').expect(200), 'recovered after restore');
    assert.equal(back.body.rateLimit.source, 'redis');
    assert.equal(back.headers['x-ratelimit-remaining'], '98', 'the count from before the outage is still there');
  });

  it('after the store recovers the status is the limits label again, before any request (not "store ready")', async () => {
    const api = await redisFlow({ group: `label-${Date.now()}` });
    const statuses = watchStatus('check');
    await eventually(() => api.get('/api').expect(200), 'first request through Redis');
    await proxy.stop();
    await eventually(() => api.get('/api').expect(503), 'refused while Redis is cut');
    await eventually(() => assert.equal(statuses.at(-1).fill, 'red'), 'red status while cut');
    const seenBefore = statuses.length;
    await proxy.start(); // no request from here on: only the store's recovery changes the status
    // On a loaded machine a reconnect's ready check can itself time out (a red "Command timed out") before a later one succeeds.
    await eventually(() => assert.deepEqual(statuses.at(-1), { fill: 'grey', shape: 'ring', text: '100/60s per ip (redis)' }), 'the limits label back on recovery');
    assert.ok(statuses.length > seenBefore);
  });

  it('fail open: after the store recovers the warning is gone and the limits label is back', async () => {
    const api = await redisFlow({ group: `label-open-${Date.now()}`, onStoreError: 'open', fallbackPercent: 30 });
    const statuses = watchStatus('check');
    await eventually(() => api.get('/api').expect(200), 'first request through Redis');
    await proxy.stop();
    await eventually(() => assert.match(statuses.at(-1).text, /store down · local limits 30%/), 'yellow warning while cut');
    const seenBefore = statuses.length;
    await proxy.start();
    await eventually(() => assert.deepEqual(statuses.at(-1), { fill: 'grey', shape: 'ring', text: '100/60s per ip (redis)' }), 'the limits label back on recovery');
    assert.ok(statuses.length > seenBefore);
  });

  it('fail open: cut → local limits (30 % of 10) decide, yellow status, audit and msg.rateLimit say so; restore → Redis again', async () => {
    const events = [];
    const listener = (e) => events.push(e);
    auditEvents.on('decision', listener);
    try {
      const api = await redisFlow({ group: `open-${Date.now()}`, limits: [{ limit: 10, window: 1, unit: 'm' }], onStoreError: 'open', fallbackPercent: 30 });
      const statuses = watchStatus('check');
      await eventually(() => api.get('/api').expect(200), 'first request through Redis');
      await proxy.stop();
      const first = await eventually(async () => {
        const r = await api.get('/api').expect(200);
        assert.equal(r.body.rateLimit.source, 'local-fallback');
        return r;
      }, 'fallback decides');
      assert.equal(first.headers['ratelimit-policy'], '"default";q=3;w=60', 'the headers show the local limit in force');
      await api.get('/api').expect(200);
      await api.get('/api').expect(200);
      const refused = await api.get('/api').expect(429);
      assert.equal(refused.body.error, 'AUTH_009');
      assert.ok(statuses.some((s) => s.fill === 'yellow' && /store down · local limits 30%/.test(s.text)), JSON.stringify(statuses));
      assert.ok(events.some((e) => e.outcome === 'allow' && e.reason === 'within local fallback limits (store unavailable)'));
      assert.ok(helper.log().args.some((a) => a[0].level === 30 && /local fallback limits \(30%\)/.test(a[0].msg)), 'a warning in the log');
      await proxy.start(); // the same port: the store's URL is unchanged, no redeploy
      const back = await eventually(async () => {
        const r = await api.get('/api').expect(200);
        assert.equal(r.body.rateLimit.source, 'redis');
        return r;
      }, 'Redis decides again');
      assert.equal(back.headers['x-ratelimit-remaining'], '8', 'the shared count resumes where it was');
      assert.ok(statuses.at(-1).fill === 'green', JSON.stringify(statuses.at(-1)));
    } finally {
      auditEvents.off('decision', listener);
    }
  });

});
