'use strict';
// API keys (issue 13) at the library level, where 100,000 keys can be put
// in every store in seconds: `node bench/api-keys.js [--keys 100000] [--redis]`.
//  - verify: a warm valid key with N keys in the store, against the same
//    request path without the key check (HMAC + cache + IP rules only);
//  - a flood of well-formed unknown keys (valid checksums): heap before/after;
//  - create: keys per second through ApiKeyService.create.
const crypto = require('crypto');
const { ApiKeyService, MemoryStore, ContextStore, RedisStore, mintApiKey } = require('../dist/lib/internal');
const { unlinkPrefix } = require('./scenarios');

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const N = arg('keys', 100_000);
const SECRET = crypto.randomBytes(32).toString('base64url');
const mib = (b) => (b / 1048576).toFixed(1);

function fakeContext() {
  const data = new Map();
  return {
    get: (k, s, cb) => setImmediate(() => cb(undefined, data.get(k))),
    set: (k, v, s, cb) => setImmediate(() => { if (v === undefined) data.delete(k); else data.set(k, v); cb(); }),
  };
}

async function seed(service, n) {
  // The repository's insert: the store writes create() does, without the per-owner listing.
  const repo = service.repo;
  const t0 = Date.now();
  let hot;
  for (let i = 0; i < n; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, n - i) }, async (_, j) => {
      const minted = mintApiKey('kapi', 'prod');
      const record = { id: crypto.randomUUID(), name: `k${i + j}`, owner: `owner-${(i + j) % 5000}`, env: 'prod', start: minted.start, scopes: ['read'], allowedIps: [], deniedIps: [], createdAt: Date.now() };
      await repo.insert(record, service.hasher.digest(minted.key));
      if (i + j === 0) hot = minted.key;
    }));
  }
  return { hot, seconds: (Date.now() - t0) / 1000 };
}

async function measure(label, store) {
  const keys = new ApiKeyService({ store, secret: SECRET });
  for (let i = 0; i < 100 && !keys.cacheTrusted; i++) await new Promise((r) => setTimeout(r, 20));
  const { hot, seconds } = await seed(keys, N);
  console.log(`${label}: ${N} keys seeded in ${seconds.toFixed(1)} s`);
  await keys.verify(hot, '127.0.0.1');
  // Warm verify: ops/s over 1 s.
  let n = 0;
  const end = Date.now() + 1000;
  while (Date.now() < end) { await keys.verify(hot, '127.0.0.1'); n++; }
  const perOp = 1e6 / n;
  console.log(`  warm valid key: ${n} verifications/s (${perOp.toFixed(1)} µs each, incl. the await)`);
  // Unknown-key flood.
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const flood = 20_000;
  for (let i = 0; i < flood; i += 200) {
    await Promise.all(Array.from({ length: 200 }, () => keys.verify(mintApiKey('kapi', 'prod').key, '127.0.0.1').catch(() => undefined)));
  }
  global.gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(`  ${flood} unknown well-formed keys: heap ${mib(before)} → ${mib(after)} MiB (${global.gc ? 'after GC' : 'run with --expose-gc for GC'})`);
  // Create.
  const t0 = Date.now();
  const creates = 2000;
  for (let i = 0; i < creates; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => keys.create(`creator-${i + j}`, { name: 'bench' })));
  console.log(`  create: ${Math.round(creates / ((Date.now() - t0) / 1000))} keys/s`);
  await keys.close();
  await store.close();
}

(async () => {
  await measure('memory store', new MemoryStore({ maxEntries: N * 4 + 100_000 }));
  await measure('context store (Node-RED global context, async)', new ContextStore(fakeContext(), { sweepIntervalMs: 0 }));
  if (process.argv.includes('--redis')) {
    const prefix = `authflow_bench_keys_${process.pid}:`;
    await measure('Redis', new RedisStore({ url: process.env.AUTHFLOW_TEST_REDIS_URL || 'redis://127.0.0.1:6379', keyPrefix: prefix }));
    await unlinkPrefix(process.env.AUTHFLOW_TEST_REDIS_URL || 'redis://127.0.0.1:6379', prefix);
  }
})().catch((e) => { console.error(e); process.exit(1); });
