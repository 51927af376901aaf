'use strict';
// Seeds `count` API keys into Redis under `prefix` (the KV layout of
// lib/api-keys/kv-repository.ts), expiring after 3 hours, and prints one of
// them: bench/scenarios.js runs it once, before the Node-RED instances start.
// Usage: node bench/api-keys-seed.js <redis url> <key prefix> <hashing secret> <count>
const crypto = require('crypto');
const { ApiKeyService, RedisStore, mintApiKey } = require('../dist/lib/internal');

const TTL_MS = 3 * 3600 * 1000;

(async () => {
  const [url, prefix, secret, count] = process.argv.slice(2);
  const store = new RedisStore({ url, keyPrefix: prefix });
  const keys = new ApiKeyService({ store, secret });
  let hot;
  const n = Number(count);
  for (let i = 0; i < n; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, n - i) }, async (_, j) => {
      const minted = mintApiKey('kapi', 'prod');
      const record = { id: crypto.randomUUID(), name: `bench ${i + j}`, owner: `owner-${(i + j) % 5000}`, env: 'prod', start: minted.start, scopes: ['read'], allowedIps: [], deniedIps: [], createdAt: Date.now() };
      // The two entries a verification reads (lib/api-keys/kv-repository.ts layout), expiring after the bench: nothing is left behind.
      const digest = keys.hasher.digest(minted.key);
      await store.set(`af:ak:i:${record.id}`, digest, TTL_MS);
      await store.set(`af:ak:h:${digest}`, JSON.stringify(record), TTL_MS);
      if (i + j === 0) hot = minted.key;
    }));
  }
  process.stdout.write(hot);
  await keys.close();
  await store.close();
})().catch((e) => { console.error(e); process.exit(1); });
