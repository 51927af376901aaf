'use strict';
/**
 * The authflow-hmac "API key store" source and quotas: a use is counted
 * (and last-used written) only after the signature matched and the nonce
 * was claimed, so someone who saw only the X-Key-Id header cannot burn the
 * key's max_uses, and forged requests make no store writes.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { ApiKeyService, MemoryStore, apiKeySigningKeys } = require('../../../dist/lib/internal');
const { KvKeyRepository } = require('../../../dist/lib/api-keys/kv-repository');
const { signedRequestCheck, requestBody } = require('../../../dist/lib/signatures');

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** The strict canonical string, written out from the documented format. */
function signed(keyId, secret, { n = crypto.randomBytes(16).toString('hex'), sig } = {}) {
  const ts = String(Math.floor(Date.now() / 1000));
  const msg = ['AUTHFLOW-HMAC-SHA256', 'POST', '/orders', '', ts, n, sha(Buffer.alloc(0))].join('\n');
  const signature = sig ?? crypto.createHmac('sha256', secret).update(msg).digest('hex');
  const headers = { 'X-Key-Id': keyId, 'X-Timestamp': ts, 'X-Nonce': n, 'X-Signature': signature };
  const rawHeaders = Object.entries(headers).flat();
  return { rawHeaders, query: '', peer: '127.0.0.1', previous: undefined, method: 'POST', path: '/orders', body: requestBody(undefined, Buffer.alloc(0), false) };
}

const { settled: code } = require('../../support/outcome');

describe('API key store as signing source: quota and last-used only after a valid signature', () => {
  let store, repo, keys, check, writes, nonceStore;
  beforeEach(() => {
    store = new MemoryStore({ sweepIntervalMs: 0 });
    nonceStore = new MemoryStore({ sweepIntervalMs: 0 });
    writes = { countUse: 0, writeLastUsed: 0 };
    const real = new KvKeyRepository(store);
    repo = new Proxy(real, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (typeof v !== 'function') return v;
        return (...args) => {
          if (prop in writes) writes[prop]++;
          return v.apply(target, args);
        };
      },
    });
    keys = new ApiKeyService({ repository: repo, secret: crypto.randomBytes(32) });
    check = signedRequestCheck(apiKeySigningKeys(keys), { store: nonceStore });
  });
  afterEach(async () => {
    await keys.close();
    store.close();
    nonceStore.close();
  });

  it('forged and unsigned requests leave the quota untouched and write nothing; a valid one consumes one use', async () => {
    const { key, signingSecret } = await keys.create('alice', { name: 'quota', signing: true, max_uses: 2 });
    const forged = '0'.repeat(64);
    for (let i = 0; i < 5; i++) assert.equal(await code(check.run(signed(key, signingSecret, { sig: forged }))), '401 AUTH_010');
    for (let i = 0; i < 5; i++) assert.equal(await code(check.run(signed(key, 'not-the-secret'))), '401 AUTH_010');
    await keys.flushLastUsed();
    assert.deepEqual(writes, { countUse: 0, writeLastUsed: 0 }, 'no store write for a request without a valid signature');

    const info = await check.run(signed(key, signingSecret));
    assert.equal(info.method, 'hmac');
    assert.equal(writes.countUse, 1, 'one use counted');
    await keys.flushLastUsed();
    assert.equal(writes.writeLastUsed, 1, 'last used recorded for the valid request');

    // The quota of 2 is intact: one more valid request passes, the third is refused.
    assert.equal(await code(check.run(signed(key, signingSecret))), 'ok');
    assert.equal(await code(check.run(signed(key, signingSecret))), '401 AUTH_004');
  });

  it('a replayed valid request is refused before a use is counted', async () => {
    const { key, signingSecret } = await keys.create('alice', { name: 'quota', signing: true, max_uses: 5 });
    const n = crypto.randomBytes(16).toString('hex');
    assert.equal(await code(check.run(signed(key, signingSecret, { n }))), 'ok');
    assert.equal(await code(check.run(signed(key, signingSecret, { n }))), '401 AUTH_010');
    assert.equal(writes.countUse, 1);
  });
});
