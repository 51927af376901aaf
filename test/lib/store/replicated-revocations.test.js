'use strict';
// Every revocation waits for Store.confirmReplicated before it reports
// success (a Redis master that dies right after acknowledging a write can
// lose it to the replica Sentinel promotes: test/e2e/redis-topologies.test.js
// shows RedisStore's side). Here each revoking path runs on a store whose
// replicas never confirm: each must fail closed (AUTH_011), and succeed once
// they do.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  MemoryStore, StoreUnavailableError, Families, Revocations, OpaqueAccessTokens, ApiKeyService, OAuthServer, createSessionTokens, issuerTags,
} = require('../../../dist/lib/internal');

/** A MemoryStore with replicas that confirm only when told to; counts the waits. */
class ReplicatedStore extends MemoryStore {
  constructor() {
    super({ sweepIntervalMs: 0 });
    this.confirming = true;
    this.waits = 0;
  }

  async confirmReplicated() {
    this.waits++;
    if (!this.confirming) throw new StoreUnavailableError('test: no replica confirmed');
  }
}

const unavailable = (err) => err instanceof StoreUnavailableError && err.code === 'AUTH_011';

async function failsClosedThenSucceeds(store, revoke) {
  store.confirming = false;
  const before = store.waits;
  await assert.rejects(revoke(), unavailable);
  assert.equal(store.waits, before + 1);
  store.confirming = true;
  await revoke();
  assert.equal(store.waits, before + 2);
}

describe('revocations wait for the store replicas (Store.confirmReplicated)', function () {
  const tags = issuerTags({ issuer: 'https://issuer.test', audience: 'api' });

  it('an access token (jti deny-list), a session family and an opaque token', async function () {
    const store = new ReplicatedStore();
    const families = new Families(store, { issuerTag: tags.tokens, accessTtlSec: 60 });
    const revocations = new Revocations(store, families);
    await failsClosedThenSucceeds(store, () => revocations.revokeJti('jti-1', Math.floor(Date.now() / 1000) + 60));
    await failsClosedThenSucceeds(store, () => families.revoke('family-1'));
    const opaque = new OpaqueAccessTokens(store, tags.tokens);
    await failsClosedThenSucceeds(store, () => opaque.revoke(crypto.randomBytes(32).toString('base64url')));
    await store.close();
  });

  it('an API key (revoke and rotate)', async function () {
    const store = new ReplicatedStore();
    const keys = new ApiKeyService({ store, secret: crypto.randomBytes(32).toString('base64url') });
    const { record } = await keys.create('alice', { name: 'ci' });
    await failsClosedThenSucceeds(store, () => keys.revoke('alice', record.id));
    const { record: other } = await keys.create('alice', { name: 'second' });
    store.confirming = false;
    await assert.rejects(keys.rotate('alice', other.id), unavailable);
    await keys.close();
    await store.close();
  });

  it('an OAuth client: a secret revoked, the client disabled or deleted', async function () {
    const store = new ReplicatedStore();
    const tokens = createSessionTokens({ store, format: 'jwt', issuer: 'https://issuer.test', audience: 'api', secret: 'x'.repeat(32), accessTtlSec: 300 });
    const { registry } = new OAuthServer({ tokens, clientSecretKey: crypto.randomBytes(32).toString('base64url'), tokenEndpoint: 'https://issuer.test/oauth/token' });
    await registry.create({ client_id: 'acme', scope: 'read' });
    const { secret_id: first } = await registry.addSecret('acme', 0);
    const { secret_id: second } = await registry.addSecret('acme', 0);
    store.confirming = false;
    await assert.rejects(registry.revokeSecret('acme', first), unavailable);
    store.confirming = true;
    const waits = store.waits;
    await registry.revokeSecret('acme', second);
    assert.equal(store.waits, waits + 1);
    await failsClosedThenSucceeds(store, () => registry.setEnabled('acme', false));
    const before = store.waits;
    await registry.setEnabled('acme', true);
    assert.equal(store.waits, before, 'enabling a client revokes nothing: no wait');
    await failsClosedThenSucceeds(store, () => registry.delete('acme'));
    await store.close();
  });
});
