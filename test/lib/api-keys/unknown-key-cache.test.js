'use strict';
/**
 * Unknown but well-formed API keys (a valid checksum is CRC32: anyone can
 * make one) are remembered as unknown for a few seconds, so a flood of them
 * costs one store read per key per TTL, not one per request. A key created
 * after being looked up as unknown works at once: on the creating instance,
 * and on another instance sharing the store once the creation is announced.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { ApiKeyService, MemoryStore } = require('../../../dist/lib/internal');
const { KvKeyRepository } = require('../../../dist/lib/api-keys/kv-repository');
const format = require('../../../dist/lib/api-keys/format');

const { settled: code } = require('../../support/outcome');

/** A repository that counts byDigest reads. */
function counted(real, reads) {
  return new Proxy(real, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== 'function') return v;
      return (...args) => {
        if (prop === 'byDigest') reads.n++;
        return v.apply(target, args);
      };
    },
  });
}

/** Makes the next create() mint exactly `key` (a key looked up before it existed). */
function mintNext(key) {
  const real = format.mintApiKey;
  format.mintApiKey = (prefix, env) => {
    format.mintApiKey = real;
    const minted = real(prefix, env);
    return { ...minted, key, start: key.slice(0, minted.start.length) };
  };
}

describe('API keys: unknown keys cached briefly (negative cache)', () => {
  let store, reads, keys, clock;
  const secret = crypto.randomBytes(32);
  beforeEach(() => {
    store = new MemoryStore({ sweepIntervalMs: 0 });
    reads = { n: 0 };
    clock = Date.now();
    keys = new ApiKeyService({ repository: counted(new KvKeyRepository(store), reads), secret, now: () => clock });
  });
  afterEach(async () => {
    await keys.close();
    store.close();
  });

  it('a repeated unknown, well-formed key costs one store read within the TTL, one more after it', async () => {
    const unknown = format.mintApiKey('kapi', 'prod').key;
    for (let i = 0; i < 20; i++) assert.equal(await code(keys.verify(unknown, undefined)), '401 AUTH_004');
    assert.equal(reads.n, 1);
    await Promise.all(Array.from({ length: 10 }, () => code(keys.verify(unknown, undefined))));
    assert.equal(reads.n, 1, 'concurrent lookups too');
    clock += 10_000;
    assert.equal(await code(keys.verify(unknown, undefined)), '401 AUTH_004');
    assert.equal(reads.n, 2, 'read again once the TTL is over');
  });

  it('is bounded: 10,000 entries at most', async () => {
    for (let i = 0; i < 10_050; i++) await code(keys.verify(format.mintApiKey('kapi', 'prod').key, undefined));
    assert.ok(keys.unknownKeysCached <= 10_000, `${keys.unknownKeysCached} entries`);
  });

  it('a key created after being looked up as unknown works at once on the same instance', async () => {
    const key = format.mintApiKey('kapi', 'prod').key;
    assert.equal(await code(keys.verify(key, undefined)), '401 AUTH_004');
    mintNext(key);
    const created = await keys.create('alice', { name: 'later' });
    assert.equal(created.key, key);
    assert.equal((await keys.verify(key, undefined)).record.id, created.record.id);
  });

  it('a key created on another instance works at once here (the creation is announced)', async () => {
    const other = new ApiKeyService({ repository: new KvKeyRepository(store), secret });
    try {
      const key = format.mintApiKey('kapi', 'prod').key;
      assert.equal(await code(keys.verify(key, undefined)), '401 AUTH_004');
      mintNext(key);
      const created = await other.create('bob', { name: 'elsewhere' });
      assert.equal((await keys.verify(key, undefined)).record.id, created.record.id);
    } finally {
      await other.close();
    }
  });
});
