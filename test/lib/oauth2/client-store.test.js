'use strict';
/**
 * ClientRegistry (lib/oauth2/client-store.ts): OAuth clients kept in the
 * store, on the memory store, a real Redis and a real PostgreSQL. Proven through OAuthServer's
 * token endpoint (client_secret_basic / _post): a created client gets a
 * token with its secret shown once; nothing listed or stored holds the
 * secret; a rotated-out secret works during its grace and not after; a
 * revoked secret and a disabled client are invalid_client; bad records are
 * refused when written; a corrupted record fails closed (503).
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const pg = require('pg');
const { requireRedis, requireService, REDIS_URL } = require('../../support/services');
const {
  OAuthServer, ClientRegistryError, MemoryStore, RedisStore, PostgresStore, createSessionTokens,
} = require('../../../dist/lib/internal');

const KEY = crypto.randomBytes(32).toString('base64url');
const ISS = 'https://auth.example.com';
const RUN = crypto.randomBytes(4).toString('hex');
const PG_URL = process.env.AUTHFLOW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

const basic = (id, secret) => 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
const tokenReq = (id, secret, body = 'grant_type=client_credentials') => ({
  method: 'POST', query: '', body, rawHeaders: ['Authorization', basic(id, secret), 'Content-Type', 'application/x-www-form-urlencoded'],
});

function serverOn(store, clock) {
  const tokens = createSessionTokens({ store, format: 'jwt', issuer: ISS, audience: 'https://api.example.com', secret: 'x'.repeat(32), accessTtlSec: 300 });
  const server = new OAuthServer({ tokens, clientSecretKey: KEY, tokenEndpoint: `${ISS}/oauth/token`, now: () => clock.now });
  return server;
}

const backends = [
  {
    name: 'memory store',
    async open() { const s = new MemoryStore(); return { store: s, dump: async () => JSON.stringify([...s.entries]), close: () => s.close() }; },
  },
  {
    name: 'Redis',
    async open(mocha) {
      await requireRedis(mocha);
      const prefix = `aftest:oc:${RUN}:${crypto.randomBytes(3).toString('hex')}:`;
      const s = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
      const Redis = require('ioredis');
      const raw = new Redis(REDIS_URL);
      return {
        store: s,
        async dump() {
          const keys = await raw.keys(prefix + '*');
          return JSON.stringify(await Promise.all(keys.map((k) => raw.get(k))));
        },
        async close() {
          const keys = await raw.keys(prefix + '*');
          if (keys.length) await raw.del(...keys);
          raw.disconnect();
          await s.close();
        },
      };
    },
  },
  {
    name: 'PostgreSQL (generic key-value table)',
    async open(mocha) {
      const schema = `aftest_oc_${RUN}_${crypto.randomBytes(2).toString('hex')}`;
      await requireService(mocha, `PostgreSQL at ${PG_URL}`, async () => {
        const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
        await c.connect();
        await c.end();
      });
      const s = new PostgresStore({ connectionString: PG_URL, schema });
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      return {
        store: s,
        async dump() {
          const { rows } = await admin.query(`SELECT * FROM "${schema}".authflow_kv`);
          return JSON.stringify(rows);
        },
        async close() {
          await s.close();
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`ClientRegistry on ${backend.name}`, function () {
    this.timeout(10000);
    let env;
    let server;
    let registry;
    const clock = { now: Date.parse('2026-06-01T00:00:00Z') };
    beforeEach(async function () {
      env = await backend.open(this);
      clock.now = Date.parse('2026-06-01T00:00:00Z');
      server = serverOn(env.store, clock);
      registry = server.registry;
    });
    afterEach(async () => { if (env) await env.close(); env = undefined; });

    const token = (id, secret, body) => server.handle('token', tokenReq(id, secret, body), () => registry);

    it('create: a generated client id and a 256-bit secret shown once, which gets a token with the record\'s scopes; nothing stored or listed holds it', async () => {
      const { client, client_secret: secret } = await registry.create({ client_name: 'ACME', scope: 'orders:read orders:write', default_scope: 'orders:read', access_token_lifetime: 120 });
      assert.match(client.client_id, /^afc_[A-Za-z0-9_-]{16}$/);
      assert.match(secret, /^afcs_[A-Za-z0-9_-]{43}$/, '32 random bytes');
      const res = await token(client.client_id, secret);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.scope, 'orders:read', 'default_scope from the record');
      assert.equal(res.body.expires_in, 120, 'lifetime from the record');
      assert.equal((await token(client.client_id, secret, 'grant_type=client_credentials&scope=orders:write')).body.scope, 'orders:write');
      assert.equal((await token(client.client_id, secret, 'grant_type=client_credentials&scope=admin')).body.error, 'invalid_scope');
      const dump = await env.dump();
      assert.ok(dump.includes('hmac-sha256$'), 'the keyed hash is stored');
      assert.ok(!dump.includes(secret) && !dump.includes(secret.slice(5)), 'the secret is not');
      const listed = JSON.stringify([await registry.list(), await registry.view(client.client_id)]);
      assert.ok(!listed.includes('hmac-sha256') && !listed.includes(secret.slice(5)), 'list/get never show a secret or hash');
      const [one] = await registry.list();
      assert.equal(one.client_name, 'ACME');
      assert.equal(one.secrets.length, 1);
      assert.match(one.secrets[0].id, /^cs_/);
    });

    it('wrong secret, unknown client and another client\'s secret are invalid_client (401, Basic challenge)', async () => {
      const a = await registry.create({ client_id: 'acme', scope: 'read' });
      const b = await registry.create({ client_id: 'beta', scope: 'read' });
      for (const [id, secret] of [['acme', b.client_secret], ['acme', a.client_secret + 'x'], ['nobody', a.client_secret]]) {
        const res = await token(id, secret);
        assert.equal(res.status, 401);
        assert.equal(res.body.error, 'invalid_client');
        assert.match(res.headers['WWW-Authenticate'], /^Basic /);
      }
      await assert.rejects(registry.create({ client_id: 'acme' }), (e) => e instanceof ClientRegistryError && e.status === 409);
    });

    it('rotation: the new secret works at once, the old one during its grace only; a revoked secret stops at once', async () => {
      const { client_secret: old } = await registry.create({ client_id: 'acme', scope: 'read' });
      const rotated = await registry.addSecret('acme', 3600);
      assert.notEqual(rotated.client_secret, old);
      assert.equal((await token('acme', rotated.client_secret)).status, 200);
      const during = await token('acme', old);
      assert.equal(during.status, 200, 'old secret inside the grace period');
      assert.match(during.notice, /client secret expires 2026-06-01T01:00:00/, 'using a secret due to expire is an audit notice');
      const view = await registry.view('acme');
      assert.deepEqual(view.secrets.map((s) => s.expires_at), ['2026-06-01T01:00:00.000Z', undefined]);
      clock.now += 3601_000;
      assert.equal((await token('acme', old)).body.error, 'invalid_client', 'after the grace period');
      assert.equal((await token('acme', rotated.client_secret)).status, 200);
      await registry.revokeSecret('acme', rotated.secret_id);
      assert.equal((await token('acme', rotated.client_secret)).body.error, 'invalid_client', 'revoked secret');
      await assert.rejects(registry.revokeSecret('acme', 'cs_nope'), (e) => e.status === 404);
      await assert.rejects(registry.addSecret('nobody'), (e) => e.status === 404);
      await assert.rejects(registry.addSecret('acme', -1), (e) => e.status === 400);
    });

    it('disable, enable and delete apply on the next request', async () => {
      const { client_secret: secret } = await registry.create({ client_id: 'acme', scope: 'read' });
      await registry.setEnabled('acme', false);
      const res = await token('acme', secret);
      assert.equal(res.body.error, 'invalid_client');
      assert.match(res.reason, /disabled/);
      await registry.setEnabled('acme', true);
      assert.equal((await token('acme', secret)).status, 200);
      assert.equal(await registry.delete('acme'), true);
      assert.equal((await token('acme', secret)).body.error, 'invalid_client');
      assert.deepEqual(await registry.list(), []);
    });

    it('records are validated as credential-source clients are: bad fields refused with 400, only known fields kept', async () => {
      await assert.rejects(registry.create({ scope: 'bad"scope' }), (e) => e.status === 400 && /scope/.test(e.message));
      await assert.rejects(registry.create({ scope: 'a', default_scope: 'b' }), (e) => e.status === 400);
      await assert.rejects(registry.create({ access_token_lifetime: 0 }), (e) => e.status === 400);
      await assert.rejects(registry.create({ client_id: 'x'.repeat(129) }), (e) => e.status === 400);
      await assert.rejects(registry.create({ jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] } }), (e) => e.status === 400);
      const { client } = await registry.create({ client_id: 'c', scope: 'a', client_secrets: ['hmac-sha256$AAAAAAAA$' + 'A'.repeat(43)], evil: 1 });
      assert.equal(client.evil, undefined);
      assert.equal(client.secrets.length, 1, 'client_secrets cannot be smuggled in');
      await assert.rejects(registry.update('c', { client_secrets: [] }), (e) => e.status === 400);
      assert.equal((await registry.update('c', { scope: 'a b' })).scope, 'a b');
      assert.deepEqual(await registry.list().then((l) => l.map((x) => x.client_id)), ['c'], 'a refused create leaves nothing behind');
    });

    it('private_key_jwt clients get no secret; their jwks is stored and compiled', async () => {
      const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' };
      const made = await registry.create({ client_id: 'svc', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } });
      assert.equal(made.client_secret, undefined);
      const compiled = await registry.get('svc');
      assert.equal(compiled.keys.kind, 'keys');
      assert.equal(compiled.authMethod, 'private_key_jwt');
    });

    it('a corrupted record fails closed: 503 temporarily_unavailable (AUTH_011), not invalid_client', async () => {
      await registry.create({ client_id: 'acme', scope: 'read' });
      // The record's key as client-store.ts builds it (its prefix is private: read for the test only).
      const { sha256Parts } = require('../../../dist/lib/crypto/secure-compare');
      await env.store.set(`${registry['prefix']}c:${sha256Parts('acme')}`, '{not json');
      const res = await token('acme', 'whatever');
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 'AUTH_011');
    });
  });
}
