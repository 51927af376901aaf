'use strict';
/**
 * Security review: a key read that was in flight while the change channel
 * was down must not be cached when the channel comes back — a revoke
 * announced during the outage was never heard, so that read may be stale.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { ApiKeyService, MemoryStore } = require('../../../dist/lib/internal');
const { KvKeyRepository } = require('../../../dist/lib/api-keys/kv-repository');

const { settled: outcome } = require('../../support/outcome');

describe('API key cache across a lost change channel (security review)', () => {
  it('a read in flight during a channel outage is not cached: a revoke missed meanwhile takes effect on the next check', async () => {
    const store = new MemoryStore();
    const repo = new KvKeyRepository(store);
    let channel;
    let gate;
    repo.watch = async (_listener, onState) => { channel = onState; onState(true); return async () => undefined; };
    const byDigest = repo.byDigest.bind(repo);
    repo.byDigest = async (d) => {
      const r = await byDigest(d);
      if (gate) await gate;
      return r;
    };
    const keys = new ApiKeyService({ repository: repo, secret: crypto.randomBytes(32) });
    try {
      const { key, record } = await keys.create('alice', { name: 'k' });
      let open;
      gate = new Promise((r) => { open = r; });
      const inFlight = keys.verify(key, '127.0.0.1'); // reads the (still valid) record, then waits
      await new Promise((r) => setImmediate(r));
      channel(false); // the channel drops ...
      // ... another instance revokes; its announcement is lost with the channel.
      await repo.update(record.id, (r) => ({ ...r, revokedAt: Date.now() }));
      channel(true); // back
      open();
      gate = undefined;
      assert.equal(await outcome(inFlight), 'ok', 'the read that started before the revoke may answer with what it read');
      assert.equal(await outcome(keys.verify(key, '127.0.0.1')), '401 AUTH_004', 'the next check reads the store, not a cached stale record');
    } finally {
      await keys.close();
      store.close();
    }
  });
});

describe('API key cache eviction and revocation (security review)', () => {
  it('a key kept hot in a full cache is still forgotten at once when revoked', async () => {
    const store = new MemoryStore();
    // A tiny cache: three keys in use overflow it, as 10 001 would the default one.
    const keys = new ApiKeyService({ store, secret: crypto.randomBytes(32), cache: { maxEntries: 2 } });
    try {
      const [a, b, c] = [await keys.create('alice', {}), await keys.create('alice', {}), await keys.create('alice', {})];
      for (const k of [a, b, a, c, a]) assert.equal(await outcome(keys.verify(k.key, '127.0.0.1')), 'ok');
      await keys.revoke('alice', a.record.id);
      assert.equal(await outcome(keys.verify(a.key, '127.0.0.1')), '401 AUTH_004', 'served from the cache after its revoke');
    } finally {
      await keys.close();
      store.close();
    }
  });
});
