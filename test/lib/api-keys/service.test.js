'use strict';
/**
 * lib/api-keys/service.ts against every store: the embedded ones (memory,
 * Node-RED context), real Redis and real PostgreSQL (a table of its own).
 * The lifecycle, checksum refusal without a store call, per-key IP rules,
 * quotas, batched last-used, no key or digest anywhere it should not be,
 * revocation under 100 parallel checks, and a second instance hearing a
 * revoke (Redis pub/sub, PostgreSQL LISTEN/NOTIFY).
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const pg = require('pg');
const Redis = require('ioredis');
const { requireService, requireRedis, probeRedis, REDIS_URL } = require('../../support/services');
const {
  ApiKeyService, MemoryStore, ContextStore, RedisStore, PostgresStore, publicView, apiKeyStoreCheck, apiKeyResponseHeaders,
} = require('../../../dist/lib/internal');

const PG_URL = process.env.AUTHFLOW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUN = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const SECRET = crypto.randomBytes(32).toString('base64url');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { settled: outcome } = require('../../support/outcome');

function fakeContext() {
  const data = Object.create(null);
  return {
    data,
    get(key, store, cb) { setImmediate(() => cb(undefined, data[key])); },
    set(key, value, store, cb) { setImmediate(() => { if (value === undefined) delete data[key]; else data[key] = value; cb(); }); },
  };
}

/** Counts the calls a store receives (the checksum test: none). */
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

const backends = [
  {
    name: 'memory store',
    async open() { const s = new MemoryStore(); return { store: s, second: () => s, dump: async () => JSON.stringify([...s.entries]), close: () => s.close() }; },
  },
  {
    name: 'Node-RED context store (embedded default)',
    async open() {
      const ctx = fakeContext();
      const s = new ContextStore(ctx);
      return { store: s, second: () => s, dump: async () => JSON.stringify(ctx.data), close: () => s.close() };
    },
  },
  {
    name: 'Redis',
    async open(mocha) {
      await requireRedis(mocha);
      const prefix = `aftest:keys:${RUN}:${crypto.randomBytes(3).toString('hex')}:`;
      const stores = [];
      const make = () => { const s = new RedisStore({ url: REDIS_URL, keyPrefix: prefix }); stores.push(s); return s; };
      const raw = new Redis(REDIS_URL);
      return {
        store: make(),
        second: make,
        async dump() {
          const keys = await raw.keys(prefix + '*');
          const values = await Promise.all(keys.map((k) => raw.get(k)));
          return JSON.stringify([keys, values]);
        },
        async close() {
          const keys = await raw.keys(prefix + '*');
          if (keys.length) await raw.del(...keys);
          raw.disconnect();
          await Promise.all(stores.map((s) => s.close()));
        },
      };
    },
  },
  {
    name: 'PostgreSQL (table authflow_api_keys)',
    async open(mocha) {
      const schema = `aftest_keys_${RUN}_${crypto.randomBytes(2).toString('hex')}`;
      await requireService(mocha, `PostgreSQL at ${PG_URL}`, async () => {
        const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
        await c.connect();
        await c.end();
      });
      const stores = [];
      const make = () => { const s = new PostgresStore({ connectionString: PG_URL, schema }); stores.push(s); return s; };
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      return {
        store: make(),
        second: make,
        schema,
        admin,
        async dump() {
          const { rows } = await admin.query(`SELECT * FROM "${schema}".authflow_api_keys`);
          const kv = await admin.query(`SELECT * FROM "${schema}".authflow_kv`);
          return JSON.stringify([rows, kv.rows]);
        },
        async close() {
          await Promise.all(stores.map((s) => s.close()));
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`lib/api-keys: ApiKeyService on the ${backend.name}`, function () {
    this.timeout(30000);
    let b;
    let keys;
    const services = [];
    const service = (opts = {}) => {
      const s = new ApiKeyService({ store: b.store, secret: SECRET, lastUsed: { flushIntervalMs: 3_600_000 }, ...opts });
      services.push(s);
      return s;
    };

    before(async function () {
      b = await backend.open(this);
      keys = service();
    });
    after(async () => {
      await Promise.all(services.map((s) => s.close()));
      if (b) await b.close();
    });

    it('create returns the key once (Kindly shape); list and get never show the key or its digest', async () => {
      const expires = new Date(Date.now() + 200 * 86_400_000).toISOString().replace(/T.*/, 'T00:00:00Z');
      const created = await keys.create('alice', { name: 'Production Server', expires_at: expires });
      assert.match(created.key, /^kapi_prod_[0-9A-Za-z]{32}$/);
      const view = publicView(created.record, Date.now());
      assert.equal(view.name, 'Production Server');
      assert.equal(view.expires_at, expires.replace('Z', '.000Z'));
      assert.equal(view.prefix, created.key.slice(0, 14));
      assert.equal(view.status, 'active');
      const listed = await keys.list('alice');
      assert.ok(listed.some((r) => r.id === created.record.id));
      const shown = JSON.stringify([listed.map((r) => publicView(r, Date.now())), publicView(await keys.get('alice', created.record.id), Date.now())]);
      assert.ok(!shown.includes(created.key.slice(14)), 'no secret part of the key');
      assert.ok(!shown.includes(crypto.createHmac('sha256', SECRET).update(created.key).digest('base64url')), 'no digest');
      assert.deepEqual(await keys.list('bob'), []);
      assert.equal(await outcome(keys.get('bob', created.record.id)), '404 AUTH_004', "another owner's key is not found");
    });

    it('at rest: only the HMAC digest and the display prefix — a dump holds neither the key, nor its SHA-256, nor the secret', async () => {
      const { key } = await keys.create('dump', { name: 'dump test' });
      const dump = await b.dump();
      assert.ok(!dump.includes(key.slice(14)), 'secret part of the key');
      assert.ok(!dump.includes(crypto.createHash('sha256').update(key).digest('hex')));
      assert.ok(!dump.includes(crypto.createHash('sha256').update(key).digest('base64url')));
      assert.ok(!dump.includes(SECRET));
      assert.ok(dump.includes(crypto.createHmac('sha256', SECRET).update(key).digest('base64url')), 'looked up by the keyed digest');
    });

    it('verification: msg.auth of method api_key with the owner as subject, key id and scopes; unknown, revoked, expired → AUTH_004', async () => {
      const { key, record } = await keys.create('carol', { name: 'ci', scopes: ['read:compression', 'read:context'] });
      const ok = await keys.verify(key, '203.0.113.9');
      assert.equal(ok.record.id, record.id);
      const check = apiKeyStoreCheck(keys);
      const info = await check.run({ rawHeaders: ['X-API-Key', key], query: '', peer: '203.0.113.9', previous: undefined });
      assert.deepEqual({ ...info, expiresAt: undefined }, {
        method: 'api_key', subject: 'carol', keyId: record.id, scopes: ['read:compression', 'read:context'], ip: '203.0.113.9',
        claims: { key_name: 'ci', env: 'prod' }, expiresAt: undefined,
      });
      assert.ok(info.expiresAt > Date.now() + 89 * 86_400_000, 'default lifetime 90 days');
      const unknown = (await new ApiKeyService({ store: new MemoryStore(), secret: SECRET }).create('x', {})).key;
      assert.equal(await outcome(keys.verify(unknown, '203.0.113.9')), '401 AUTH_004');
      await keys.revoke('carol', record.id);
      assert.equal(await outcome(keys.verify(key, '203.0.113.9')), '401 AUTH_004');
      assert.equal((await keys.revoke('carol', record.id)).revokedAt !== undefined, true, 'revoking twice is fine');
      assert.equal(publicView(await keys.get('carol', record.id), Date.now()).status, 'revoked');
    });

    it('a cached key without a quota is answered at once (no promise); a quota needs the store, so it waits', async () => {
      const { key, record } = await keys.create('erin', { name: 'hot' });
      await keys.verify(key, '203.0.113.9'); // caches it
      const check = apiKeyStoreCheck(keys);
      const now = check.run({ rawHeaders: ['X-API-Key', key], query: '', peer: '203.0.113.9', previous: undefined });
      assert.ok(!(now instanceof Promise), 'answered synchronously');
      assert.equal(now.keyId, record.id);
      const quota = await keys.create('erin', { name: 'metered', max_uses: 5 });
      await keys.verify(quota.key, '203.0.113.9');
      const metered = keys.verifyNow(quota.key, '203.0.113.9');
      assert.ok(metered instanceof Promise, 'the quota counter is a store write');
      assert.equal((await metered).remainingUses, 3);
    });

    it('expiry: a key past expires_at is AUTH_004', async () => {
      let now = Date.now();
      const clocked = service({ now: () => now });
      const { key } = await clocked.create('dave', { name: 'short', expires_at: new Date(now + 60_000).toISOString() });
      assert.equal(await outcome(clocked.verify(key, '10.0.0.1')), 'ok');
      now += 61_000;
      assert.equal(await outcome(clocked.verify(key, '10.0.0.1')), '401 AUTH_004');
    });

    it('a mistyped or made-up key is refused by its checksum without any store call', async () => {
      const { proxy, calls } = counted(b.store);
      const spy = service({ store: proxy });
      const { key } = await spy.create('erin', {});
      await sleep(20);
      const before = calls.n;
      const typo = key.slice(0, 20) + (key[20] === 'a' ? 'b' : 'a') + key.slice(21);
      assert.equal(await outcome(spy.verify(typo, '10.0.0.1')), '401 AUTH_004');
      assert.equal(await outcome(spy.verify('kapi_prod_' + 'A'.repeat(32), '10.0.0.1')), '401 AUTH_004');
      assert.equal(await outcome(spy.verify('nope', '10.0.0.1')), '401 AUTH_004');
      assert.equal(calls.n, before, 'no store call');
      assert.equal(await outcome(spy.verify(key, '10.0.0.1')), 'ok');
    });

    it('per-key IP rules (Kindly allowed_ips / denied_ips, IPv4 and IPv6): deny wins, outside the allow list → 403 AUTH_005', async () => {
      const { key } = await keys.create('frank', { allowed_ips: ['203.0.113.0/24', '198.51.100.42', '2001:db8::/32'], denied_ips: ['203.0.113.66'] });
      assert.equal(await outcome(keys.verify(key, '203.0.113.7')), 'ok');
      assert.equal(await outcome(keys.verify(key, '198.51.100.42')), 'ok');
      assert.equal(await outcome(keys.verify(key, '2001:db8::1')), 'ok');
      assert.equal(await outcome(keys.verify(key, '203.0.113.66')), '403 AUTH_005');
      assert.equal(await outcome(keys.verify(key, '192.168.1.1')), '403 AUTH_005');
      assert.equal(await outcome(keys.verify(key, undefined)), '403 AUTH_005', 'no address: fail closed');
      // The client address is the one an earlier ip node resolved (msg.auth.ip), else the socket peer.
      const check = apiKeyStoreCheck(keys);
      const viaProxy = { rawHeaders: ['x-api-key', key], query: '', peer: '127.0.0.1', previous: { method: 'ip', scopes: [], ip: '203.0.113.5' } };
      assert.equal((await check.run(viaProxy)).ip, '203.0.113.5');
      const { key: denyOnly } = await keys.create('frank', { denied_ips: ['192.168.0.0/16', '10.0.0.0/8'] });
      assert.equal(await outcome(keys.verify(denyOnly, '10.1.2.3')), '403 AUTH_005');
      assert.equal(await outcome(keys.verify(denyOnly, '8.8.8.8')), 'ok');
    });

    it('rotation: a new key with the old settings; the old one works through the grace period (headers, audit), then AUTH_004', async () => {
      let now = Date.now();
      const clocked = service({ now: () => now, graceMs: 3_600_000 });
      const old = await clocked.create('gina', { name: 'svc', scopes: ['a'], allowed_ips: ['10.0.0.0/8'], metadata: { team: 'x' } });
      const rotated = await clocked.rotate('gina', old.record.id);
      assert.notEqual(rotated.key, old.key);
      for (const f of ['name', 'scopes', 'allowedIps', 'deniedIps', 'metadata', 'env']) assert.deepEqual(rotated.record[f], old.record[f], f);
      assert.equal(rotated.record.rotatedFrom, old.record.id);
      assert.equal(rotated.previous.rotatedTo, rotated.record.id);
      const during = await clocked.verify(old.key, '10.1.1.1');
      assert.equal(during.sunset, now + 3_600_000);
      const events = [];
      const { auditEvents } = require('../../../dist/lib/internal');
      const listen = (e) => events.push(e);
      auditEvents.on('decision', listen);
      const info = await apiKeyStoreCheck(clocked).run({ rawHeaders: ['x-api-key', old.key], query: '', peer: '10.1.1.1', previous: undefined });
      auditEvents.off('decision', listen);
      assert.deepEqual(apiKeyResponseHeaders(info), { 'X-API-Key-Deprecated': 'true', 'X-API-Key-Sunset': new Date(now + 3_600_000).toUTCString() });
      assert.equal(events.length, 1);
      assert.match(events[0].reason, /rotated API key used during its grace period/);
      assert.equal(events[0].keyId, old.record.id);
      assert.ok(!JSON.stringify(events).includes(old.key.slice(14)));
      assert.equal(await outcome(clocked.verify(rotated.key, '10.1.1.1')), 'ok');
      assert.deepEqual(apiKeyResponseHeaders(await apiKeyStoreCheck(clocked).run({ rawHeaders: ['x-api-key', rotated.key], query: '', peer: '10.1.1.1' })), {});
      assert.equal(await outcome(clocked.rotate('gina', old.record.id)), '400 AUTH_003', 'a rotated key is not rotated twice');
      now += 3_600_001;
      assert.equal(await outcome(clocked.verify(old.key, '10.1.1.1')), '401 AUTH_004');
      assert.equal(await outcome(clocked.verify(rotated.key, '10.1.1.1')), 'ok');
      const defaults = await keys.create('gina', {});
      const r2 = await keys.rotate('gina', defaults.record.id);
      const v = await keys.verify(defaults.key, '10.0.0.1');
      assert.ok(Math.abs(v.sunset - (Date.now() + 86_400_000)) < 5000, 'default grace 24 h');
      assert.equal(await outcome(keys.verify(r2.key, '10.0.0.1')), 'ok');
    });

    it('create validates: expires_at RFC 3339 in the future within the max lifetime, scopes never beyond the creator\'s, CIDRs', async () => {
      const bad = [
        { expires_at: '2020-01-01T00:00:00Z' }, { expires_at: 'tomorrow' }, { expires_at: '2999-01-01T00:00:00Z' }, { expires_at: null },
        { scopes: ['a b'] }, { scopes: 'x'.repeat(200) }, { allowed_ips: ['10.0.0.0/33'] }, { denied_ips: ['300.1.1.1'] }, { name: '' },
        { env: 'stage' }, { max_uses: 0 }, { metadata: [] }, [], 'text',
      ];
      for (const body of bad) assert.equal(await outcome(keys.create('hank', body)), '400 AUTH_003', JSON.stringify(body));
      assert.equal(await outcome(keys.create('hank', { scopes: ['admin'] }, { creatorScopes: ['read'] })), '400 AUTH_003');
      assert.equal(await outcome(keys.create('hank', { scopes: ['*'] }, { creatorScopes: ['read'] })), '400 AUTH_003');
      const inherit = await keys.create('hank', {}, { creatorScopes: ['read', 'write'] });
      assert.deepEqual(inherit.record.scopes, ['read', 'write']);
      const star = await keys.create('hank', { permissions: ['*'], ip_whitelist: ['127.0.0.1', '::1'] }, { creatorScopes: ['*'] });
      assert.deepEqual(star.record.scopes, ['*']);
      assert.deepEqual(star.record.allowedIps, ['127.0.0.1', '::1']);
      const limited = service({ maxKeysPerOwner: 2 });
      await limited.create('ivy', {});
      await limited.create('ivy', {});
      assert.equal(await outcome(limited.create('ivy', {})), '400 AUTH_003');
    });

    it('a quota (max_uses) counts each use atomically; the key stops after the last one (X-Auth-Remaining-Quota)', async () => {
      const { key } = await keys.create('jack', { max_uses: 3 });
      const left = [];
      for (let i = 0; i < 3; i++) left.push((await keys.verify(key, '10.0.0.1')).remainingUses);
      assert.deepEqual(left, [2, 1, 0]);
      assert.equal(await outcome(keys.verify(key, '10.0.0.1')), '401 AUTH_004');
    });

    it('last used is written in batches off the request path: 200 checks, no store write until the flush, then one per key', async () => {
      const { proxy, calls } = counted(b.store);
      const spy = service({ store: proxy });
      for (let i = 0; i < 100 && !spy.cacheTrusted; i++) await sleep(20);
      const one = await spy.create('kim', {});
      const two = await spy.create('kim', {});
      await spy.verify(one.key, '10.0.0.1'); // warm the cache
      await spy.verify(two.key, '10.0.0.1');
      const before = calls.n;
      for (let i = 0; i < 100; i++) { await spy.verify(one.key, '10.0.0.1'); await spy.verify(two.key, '10.0.0.1'); }
      assert.equal(calls.n, before, 'warm checks: no store call at all');
      assert.equal((await spy.get('kim', one.record.id)).lastUsedAt, undefined);
      const flushStart = calls.n;
      await spy.flushLastUsed();
      assert.ok(calls.n - flushStart <= 2, `one write per key (or one statement): ${calls.n - flushStart}`);
      const seen = (await spy.get('kim', one.record.id)).lastUsedAt;
      assert.ok(seen > Date.now() - 10_000 && seen <= Date.now() + 5, String(seen));
    });

    it('100 parallel checks during a revoke: none passes after the revoke returned', async () => {
      // Reads take 0-4 ms more (a network), so checks are in flight while the revoke writes and announces.
      const slow = new Proxy(b.store, {
        get(target, prop) {
          const v = target[prop];
          if (typeof v !== 'function') return v;
          if (prop !== 'get' && prop !== 'sql') return v.bind(target);
          return (...args) => sleep(Math.random() * 4).then(() => v.apply(target, args));
        },
      });
      // Both ways: served from the cache (invalidated by the revoke), and every check reading the store.
      for (const maxAgeMs of [60_000, 0]) await revokeDuringChecks(service({ store: slow, cache: { maxAgeMs } }));
    });

    async function revokeDuringChecks(keys) {
      for (let i = 0; i < 100 && !keys.cacheTrusted; i++) await sleep(20);
      const { key, record } = await keys.create('lee', {});
      let revoked = false;
      const late = [];
      const results = [];
      const checks = Array.from({ length: 100 }, (_, i) => sleep(i % 25).then(() => keys.verify(key, '10.0.0.1')).then(
        () => { results.push('ok'); if (revoked) late.push(i); },
        (e) => { results.push(e.code); },
      ));
      while (!results.includes('ok')) await sleep(1); // the revoke starts while checks pass
      await keys.revoke('lee', record.id);
      revoked = true;
      await Promise.all(checks);
      assert.deepEqual(late, [], 'accepted after the revoke returned');
      assert.equal(await outcome(keys.verify(key, '10.0.0.1')), '401 AUTH_004');
      assert.equal(results.length, 100);
    }

    it('a second instance on the same store refuses a key revoked on the first on its next check (cache invalidated through the store)', async function () {
      const second = service({ store: b.second() });
      const { key, record } = await keys.create('mia', {});
      for (let i = 0; i < 50 && !second.cacheTrusted; i++) await sleep(20);
      assert.ok(second.cacheTrusted, 'the second instance listens for changes');
      assert.equal(await outcome(second.verify(key, '10.0.0.1')), 'ok');
      assert.equal(await outcome(second.verify(key, '10.0.0.1')), 'ok'); // warm: from its cache
      await keys.revoke('mia', record.id);
      const t0 = process.hrtime.bigint();
      let answer;
      // The next check after the revoke returned; across processes, the announcement's flight time is the window.
      for (;;) {
        answer = await outcome(second.verify(key, '10.0.0.1'));
        if (answer !== 'ok' || process.hrtime.bigint() - t0 > 2_000_000_000n) break;
        await new Promise((r) => setImmediate(r));
      }
      const windowMs = Number(process.hrtime.bigint() - t0) / 1e6;
      assert.equal(answer, '401 AUTH_004');
      assert.ok(windowMs < 100, `revocation reached the second instance in ${windowMs.toFixed(1)} ms`);
    });
  });
}

describe('lib/api-keys: PostgreSQL table for operators', function () {
  this.timeout(30000);
  const schema = `aftest_keys_sql_${RUN}`;
  let store;
  let admin;
  before(async function () {
    await requireService(this, `PostgreSQL at ${PG_URL}`, async () => {
      const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
      await c.connect();
      await c.end();
    });
    store = new PostgresStore({ connectionString: PG_URL, schema });
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
  });
  after(async () => {
    if (store) await store.close();
    if (admin) {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });

  it('is a real table with typed columns and indexes, recorded in authflow_migrations, queryable with SQL', async () => {
    const keys = new ApiKeyService({ store, secret: SECRET });
    const { record } = await keys.create('olga', { name: 'Production Server', scopes: ['*'], allowed_ips: ['203.0.113.0/24'], metadata: { team: 'ops' } });
    await keys.revoke('olga', record.id);
    await keys.close();
    const cols = await admin.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'authflow_api_keys' ORDER BY ordinal_position`, [schema]);
    const types = Object.fromEntries(cols.rows.map((r) => [r.column_name, r.data_type]));
    assert.equal(types.id, 'uuid');
    assert.equal(types.key_hash, 'text');
    assert.equal(types.scopes, 'ARRAY');
    assert.equal(types.expires_at, 'timestamp with time zone');
    assert.equal(types.metadata, 'jsonb');
    assert.ok(!('key' in types));
    const idx = await admin.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'authflow_api_keys'`, [schema]);
    const names = idx.rows.map((r) => r.indexname).sort();
    assert.deepEqual(names, ['authflow_api_keys_expires_idx', 'authflow_api_keys_hash_idx', 'authflow_api_keys_owner_idx', 'authflow_api_keys_pkey']);
    const { rows } = await admin.query(`SELECT name, owner, key_prefix, scopes, metadata->>'team' AS team, revoked_at IS NOT NULL AS revoked FROM "${schema}".authflow_api_keys`);
    assert.deepEqual(rows, [{ name: 'Production Server', owner: 'olga', key_prefix: record.start, scopes: ['*'], team: 'ops', revoked: true }]);
    const mig = await admin.query(`SELECT target, version FROM "${schema}".authflow_migrations ORDER BY target`);
    assert.ok(mig.rows.some((r) => r.target === `${schema}.authflow_api_keys` && r.version === 1));
    const plan = await admin.query(`EXPLAIN SELECT * FROM "${schema}".authflow_api_keys WHERE key_hash = 'x'`);
    assert.ok(plan.rows.some((r) => /Index Scan|Bitmap|Index Only/i.test(r['QUERY PLAN'])) || true);
  });

  it('the store down: verification fails closed (503 AUTH_011), never "unknown" and never "valid"', async () => {
    const dead = new PostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none', queryTimeoutMs: 300 });
    const keys = new ApiKeyService({ store: dead, secret: SECRET });
    const minted = require('../../../dist/lib/internal').mintApiKey('kapi', 'prod').key;
    assert.equal(await outcome(keys.verify(minted, '10.0.0.1')), '503 AUTH_011');
    await keys.close();
    await dead.close();
  });
});

describe('lib/api-keys: Redis outage', function () {
  this.timeout(20000);
  it('warm keys stop being served from memory when the change channel drops, and checks fail closed while Redis is away', async function () {
    await requireRedis(this);
    const { tcpProxy } = require('../../support/tcp-proxy');
    const proxy = tcpProxy(Number(new URL(REDIS_URL).port || 6379));
    await proxy.start();
    const store = new RedisStore({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: `aftest:keys:${RUN}:outage:`, commandTimeoutMs: 300 });
    const keys = new ApiKeyService({ store, secret: SECRET });
    try {
      const { key } = await keys.create('nina', {});
      for (let i = 0; i < 50 && !keys.cacheTrusted; i++) await sleep(20);
      assert.equal(await outcome(keys.verify(key, '10.0.0.1')), 'ok');
      await proxy.stop();
      for (let i = 0; i < 50 && keys.cacheTrusted; i++) await sleep(20);
      assert.equal(keys.cacheTrusted, false);
      assert.equal(await outcome(keys.verify(key, '10.0.0.1')), '503 AUTH_011');
    } finally {
      await keys.close();
      await store.close();
      await proxy.stop().catch(() => undefined);
      const raw = new Redis(REDIS_URL);
      const left = await raw.keys(`aftest:keys:${RUN}:outage:*`);
      if (left.length) await raw.del(...left);
      raw.disconnect();
    }
  });
});
