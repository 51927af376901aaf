'use strict';
/**
 * rateLimit() / { type: 'rate-limit' } for settings.js over real HTTP: the
 * same lib/limits check as the authflow-rate-limit node, the same headers
 * (proven side by side with the node in a real Node-RED), identities of
 * earlier checks handed on untouched, keys per earlier subject or a function,
 * proxy-aware client address, and options refused at startup.
 */
const assert = require('node:assert/strict');
const http = require('node:http');
const supertest = require('supertest');
const { createAuthMiddleware, rateLimit } = require('../../../dist/lib/middleware');
const crypto = require('node:crypto');
const Redis = require('ioredis');
const { load, start, stop, helper } = require('../../support/flow-harness');
const { requireRedis, REDIS_URL } = require('../../support/services');
const { RedisStore } = require('../../../dist/lib/internal');

const rateLimitNode = require('../../../dist/nodes/rate-limit/authflow-rate-limit.js');
const quiet = { onWarning: () => {} };
const NAMES = ['ratelimit-policy', 'ratelimit', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-auth-remaining-quota', 'retry-after'];

/** A server whose only handler is the middleware; next() answers 200 with req.auth. */
function serve(mw) {
  const state = { next: 0 };
  const server = http.createServer((req, res) => mw(req, res, () => {
    state.next++;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ ok: true, auth: req.auth ?? null }));
  }));
  return { state, api: supertest(server) };
}

const pick = (res) => Object.fromEntries(NAMES.filter((n) => res.headers[n] !== undefined).map((n) => [n, res.headers[n]]));

describe('middleware rateLimit()', function () {
  it('N pass with the headers, then 429 AUTH_009 with Retry-After; next() only for the passing ones', async () => {
    const { api, state } = serve(rateLimit({ limits: [{ limit: 2, window: 1, unit: 'm' }], ...quiet }));
    for (const r of [1, 0]) {
      const res = await api.get('/x').expect(200);
      assert.equal(res.headers['ratelimit-policy'], '"default";q=2;w=60');
      assert.match(res.headers.ratelimit, new RegExp(`^"default";r=${r};t=\\d+$`));
      assert.equal(res.headers['x-ratelimit-remaining'], String(r));
      assert.equal(res.body.auth, null, 'a rate limit identifies nobody: no req.auth');
    }
    const refused = await api.get('/x').expect(429);
    assert.equal(refused.body.error, 'AUTH_009');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(refused.headers['cache-control'], 'no-store');
    assert.equal(refused.headers['x-ratelimit-remaining'], '0');
    assert.equal(state.next, 2);
  });

  it('gives exactly the headers the node gives, allowed and refused (same config side by side)', async function () {
    this.timeout(20000);
    await start();
    try {
      const limits = [{ name: 'burst', limit: 2, window: 10, unit: 's' }, { name: 'day', limit: 5, window: 1, unit: 'd' }];
      const opts = { draftHeaders: true, legacyHeaders: true, quotaHeader: true };
      const nodeApi = await load([], [
        { id: 'f1', type: 'tab', label: 't' },
        { id: 'in', type: 'http in', z: 'f1', url: '/api', method: 'get', wires: [['check']] },
        { id: 'check', type: 'authflow-rate-limit', z: 'f1', limits, ...opts, respond: true, wires: [['ok'], []] },
        { id: 'ok', type: 'http response', z: 'f1', wires: [] },
      ], {}, [rateLimitNode]);
      const { api } = serve(rateLimit({ limits, ...opts, ...quiet }));
      for (let i = 0; i < 3; i++) {
        const [a, b] = await Promise.all([nodeApi.get('/api'), api.get('/api')]);
        assert.equal(a.status, b.status, `request ${i + 1}`);
        const [ha, hb] = [pick(a), pick(b)];
        assert.deepEqual(Object.keys(hb).sort(), Object.keys(ha).sort(), `request ${i + 1}: the same header set`);
        // Reset instants may straddle a second boundary between the two requests.
        for (const n of Object.keys(ha)) {
          if (n === 'x-ratelimit-reset') assert.ok(Math.abs(Number(ha[n]) - Number(hb[n])) <= 1, n);
          else assert.equal(hb[n].replace(/t=\d+/g, 't'), ha[n].replace(/t=\d+/g, 't'), `${n} on request ${i + 1}`);
        }
      }
    } finally {
      await helper.unload();
      await stop();
    }
  });

  it('header families switch off as on the node', async () => {
    const { api } = serve(rateLimit({ limits: [{ limit: 5, window: 60 }], draftHeaders: false, legacyHeaders: false, quotaHeader: true, ...quiet }));
    const res = await api.get('/x').expect(200);
    assert.deepEqual(pick(res), { 'x-auth-remaining-quota': '4' });
  });

  it('after a check: counts per subject, hands req.auth on untouched; a refusal by a later check keeps the headers', async () => {
    const { api } = serve(createAuthMiddleware({
      checks: [
        { type: 'token', tokens: [{ token: 'key-a', id: 'a', subject: 'alice' }, { token: 'key-b', id: 'b', subject: 'bob' }] },
        { type: 'rate-limit', limits: [{ limit: 1, window: 60 }], keyBy: 'subject' },
      ],
      ...quiet,
    }));
    const ok = await api.get('/x').set('x-auth-token', 'key-a').expect(200);
    assert.equal(ok.body.auth.subject, 'alice');
    assert.equal(ok.body.auth.method, 'token');
    await api.get('/x').set('x-auth-token', 'key-a').expect(429);
    await api.get('/x').set('x-auth-token', 'key-b').expect(200); // bob has his own budget
    await api.get('/x').expect(401); // no key: the token check answers first
  });

  it('before a check: the limit counts unauthenticated attempts too; a later refusal carries the limit headers', async () => {
    const { api } = serve(createAuthMiddleware({
      checks: [
        { type: 'rate-limit', limits: [{ limit: 2, window: 60 }] },
        { type: 'token', tokens: ['good-key'] },
      ],
      ...quiet,
    }));
    const first = await api.get('/x').set('x-auth-token', 'wrong').expect(401);
    assert.equal(first.headers['x-ratelimit-remaining'], '1');
    await api.get('/x').set('x-auth-token', 'good-key').expect(200);
    await api.get('/x').set('x-auth-token', 'good-key').expect(429);
  });

  it('a key function and a trusted proxy choose who is counted; no key value falls back to the address', async () => {
    const { api } = serve(rateLimit({
      limits: [{ limit: 1, window: 60 }], key: (req) => req.headers['x-tenant'], ...quiet,
    }));
    await api.get('/x').set('x-tenant', 't1').expect(200);
    await api.get('/x').set('x-tenant', 't1').expect(429);
    await api.get('/x').set('x-tenant', 't2').expect(200);
    await api.get('/x').expect(200); // no tenant: the client address, not yet counted
    await api.get('/x').expect(429);

    const proxied = serve(rateLimit({ limits: [{ limit: 1, window: 60 }], trustedProxies: '127.0.0.1', ...quiet })).api;
    await proxied.get('/x').set('x-forwarded-for', '203.0.113.5').expect(200);
    await proxied.get('/x').set('x-forwarded-for', '203.0.113.5').expect(429);
    await proxied.get('/x').set('x-forwarded-for', '203.0.113.6').expect(200);
    const untrusted = serve(rateLimit({ limits: [{ limit: 1, window: 60 }], ...quiet })).api;
    await untrusted.get('/x').set('x-forwarded-for', '203.0.113.5').expect(200);
    await untrusted.get('/x').set('x-forwarded-for', '203.0.113.6').expect(429, /AUTH_009/); // the header is not believed
  });

  it('bad options stop Node-RED at startup with a clear message', () => {
    assert.throws(() => rateLimit({ limits: [] }), /rate-limit: at least one rate limit/);
    assert.throws(() => rateLimit({ limits: [{ limit: 0, window: 1 }] }), /rate-limit: .*limit must be an integer/);
    assert.throws(() => rateLimit({ limits: [{ limit: 1, window: 1, unit: 'w' }] }), /unknown window unit/);
    assert.throws(() => rateLimit({ limits: [{ limit: 1, window: 1 }], keyBy: 'msg' }), /unknown key/);
    assert.throws(() => rateLimit({ limits: [{ limit: 1, window: 1 }], limts: 1 }), /unknown option "limts"/);
    assert.throws(() => rateLimit({ limits: [{ limit: 1, window: 1 }], store: {} }), /RedisStore/);
    assert.throws(() => rateLimit({ limits: [{ limit: 1, window: 1 }], trustedProxies: '10.0.0.0/33' }), /rate-limit: .*10\.0\.0\.0\/33/);
  });

  describe('with a real Redis store', function () {
    const prefix = `authflow_rlmw_test_${crypto.randomBytes(4).toString('hex')}:`;
    let stores = [];
    let client;
    before(async function () {
      await requireRedis(this);
      stores = [new RedisStore({ url: REDIS_URL, keyPrefix: prefix }), new RedisStore({ url: REDIS_URL, keyPrefix: prefix })];
      client = new Redis(REDIS_URL);
    });
    after(async () => {
      if (!client) return;
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(...keys);
      client.disconnect();
      await Promise.all(stores.map((s) => s.close()));
    });

    it('two "instances" (two middlewares, two connections) share one exact limit: 7 of 40 concurrent requests pass', async () => {
      const apis = stores.map((store) => serve(rateLimit({ limits: [{ limit: 7, window: 1, unit: 'h' }], store, group: 'shared', ...quiet })).api);
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => apis[i % 2].get('/x')));
      assert.equal(answers.filter((r) => r.status === 200).length, 7);
      assert.ok(answers.every((r) => r.status === 200 || (r.status === 429 && r.body.error === 'AUTH_009')));
      const remaining = answers.filter((r) => r.status === 200).map((r) => Number(r.headers['x-ratelimit-remaining'])).sort();
      assert.deepEqual(remaining, [0, 1, 2, 3, 4, 5, 6], 'the headers agree with what was counted');
    });
  });
});
