'use strict';
/**
 * API key signing secrets: shown once at create/rotate, stored sealed
 * (AES-256-GCM, key id as associated data), never in list/get answers or in
 * the store in plain; unsealed for the signed-request check, refused once
 * the key is revoked.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { ApiKeyService, MemoryStore, publicView, apiKeySigningKeys } = require('../../../dist/lib/internal');
const { KvKeyRepository } = require('../../../dist/lib/api-keys/kv-repository');

const { settled: outcome } = require('../../support/outcome');

/** Every key and value the memory store holds, as one text (a "dump"). */
function dump(store) {
  const parts = [];
  store.entries.forEach((v, k) => parts.push(String(k), JSON.stringify(v)));
  assert.ok(parts.length > 0, 'the dump sees the store');
  return parts.join('\n');
}

describe('API key signing secrets (sealed at rest)', () => {
  let store;
  let repo;
  let keys;
  const secret = crypto.randomBytes(32);
  beforeEach(() => {
    store = new MemoryStore();
    repo = new KvKeyRepository(store);
    keys = new ApiKeyService({ repository: repo, secret });
  });
  afterEach(async () => {
    await keys.close();
    store.close();
  });

  it('is issued only when asked for, shown once, and never in list/get or the store in plain', async () => {
    const plain = await keys.create('alice', { name: 'no signing' });
    assert.equal(plain.signingSecret, undefined);
    assert.equal(plain.record.signingSecret, undefined);
    const { key, record, signingSecret } = await keys.create('alice', { name: 'signer', signing: true });
    assert.match(signingSecret, /^ksig_[A-Za-z0-9_-]{43}$/);
    assert.match(record.signingSecret, /^v1\./, 'the record holds the sealed form');
    assert.ok(!record.signingSecret.includes(signingSecret));
    const listed = JSON.stringify((await keys.list('alice')).map((r) => publicView(r, Date.now())));
    const got = publicView(await keys.get('alice', record.id), Date.now());
    assert.equal(got.signing, true);
    assert.equal(publicView(plain.record, Date.now()).signing, false);
    for (const text of [listed, JSON.stringify(got)]) {
      assert.ok(!text.includes(signingSecret), 'no plain secret in list/get');
      assert.ok(!text.includes(record.signingSecret), 'not even the sealed one in list/get');
      assert.ok(!text.includes(key));
    }
    const stored = dump(store);
    assert.ok(stored.includes(record.signingSecret), 'the dump holds the sealed secret');
    assert.ok(!stored.includes(signingSecret), 'never the plain secret');
    assert.ok(!stored.includes(signingSecret.slice(5)), 'nor its random part');
  });

  it('unseals for the signed-request check: the same HMAC key the client got', async () => {
    const { key, record, signingSecret } = await keys.create('alice', { name: 'signer', signing: true, scopes: ['orders:write'] });
    const resolved = await apiKeySigningKeys(keys).resolve(key, '127.0.0.1', Date.now());
    assert.equal(resolved.id, record.id);
    assert.equal(resolved.subject, 'alice');
    assert.deepEqual(resolved.scopes, ['orders:write']);
    const mac = (k) => crypto.createHmac('sha256', k).update('msg').digest('hex');
    assert.equal(mac(resolved.secrets.keys[0].key), mac(Buffer.from(signingSecret, 'utf8')));
  });

  it('a sealed secret copied to another key, or read with another installation secret, does not open (503, never accepted)', async () => {
    const a = await keys.create('alice', { name: 'a', signing: true });
    const b = await keys.create('alice', { name: 'b', signing: true });
    await repo.update(b.record.id, (r) => ({ ...r, signingSecret: a.record.signingSecret }));
    assert.equal(await outcome(keys.signingKey(b.key, undefined)), '503 AUTH_011', 'the key id is the associated data');
    const other = new ApiKeyService({ repository: repo, secret: crypto.randomBytes(32) });
    try {
      // Another installation secret: the key's keyed hash differs too, so the key is simply unknown there.
      assert.equal(await outcome(other.signingKey(a.key, undefined)), '401 AUTH_004');
    } finally {
      await other.close();
    }
  });

  it('refuses keys without a signing secret, revoked keys (even when cached) and bad checksums with AUTH_004', async () => {
    const plain = await keys.create('alice', { name: 'plain' });
    assert.equal(await outcome(keys.signingKey(plain.key, undefined)), '401 AUTH_004');
    const { key, record } = await keys.create('alice', { name: 'signer', signing: true });
    assert.equal(await outcome(keys.signingKey(key, undefined)), 'ok');
    assert.equal(await outcome(keys.signingKey(key, undefined)), 'ok', 'warm (cached) check');
    await keys.revoke('alice', record.id);
    assert.equal(await outcome(keys.signingKey(key, undefined)), '401 AUTH_004');
    const typo = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    assert.equal(await outcome(keys.signingKey(typo, undefined)), '401 AUTH_004');
  });

  it('a rotated signing key gets a fresh secret; signing must be a boolean', async () => {
    const first = await keys.create('alice', { name: 'signer', signing: true });
    const rotated = await keys.rotate('alice', first.record.id, {});
    assert.match(rotated.signingSecret, /^ksig_/);
    assert.notEqual(rotated.signingSecret, first.signingSecret);
    const plain = await keys.create('alice', { name: 'plain' });
    assert.equal((await keys.rotate('alice', plain.record.id, {})).signingSecret, undefined);
    assert.equal(await outcome(keys.create('alice', { name: 'x', signing: 'yes' })), '400 AUTH_003');
    assert.match((await keys.create('alice', { name: 'forced' }, { signing: true })).signingSecret, /^ksig_/, 'the node option');
  });
});

describe('API key signing secrets in a PostgreSQL table (shared by two instances)', function () {
  this.timeout(20000);
  const pg = require('pg');
  const { PostgresStore } = require('../../../dist/lib/internal');
  const { requireService } = require('../../support/services');
  const PG_URL = process.env.AUTHFLOW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `aftest_sign_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  let admin;
  const stores = [];
  const services = [];

  before(async function () {
    await requireService(this, `PostgreSQL at ${PG_URL}`, async () => {
      const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
      await c.connect();
      await c.end();
    });
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
  });
  after(async () => {
    await Promise.all(services.map((s) => s.close()));
    await Promise.all(stores.map((s) => s.close()));
    if (admin) {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });

  it('the column holds only the sealed secret; another instance unseals it, and a revoke there takes effect here', async () => {
    const secret = crypto.randomBytes(32);
    const make = () => {
      const store = new PostgresStore({ connectionString: PG_URL, schema });
      stores.push(store);
      const s = new ApiKeyService({ store, secret });
      services.push(s);
      return s;
    };
    const a = make();
    const b = make();
    const { key, record, signingSecret } = await a.create('alice', { name: 'signer', signing: true });
    const { rows } = await admin.query(`SELECT * FROM "${schema}".authflow_api_keys`);
    const text = JSON.stringify(rows);
    assert.match(rows[0].signing_secret, /^v1\./);
    assert.ok(!text.includes(signingSecret) && !text.includes(signingSecret.slice(5)), 'never the plain secret in the table');
    assert.equal(await outcome(b.signingKey(key, undefined)), 'ok');
    assert.equal(await outcome(b.signingKey(key, undefined)), 'ok', 'now cached on b');
    await a.revoke('alice', record.id);
    let seen = '';
    for (let i = 0; i < 50 && seen !== '401 AUTH_004'; i++) {
      seen = await outcome(b.signingKey(key, undefined));
      if (seen !== '401 AUTH_004') await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(seen, '401 AUTH_004', 'the revoke reached the other instance (NOTIFY)');
  });
});
