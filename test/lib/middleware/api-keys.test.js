'use strict';
/**
 * apiKeys() / { type: 'api-keys' } for settings.js over real HTTP: keys made
 * by an ApiKeyService (as the authflow-keys node makes them) verified by the
 * middleware through lib/api-keys/store-check.ts — checksum before any store
 * read, keyed-hash lookup, revoked/expired, per-key IP rules, rotation headers
 * — on a memory store and on real Redis (a revoke on another instance).
 */
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const express = require('express');
const supertest = require('supertest');
const Redis = require('ioredis');
const pg = require('pg');
const net = require('node:net');
const { apiKeys, requireScope, createAuthMiddleware } = require('../../../dist/lib/middleware');
const { ApiKeyService, MemoryStore, RedisStore, PostgresStore, auditEvents, mintApiKey } = require('../../../dist/lib/internal');
const { requireRedis, requireService, REDIS_URL } = require('../../support/services');

const PG_URL = process.env.AUTHFLOW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

const SECRET = crypto.randomBytes(32).toString('base64url');
const quiet = { onWarning: () => {} };
const CHALLENGE = 'ApiKey realm="api", header="x-api-key"';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function serve(mw) {
  const state = { next: 0 };
  const server = http.createServer((req, res) => mw(req, res, (err) => {
    state.next++;
    res.statusCode = err === undefined ? 200 : 500;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ auth: req.auth ?? null }));
  }));
  return { state, api: supertest(server) };
}

/** Counts the store reads and writes (the checksum case: none). */
function counted(store) {
  const calls = { n: 0 };
  const proxy = new Proxy(store, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v !== 'function') return v;
      return (...args) => { if (['get', 'set', 'setIfAbsent', 'compareAndSet', 'increment', 'delete', 'sql'].includes(prop)) calls.n++; return v.apply(target, args); };
    },
  });
  return { proxy, calls };
}

describe('middleware apiKeys() on a memory store', function () {
  this.timeout(20000);
  let store;
  let keys;
  beforeEach(() => {
    store = new MemoryStore();
    keys = new ApiKeyService({ store, secret: SECRET });
  });
  afterEach(async () => {
    await keys.close();
    await store.close?.();
  });

  it('a valid key passes with req.auth {api_key, owner, key id, scopes}; requireScope after it decides on the key\'s scopes', async () => {
    const { key, record } = await keys.create('alice', { name: 'ci', scopes: ['orders:read'] });
    const app = express();
    app.get('/orders', apiKeys({ store, secret: SECRET, ...quiet }), (req, res) => res.json(req.auth));
    app.post('/orders', apiKeys({ store, secret: SECRET, ...quiet }), requireScope({ scopes: 'orders:write', ...quiet }), (req, res) => res.json(req.auth));
    const api = supertest(app);
    const ok = await api.get('/orders').set('x-api-key', key).expect(200);
    assert.deepEqual([ok.body.method, ok.body.subject, ok.body.keyId, ok.body.scopes, ok.body.claims.key_name], ['api_key', 'alice', record.id, ['orders:read'], 'ci']);
    const write = await api.post('/orders').set('x-api-key', key);
    assert.deepEqual([write.status, write.body.error], [403, 'AUTH_008']);
  });

  it('refusals: none 401 AUTH_001; bad checksum 401 AUTH_004 with no store read; unknown, revoked 401 AUTH_004; next() never called', async () => {
    const { key, record } = await keys.create('bob', {});
    const { proxy, calls } = counted(store);
    const { api, state } = serve(apiKeys({ store: proxy, secret: SECRET, ...quiet }));
    const none = await api.get('/x');
    assert.deepEqual([none.status, none.body.error, none.headers['www-authenticate']], [401, 'AUTH_001', CHALLENGE]);

    const last = key.at(-1) === 'A' ? 'B' : 'A';
    calls.n = 0;
    const typo = await api.get('/x').set('x-api-key', key.slice(0, -1) + last);
    assert.deepEqual([typo.status, typo.body.error, calls.n], [401, 'AUTH_004', 0], 'a checksum mismatch never reaches the store');

    const unknown = await api.get('/x').set('x-api-key', mintApiKey('kapi', 'prod').key);
    assert.deepEqual([unknown.status, unknown.body.error], [401, 'AUTH_004']);

    await keys.revoke('bob', record.id);
    const revoked = await api.get('/x').set('x-api-key', key);
    assert.deepEqual([revoked.status, revoked.body.error, revoked.headers['cache-control']], [401, 'AUTH_004', 'no-store']);
    assert.equal(state.next, 0);
  });

  it('per-key IP rules: a key allowed only from 10.0.0.0/8 is refused from 127.0.0.1 (403 AUTH_005); envs refuse other envs', async () => {
    const { key } = await keys.create('carol', { allowed_ips: ['10.0.0.0/8'] });
    const { api } = serve(apiKeys({ store, secret: SECRET, ...quiet }));
    const res = await api.get('/x').set('x-api-key', key);
    assert.deepEqual([res.status, res.body.error], [403, 'AUTH_005']);

    const { key: prod } = await keys.create('carol', { env: 'prod' });
    const testOnly = serve(apiKeys({ store, secret: SECRET, envs: ['test'], ...quiet }));
    assert.equal((await testOnly.api.get('/x').set('x-api-key', prod)).status, 401);
    const { key: test } = await keys.create('carol', { env: 'test' });
    await testOnly.api.get('/x').set('x-api-key', test).expect(200);
  });

  it('a rotated key works in its grace period with X-API-Key-Deprecated / -Sunset; a quota key shows X-Auth-Remaining-Quota', async () => {
    const old = await keys.create('dan', {});
    const rotated = await keys.rotate('dan', old.record.id);
    const { api } = serve(createAuthMiddleware({ checks: [{ type: 'api-keys', store, secret: SECRET, allowBearer: true }], ...quiet }));
    const res = await api.get('/x').set('Authorization', 'Bearer ' + old.key).expect(200);
    assert.equal(res.headers['x-api-key-deprecated'], 'true');
    assert.equal(res.headers['x-api-key-sunset'], new Date(rotated.previous.expiresAt).toUTCString());
    const fresh = await api.get('/x').set('Authorization', 'Bearer ' + rotated.key).expect(200);
    assert.equal(fresh.headers['x-api-key-deprecated'], undefined);

    const quota = await keys.create('dan', { max_uses: 2 });
    assert.equal((await api.get('/x').set('x-api-key', quota.key).expect(200)).headers['x-auth-remaining-quota'], '1');
    assert.equal((await api.get('/x').set('x-api-key', quota.key).expect(200)).headers['x-auth-remaining-quota'], '0');
    assert.equal((await api.get('/x').set('x-api-key', quota.key)).status, 401);
  });

  it('the key never appears in an audit event; another hashing secret finds no key', async () => {
    const { key } = await keys.create('erin', {});
    const events = [];
    const on = (e) => events.push(e);
    auditEvents.on('decision', on);
    try {
      await serve(apiKeys({ store, secret: SECRET, ...quiet })).api.get('/x').set('x-api-key', key).expect(200);
      const other = serve(apiKeys({ store, secret: crypto.randomBytes(32).toString('base64url'), ...quiet }));
      assert.equal((await other.api.get('/x').set('x-api-key', key)).status, 401);
    } finally {
      auditEvents.off('decision', on);
    }
    assert.ok(events.length >= 2);
    assert.ok(!JSON.stringify(events).includes(key) && !JSON.stringify(events).includes(key.slice(-20)));
  });

  it('refuses bad options at startup: no store, an empty (unset env) or short secret, an unknown option or env', () => {
    assert.throws(() => apiKeys({ secret: SECRET }), /api-keys: "store" is required/);
    assert.throws(() => apiKeys({ store, secret: process.env.AUTHFLOW_SURELY_UNSET_SECRET }), /api-keys: "secret"/);
    assert.throws(() => apiKeys({ store, secret: 'short' }), /api-keys: .*32/);
    assert.throws(() => apiKeys({ store, secret: SECRET, tokens: [] }), /unknown option "tokens"/);
    assert.throws(() => apiKeys({ store, secret: SECRET, envs: ['live'] }), /api-keys: unknown key env/);
  });
});

describe('middleware apiKeys() on Redis', function () {
  this.timeout(30000);
  const prefix = `aftest:mwkeys:${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}:`;
  const stores = [];
  const make = () => { const s = new RedisStore({ url: REDIS_URL, keyPrefix: prefix }); stores.push(s); return s; };
  let keys;

  before(async function () {
    await requireRedis(this);
    keys = new ApiKeyService({ store: make(), secret: SECRET });
  });
  after(async () => {
    await keys?.close();
    const raw = new Redis(REDIS_URL);
    const found = await raw.keys(prefix + '*');
    if (found.length) await raw.del(...found);
    raw.disconnect();
    await Promise.all(stores.map((s) => s.close()));
  });

  it('a key made on one instance passes the middleware on another; a revoke there refuses it on the next request', async () => {
    const { key, record } = await keys.create('frank', { scopes: ['a'] });
    const { api } = serve(apiKeys({ store: make(), secret: SECRET, ...quiet }));
    await api.get('/x').set('x-api-key', key).expect(200);
    await api.get('/x').set('x-api-key', key).expect(200); // warm: from the middleware's cache
    await keys.revoke('frank', record.id);
    let status;
    for (let i = 0; i < 50; i++) {
      status = (await api.get('/x').set('x-api-key', key)).status;
      if (status !== 200) break;
      await sleep(20);
    }
    assert.equal(status, 401, 'the revoke reached the middleware');
  });
});

describe('middleware apiKeys() on PostgreSQL', function () {
  this.timeout(30000);
  const schema = `aftest_mwkeys_${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const stores = [];
  const make = () => { const s = new PostgresStore({ connectionString: PG_URL, schema }); stores.push(s); return s; };
  let keys;

  before(async function () {
    await requireService(this, `PostgreSQL at ${PG_URL}`, async () => {
      const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
      await c.connect();
      await c.end();
    });
    keys = new ApiKeyService({ store: make(), secret: SECRET });
  });
  after(async () => {
    await keys?.close();
    await Promise.all(stores.map((s) => s.close()));
    if (!keys) return;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('a key in the PostgreSQL table passes on another instance; revoked there, it is refused', async () => {
    const { key, record } = await keys.create('gina', { scopes: ['a'] });
    const { api } = serve(apiKeys({ store: make(), secret: SECRET, ...quiet }));
    const ok = await api.get('/x').set('x-api-key', key).expect(200);
    assert.equal(ok.body.auth.keyId, record.id);
    await keys.revoke('gina', record.id);
    let status;
    for (let i = 0; i < 50; i++) {
      status = (await api.get('/x').set('x-api-key', key)).status;
      if (status !== 200) break;
      await sleep(20);
    }
    assert.equal(status, 401);
  });
});

describe('middleware apiKeys() with its store down', function () {
  this.timeout(30000);
  const stores = [];
  after(() => Promise.all(stores.map((s) => s.close())));

  it('store unreachable: 503 AUTH_011 (fail closed, never "wrong key")', async () => {
    // A port nobody listens on: Redis refuses the connection.
    const port = await new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
    const down = new RedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 200 });
    stores.push(down);
    const { api, state } = serve(apiKeys({ store: down, secret: SECRET, ...quiet }));
    const res = await api.get('/x').set('x-api-key', mintApiKey('kapi', 'prod').key);
    assert.deepEqual([res.status, res.body.error, state.next], [503, 'AUTH_011', 0]);
  });
});
