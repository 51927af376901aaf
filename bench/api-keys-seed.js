'use strict';
// Seeds `count` API keys (the KV layout of lib/api-keys/kv-repository.ts),
// expiring after 3 hours, and prints one of them: bench/scenarios.js runs it
// once, before the Node-RED instances start, in a child process so the bench
// process does not keep 100,000 records.
//   Redis:   under `prefix`, nothing left behind once they expire.
//   context: written to <json file> as the exact entries the embedded store
//            (lib ContextStore, `prefix` or its default 'authflow_') keeps in
//            the global context; the main instance gets them as top-level
//            functionGlobalContext keys (bench/flow.js functionGlobalContext).
// Usage: node bench/api-keys-seed.js <redis url | context:<json file>> <key prefix> <hashing secret> <count>
const crypto = require('crypto');
const fs = require('fs');
const { ApiKeyService, ContextStore, RedisStore, mintApiKey } = require('../dist/lib/internal');

const TTL_MS = 3 * 3600 * 1000;

/** A plain object behind the ContextLike callbacks (no keys(): no sweep timer); set(undefined) deletes, as Node-RED does. */
function memoryContext() {
  const data = {};
  return {
    data,
    get: (k, _store, cb) => cb(undefined, data[k]),
    set: (k, v, _store, cb) => { if (v === undefined) delete data[k]; else data[k] = v; cb(); },
  };
}

(async () => {
  const [target, prefix, secret, count] = process.argv.slice(2);
  const file = target.startsWith('context:') ? target.slice('context:'.length) : undefined;
  const context = file ? memoryContext() : undefined;
  // '' = the store's default prefix, as the authflow-store node does with an empty keyPrefix.
  const store = context ? new ContextStore(context, { prefix: prefix || undefined }) : new RedisStore({ url: target, keyPrefix: prefix });
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
  if (file) fs.writeFileSync(file, JSON.stringify(context.data));
  process.stdout.write(hot);
  await keys.close();
  await store.close();
})().catch((e) => { console.error(e); process.exit(1); });
