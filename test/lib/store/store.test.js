'use strict';
const { eventually } = require('../../support/poll');
const { requireService, requireRedis, probeRedis, REDIS_URL } = require('../../support/services');
const { tcpProxy } = require('../../support/tcp-proxy');
/**
 * Store adapters: the shared contract against every backend, then what is
 * particular to each (eviction, context quirks, fail-closed outages,
 * recovery, migrations, persistence across a Node-RED restart).
 *
 * Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, database `test`)
 * are used for real. When one is unreachable its suites are skipped with a
 * note — except under CI=true, where that is a failure.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');
const { execFile } = require('node:child_process');
const Redis = require('ioredis');
const pg = require('pg');

const { runStoreContract, sleep } = require('./store-contract');
const storeLib = require('../../../dist/lib/store');
const { MemoryStore, ContextStore, RedisStore, PostgresStore, createStore } = storeLib;
const { StoreUnavailableError } = require('../../../dist/lib/errors');

const PG_URL = process.env.AUTHFLOW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUN_ID = `${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;

// ---------------------------------------------------------------- helpers


async function withPg(fn) {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const probePg = () => withPg((c) => c.query('SELECT 1'));

/** A store operation must fail closed: AUTH_011 within the bound, never hang. */
async function assertUnavailable(promise, boundMs = 1500) {
  const started = Date.now();
  let timer;
  const hang = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${boundMs} ms (hang)`)), boundMs + 500);
  });
  try {
    await assert.rejects(Promise.race([promise, hang]), (err) => {
      assert.ok(err instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${err && err.stack}`);
      assert.equal(err.code, 'AUTH_011');
      assert.equal(err.status, 503);
      return true;
    });
  } finally {
    clearTimeout(timer);
  }
  const took = Date.now() - started;
  assert.ok(took <= boundMs, `took ${took} ms, bound ${boundMs} ms`);
}



/** Accepts connections and never answers: the worst kind of outage. */
function silentServer() {
  const sockets = new Set();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
  return {
    start: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port))),
    stop: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

/**
 * Behaves like a Node-RED memory context: callbacks arrive asynchronously
 * (a random number of setImmediate hops, so operations interleave), set(undefined)
 * deletes, values are kept by reference, and a key that Node-RED would read as a
 * property path ('.', '[', quotes) is refused so a bad key encoding shows up.
 */
function fakeContext() {
  const data = Object.create(null);
  const calls = { get: [], set: [], keys: [] };
  const later = (fn) => {
    let hops = 1 + Math.floor(Math.random() * 3);
    const step = () => (--hops > 0 ? setImmediate(step) : fn());
    setImmediate(step);
  };
  const badKey = (k) => /[.[\]'"]/.test(k) || k.startsWith('#:(') || k.startsWith('$parent');
  return {
    data,
    calls,
    get(key, store, cb) {
      calls.get.push(store);
      later(() => (badKey(key) ? cb(new Error('Invalid property expression')) : cb(undefined, data[key])));
    },
    set(key, value, store, cb) {
      calls.set.push(store);
      later(() => {
        if (badKey(key)) return cb(new Error('Invalid property expression'));
        if (value === undefined) delete data[key];
        else data[key] = value;
        cb();
      });
    },
    keys(store, cb) {
      calls.keys.push(store);
      later(() => cb(null, Object.keys(data)));
    },
  };
}

// ---------------------------------------------------------------- contract runs

runStoreContract('MemoryStore', async () => new MemoryStore());

runStoreContract('ContextStore (async fake Node-RED memory context)', async () => new ContextStore(fakeContext()));

runStoreContract('ContextStore via createStore (named context store, custom prefix)', async () =>
  createStore({ type: 'context', context: fakeContext(), store: 'file', prefix: 'af_test_' }));

const redisPrefix = `authflow-test:${RUN_ID}:`;
runStoreContract('RedisStore (127.0.0.1:6379)', async (ctx) => {
  await requireRedis(ctx);
  return new RedisStore({ url: REDIS_URL, keyPrefix: redisPrefix });
});

const pgSchema = `authflow_test_${RUN_ID}`;
runStoreContract('PostgresStore (127.0.0.1:5432/test)', async (ctx) => {
  await requireService(ctx, 'PostgreSQL at ' + PG_URL.replace(/\/\/[^@/]*@/, '//'), probePg);
  return new PostgresStore({ connectionString: PG_URL, schema: pgSchema, tableName: `kv_${RUN_ID}` });
});

// Remove everything the runs above (and below) left in the real services.
after(async function () {
  try {
    await probeRedis();
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    const keys = [];
    for (const pattern of [`${redisPrefix}*`, `authflow-test2:${RUN_ID}:*`]) {
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
    }
    if (keys.length) await client.del(...keys);
    client.disconnect();
  } catch { /* Redis absent: nothing to clean */ }
  try {
    await withPg(async (c) => {
      const { rows } = await c.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`authflow_test%${RUN_ID}`]);
      for (const { nspname } of rows) await c.query(`DROP SCHEMA "${nspname}" CASCADE`);
    });
  } catch { /* PostgreSQL absent: nothing to clean */ }
});

// ---------------------------------------------------------------- MemoryStore

describe('MemoryStore', function () {
  it('evicts expired entries first, then the least recently written, to stay within maxEntries', async function () {
    let now = 1_000_000;
    const store = new MemoryStore({ maxEntries: 3, sweepIntervalMs: 0, now: () => now });
    await store.set('a', '1', 50);
    await store.set('b', '2');
    await store.set('c', '3');
    now += 100; // a has expired
    await store.set('d', '4');
    assert.equal(store.size, 3);
    assert.deepEqual([await store.get('b'), await store.get('c'), await store.get('d')], ['2', '3', '4']);
    await store.set('b', '2b'); // rewrite: b is now the most recent
    await store.set('e', '5'); // full, nothing expired: the oldest write (c) goes
    assert.equal(store.size, 3);
    assert.equal(await store.get('c'), undefined);
    assert.deepEqual([await store.get('b'), await store.get('d'), await store.get('e')], ['2b', '4', '5']);
    await store.close();
  });

  it('claim is setIfAbsent without a promise: true once, false while the entry lives, true again after it expired; bad input is a rejected promise', async function () {
    let now = 0;
    const store = new MemoryStore({ sweepIntervalMs: 0, now: () => now });
    assert.equal(store.claim('n', '1', 10), true, 'a boolean, not a promise');
    assert.equal(store.claim('n', '1', 10), false);
    assert.equal(await store.setIfAbsent('n', '1', 10), false, 'setIfAbsent sees the claim');
    now = 11;
    assert.equal(store.claim('n', '1', 10), true);
    const bad = store.claim('', '1', 10);
    assert.ok(bad instanceof Promise, 'a refusal is a rejected promise, never a throw');
    await assert.rejects(bad, TypeError);
    await store.close();
  });

  it("whenFull 'refuse': full of live entries, a new write fails closed (AUTH_011) and nothing live is forgotten; room comes back as the oldest expire", async function () {
    let now = 0;
    const store = new MemoryStore({ maxEntries: 3, whenFull: 'refuse', sweepIntervalMs: 0, now: () => now });
    assert.equal(store.claim('n1', '1', 100), true);
    now = 10;
    assert.equal(store.claim('n2', '1', 100), true);
    assert.equal(store.claim('n3', '1', 100), true);
    await assertUnavailable(Promise.resolve(store.claim('n4', '1', 100)));
    await assertUnavailable(store.set('n4', '1', 100));
    // Every nonce is still known: a replay is refused, not let through.
    assert.deepEqual(['n1', 'n2', 'n3'].map((k) => store.claim(k, '1', 100)), [false, false, false]);
    now = 101; // n1 expired: room for one
    assert.equal(store.claim('n4', '1', 100), true);
    assert.equal(store.claim('n2', '1', 100), false);
    await assertUnavailable(Promise.resolve(store.claim('n5', '1', 100)));
    assert.throws(() => new MemoryStore({ whenFull: 'drop' }), RangeError);
    await store.close();
  });

  it("whenFull 'evict' (the default) forgets the oldest write instead", async function () {
    const store = new MemoryStore({ maxEntries: 2, sweepIntervalMs: 0 });
    assert.equal(store.claim('a', '1', 60_000), true);
    assert.equal(store.claim('b', '1', 60_000), true);
    assert.equal(store.claim('c', '1', 60_000), true);
    assert.equal(store.claim('a', '1', 60_000), true, 'a was forgotten');
    await store.close();
  });

  it('drops expired entries lazily on read and in a sweep', async function () {
    let now = 0;
    const store = new MemoryStore({ sweepIntervalMs: 0, now: () => now });
    await store.set('x', '1', 10);
    await store.set('y', '2', 10);
    await store.set('z', '3');
    now = 20;
    assert.equal(store.size, 3);
    assert.equal(await store.get('x'), undefined);
    assert.equal(store.size, 2);
    assert.equal(store.sweep(), 1);
    assert.equal(store.size, 1);
    await store.close();
  });

  it('its periodic sweep runs on an unref\'ed timer and stops on close', async function () {
    const store = new MemoryStore({ sweepIntervalMs: 20 });
    await store.set('gone', 'x', 5);
    await sleep(120);
    assert.equal(store.size, 0);
    await store.close();
  });

  it('rejects a bad maxEntries', function () {
    assert.throws(() => new MemoryStore({ maxEntries: 0 }), RangeError);
  });
});

// ---------------------------------------------------------------- ContextStore

describe('ContextStore', function () {
  it('stores { v, exp } under prefixed top-level keys that Node-RED will not read as property paths', async function () {
    const ctx = fakeContext();
    const store = new ContextStore(ctx, { sweepIntervalMs: 0 });
    await store.set('rt:a.b[c]"d', 'value', 60_000);
    await store.set('plain', 'p');
    const keys = Object.keys(ctx.data);
    assert.equal(keys.length, 2);
    for (const k of keys) {
      assert.ok(k.startsWith('authflow_'), k);
      assert.ok(!/[.[\]'"]/.test(k), k);
    }
    const entry = ctx.data[keys.find((k) => k.includes('rt'))];
    assert.equal(entry.v, 'value');
    assert.ok(typeof entry.exp === 'number' && entry.exp > Date.now());
    assert.deepEqual(ctx.data.authflow_plain, { v: 'p', exp: null });
    await store.close();
  });

  it('passes the named context store to every call', async function () {
    const ctx = fakeContext();
    const store = new ContextStore(ctx, { store: 'file', sweepIntervalMs: 0 });
    await store.set('k', 'v');
    await store.get('k');
    await store.sweep();
    assert.ok(ctx.calls.get.length > 0 && ctx.calls.get.every((s) => s === 'file'));
    assert.ok(ctx.calls.set.every((s) => s === 'file'));
    assert.deepEqual(ctx.calls.keys, ['file']);
    await store.close();
  });

  it('two stores over the same context object share the per-key lock', async function () {
    const ctx = fakeContext();
    const a = new ContextStore(ctx, { sweepIntervalMs: 0 });
    const b = new ContextStore(ctx, { sweepIntervalMs: 0 });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).setIfAbsent('nonce', String(i))));
    assert.equal(results.filter(Boolean).length, 1);
    const counts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).increment('cnt', 60_000)));
    assert.deepEqual(counts.map((c) => c.value).sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i + 1));
    await a.close();
    await b.close();
  });

  it('sweep removes expired entries only, in bounded batches, and leaves foreign keys alone', async function () {
    const ctx = fakeContext();
    ctx.data.someone_else = 'untouched';
    const store = new ContextStore(ctx, { sweepIntervalMs: 0, sweepBatch: 3 });
    for (let i = 0; i < 5; i++) await store.set(`old${i}`, 'x', 20);
    await store.set('keep', 'y');
    await sleep(60);
    const first = await store.sweep();
    assert.ok(first <= 3, `one run removed ${first}`);
    let total = first;
    for (let i = 0; i < 4 && total < 5; i++) total += await store.sweep();
    assert.equal(total, 5);
    assert.deepEqual(Object.keys(ctx.data).sort(), ['authflow_keep', 'someone_else']);
    await store.close();
  });

  it('fails closed when the context store reports an error', async function () {
    const store = new ContextStore({
      get: (k, s, cb) => setImmediate(() => cb(new Error('disk full'))),
      set: (k, v, s, cb) => setImmediate(() => cb(new Error('disk full'))),
    }, { sweepIntervalMs: 0 });
    await assertUnavailable(store.get('k'));
    await assertUnavailable(store.set('k', 'v'));
    await assertUnavailable(store.increment('k', 1000));
    await store.close();
  });

  it('read answers without a promise when the context answers at once, and fails closed like get otherwise', async function () {
    const data = Object.create(null);
    const sync = {
      get: (k, s, cb) => cb(undefined, data[k]),
      set: (k, v, s, cb) => { if (v === undefined) delete data[k]; else data[k] = v; cb(); },
    };
    const store = new ContextStore(sync, { sweepIntervalMs: 0 });
    await store.set('k', 'v', 60_000);
    assert.equal(store.read('k'), 'v', 'a value, not a promise');
    assert.equal(store.read('absent'), undefined);
    // An expired entry is removed by get(): a promise, and gone afterwards.
    await store.set('gone', 'x', 1);
    await sleep(5);
    const expired = store.read('gone');
    assert.ok(expired instanceof Promise);
    assert.equal(await expired, undefined);
    assert.equal(Object.keys(data).some((k) => k.endsWith('gone')), false);
    // A malformed entry fails closed, as from get().
    data.authflow_bad = { v: 42 };
    await assertUnavailable(Promise.resolve(store.read('bad')));
    // An asynchronous context, an error or a throw: the promise of get().
    const later = new ContextStore(fakeContext(), { sweepIntervalMs: 0 });
    await later.set('k', 'v');
    const answer = later.read('k');
    assert.ok(answer instanceof Promise);
    assert.equal(await answer, 'v');
    const failing = new ContextStore({ get: (k, s, cb) => cb(new Error('disk')), set: (k, v, s, cb) => cb() }, { sweepIntervalMs: 0 });
    await assertUnavailable(failing.read('k'));
    const thrower = new ContextStore({ get() { throw new Error('boom'); }, set() {} }, { sweepIntervalMs: 0 });
    await assertUnavailable(thrower.read('k'));
    await Promise.all([store.close(), later.close(), failing.close(), thrower.close()]);
  });

  it('fails closed when the context store throws or never calls back', async function () {
    const thrower = new ContextStore({
      get() { throw new Error('boom'); },
      set() { throw new Error('boom'); },
    }, { sweepIntervalMs: 0 });
    await assertUnavailable(thrower.get('k'));
    const silent = new ContextStore({ get() {}, set() {} }, { timeoutMs: 200, sweepIntervalMs: 0 });
    await assertUnavailable(silent.get('k'), 1000);
    await assertUnavailable(silent.compareAndSet('k', 'a', 'b'), 1000);
    // The lock is released after a timeout: a later call is not stuck behind it.
    await assertUnavailable(silent.setIfAbsent('k', 'v'), 1000);
  });

  it('an entry someone else wrote under our key fails closed instead of reading as absent', async function () {
    const ctx = fakeContext();
    const store = new ContextStore(ctx, { sweepIntervalMs: 0 });
    ctx.data.authflow_revoked = 'yes';
    await assertUnavailable(store.get('revoked'));
    await store.set('revoked', '1'); // an explicit write repairs it
    assert.equal(await store.get('revoked'), '1');
    await store.close();
  });

  it('refuses a prefix Node-RED would parse', function () {
    for (const prefix of ['a.b', '#:(file)::x', '$parent', '']) {
      assert.throws(() => new ContextStore(fakeContext(), { prefix }), TypeError, prefix);
    }
  });

  describe('with the real Node-RED localfilesystem context store', function () {
    let contextModule;
    let dir;

    before(function () {
      try {
        contextModule = require.resolve('@node-red/runtime/lib/nodes/context');
      } catch {
        console.log('      note: node-red (devDependency) not installed; skipping the restart test.');
        this.skip();
      }
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-ctx-'));
    });

    after(function () {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    // Each step is a separate Node.js process: a real stop and start of the
    // context runtime, with the file store flushing on close as Node-RED does.
    const runtime = (mode) => new Promise((resolve, reject) => {
      const script = `
        const context = require(${JSON.stringify(contextModule)});
        const { ContextStore } = require(${JSON.stringify(require.resolve('../../../dist/lib/store'))});
        (async () => {
          // Memory is the default, as in many installs: only the named 'file' store persists.
          context.init({ contextStorage: {
            default: { module: 'memory' },
            file: { module: 'localfilesystem', config: { dir: process.argv[1] } },
          } });
          await context.load();
          const store = new ContextStore(context.get('node1', 'flow1').global, { store: 'file' });
          const out = {};
          if (process.argv[2] === 'write') {
            await store.set('rt:family1', JSON.stringify({ sub: 'alice', gen: 1 }), 600000);
            await store.set('revoked:jti-1', '1');
            await store.set('nonce:short', 'x', 1);
            out.count = (await store.increment('fails:alice', 600000)).value;
          } else {
            out.rt = await store.get('rt:family1');
            out.revoked = await store.get('revoked:jti-1');
            out.nonce = await store.get('nonce:short') ?? null;
            out.count = (await store.increment('fails:alice', 600000)).value;
          }
          await store.close();
          await context.close();
          console.log('RESULT ' + JSON.stringify(out));
        })().catch((e) => { console.error(e); process.exit(1); });`;
      execFile(process.execPath, ['-e', script, dir, mode], { timeout: 15000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`${mode} failed: ${err.message}\n${stderr}`));
        const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
        if (!line) return reject(new Error(`no result from ${mode}: ${stdout}\n${stderr}`));
        resolve(JSON.parse(line.slice(7)));
      });
    });

    it('entries survive a Node-RED restart; expired ones do not come back', async function () {
      assert.deepEqual(await runtime('write'), { count: 1 });
      const after = await runtime('read');
      assert.deepEqual(after, {
        rt: JSON.stringify({ sub: 'alice', gen: 1 }),
        revoked: '1',
        nonce: null,
        count: 2,
      });
    });
  });
});

// ---------------------------------------------------------------- RedisStore

describe('RedisStore failure behaviour', function () {
  it('at a closed port every operation rejects with AUTH_011 within the bound', async function () {
    const store = new RedisStore({ url: 'redis://127.0.0.1:1' });
    try {
      await assertUnavailable(store.get('k'));
      await assertUnavailable(store.set('k', 'v', 1000));
      await assertUnavailable(store.setIfAbsent('k', 'v'));
      await assertUnavailable(store.increment('k', 1000));
      await assertUnavailable(store.compareAndSet('k', 'a', 'b'));
      await assertUnavailable(store.delete('k'));
      assert.equal(store.status.state, 'unavailable');
      assert.match(store.status.reason, /ECONNREFUSED/);
    } finally {
      await store.close();
    }
  });

  it('against a server that accepts but never answers, rejects within commandTimeoutMs', async function () {
    const silent = silentServer();
    const port = await silent.start();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300 });
    try {
      await assertUnavailable(store.get('k'), 1000);
      await assertUnavailable(store.increment('k', 1000), 1000);
    } finally {
      await store.close();
      await silent.stop();
    }
  });

  describe('with the real Redis', function () {
    before(async function () {
      await requireRedis(this);
    });

    it('commands issued in separate callbacks of one event-loop turn (how Node-RED delivers messages) leave in one write', async function () {
      const store = new RedisStore({ url: REDIS_URL, keyPrefix: `authflow-test-cork:${RUN_ID}:`, localCache: false });
      try {
        await store.set('warm', '1', 60_000);
        const stream = store.client.stream;
        let writes = 0;
        for (const name of ['_write', '_writev']) {
          const original = stream[name].bind(stream);
          stream[name] = (...args) => { writes++; return original(...args); };
        }
        // Each in its own setImmediate callback, as Node-RED hands each message to a node: process.nextTick runs
        // between them, so without coalescing every command would be a write (a system call) of its own.
        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
          new Promise((resolve, reject) => setImmediate(() => store.setIfAbsent(`n${i}`, 'x', 60_000).then(resolve, reject)))));
        assert.deepEqual(answers, Array(20).fill(true));
        assert.ok(writes <= 2, `${writes} writes for 20 commands`);
        assert.equal(await store.get('n7'), 'x');
      } finally {
        await store.close();
      }
    });

    it('fails closed during an outage and recovers by itself, reporting both through onStatus', async function () {
      const proxy = tcpProxy(Number(new URL(REDIS_URL).port || 6379));
      const port = await proxy.start();
      const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: `authflow-test2:${RUN_ID}:` });
      const seen = [];
      store.onStatus((s) => seen.push(s.state));
      try {
        await store.set('k', 'before', 60_000);
        await proxy.stop();
        await eventually(() => assertUnavailable(store.get('k')), 2000);
        await assertUnavailable(store.increment('c', 1000));
        await proxy.start(); // same port
        assert.equal(await eventually(() => store.get('k'), 8000), 'before');
        assert.ok(seen.includes('unavailable') && seen.at(-1) === 'ready', `statuses: ${seen}`);
      } finally {
        await store.close();
        await proxy.stop().catch(() => {});
      }
    });

    it('writes under keyPrefix and rejects every call after close()', async function () {
      const prefix = `authflow-test2:${RUN_ID}:p:`;
      const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
      await store.set('x', 'y', 60_000);
      const raw = new Redis(REDIS_URL);
      try {
        assert.equal(await raw.get(`${prefix}x`), 'y');
      } finally {
        raw.disconnect();
      }
      await store.close();
      await assertUnavailable(store.get('x'));
    });
  });
});

// ---------------------------------------------------------------- PostgresStore

describe('PostgresStore failure behaviour', function () {
  it('at a closed port every operation rejects with AUTH_011 within the bound', async function () {
    const store = new PostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    try {
      await assertUnavailable(store.get('k'));
      await assertUnavailable(store.set('k', 'v'));
      await assertUnavailable(store.setIfAbsent('k', 'v'));
      await assertUnavailable(store.increment('k', 1000));
      await assertUnavailable(store.compareAndSet('k', 'a', 'b'));
      await assertUnavailable(store.delete('k'));
      assert.equal(store.status.state, 'unavailable');
    } finally {
      await store.close();
    }
  });

  it('against a server that accepts but never answers, rejects within queryTimeoutMs', async function () {
    const silent = silentServer();
    const port = await silent.start();
    const store = new PostgresStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, queryTimeoutMs: 300 });
    try {
      await assertUnavailable(store.get('k'), 1000);
      await assertUnavailable(store.increment('k', 1000), 1000);
    } finally {
      await store.close();
      await silent.stop();
    }
  });

  it('refuses table or schema names that are not plain identifiers', function () {
    for (const tableName of ['a-b', 'x"; DROP TABLE y; --', '1abc', 'a'.repeat(49)]) {
      assert.throws(() => new PostgresStore({ connectionString: PG_URL, tableName }), TypeError, tableName);
    }
    assert.throws(() => new PostgresStore({ connectionString: PG_URL, schema: 'a.b' }), TypeError);
  });

  describe('with the real PostgreSQL', function () {
    before(async function () {
      await requireService(this, 'PostgreSQL', probePg);
    });

    it('instances starting together migrate once (advisory lock) and all work', async function () {
      const schema = `authflow_test_mig_${RUN_ID}`;
      const stores = Array.from({ length: 4 }, () => new PostgresStore({ connectionString: PG_URL, schema }));
      try {
        const results = await Promise.all(stores.map((s, i) => s.setIfAbsent('only-once', String(i))));
        assert.equal(results.filter(Boolean).length, 1);
        const { rows } = await withPg((c) => c.query(`SELECT target, version FROM "${schema}".authflow_migrations`));
        assert.deepEqual(rows, [{ target: `${schema}.authflow_kv`, version: 1 }]);
        const cols = await withPg((c) => c.query(
          `SELECT column_name, data_type, is_nullable FROM information_schema.columns
           WHERE table_schema = $1 AND table_name = 'authflow_kv' ORDER BY ordinal_position`, [schema]));
        assert.deepEqual(cols.rows.map((r) => [r.column_name, r.data_type, r.is_nullable]), [
          ['key', 'text', 'NO'],
          ['value', 'text', 'NO'],
          ['expires_at', 'timestamp with time zone', 'YES'],
        ]);
        // A later start finds the table at the current version and changes nothing.
        const again = new PostgresStore({ connectionString: PG_URL, schema });
        assert.equal(await again.get('only-once') !== undefined, true);
        await again.close();
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('cleanup() deletes expired rows in bounded batches and keeps live ones', async function () {
      const schema = `authflow_test_cln_${RUN_ID}`;
      const store = new PostgresStore({ connectionString: PG_URL, schema, cleanupBatch: 2, cleanupIntervalMs: 0 });
      try {
        for (let i = 0; i < 3; i++) await store.set(`old${i}`, 'x', 20);
        await store.set('live', 'y', 60_000);
        await store.set('forever', 'z');
        await sleep(100);
        assert.equal(await store.cleanup(), 2);
        assert.equal(await store.cleanup(), 1);
        assert.equal(await store.cleanup(), 0);
        const { rows } = await withPg((c) => c.query(`SELECT key FROM "${schema}".authflow_kv ORDER BY key`));
        assert.deepEqual(rows.map((r) => r.key), ['forever', 'live']);
      } finally {
        await store.close();
      }
    });

    it('fails closed during an outage and recovers by itself, reporting both through onStatus', async function () {
      const proxy = tcpProxy(Number(new URL(PG_URL).port || 5432));
      const port = await proxy.start();
      const url = new URL(PG_URL);
      url.port = String(port);
      const store = new PostgresStore({ connectionString: url.toString(), schema: `authflow_test_out_${RUN_ID}` });
      const seen = [];
      store.onStatus((s) => seen.push(s.state));
      try {
        await store.set('k', 'before', 60_000);
        await proxy.stop();
        await eventually(() => assertUnavailable(store.get('k')), 3000);
        await proxy.start();
        assert.equal(await eventually(() => store.get('k'), 8000), 'before');
        assert.ok(seen.includes('unavailable') && seen.at(-1) === 'ready', `statuses: ${seen}`);
      } finally {
        await store.close();
        await proxy.stop().catch(() => {});
      }
    });
  });
});

// ---------------------------------------------------------------- factory

describe('createStore', function () {
  it('builds each adapter and refuses an unknown type', async function () {
    const m = createStore({ type: 'memory', maxEntries: 10 });
    assert.ok(m instanceof MemoryStore);
    await m.close();
    const c = createStore({ type: 'context', context: fakeContext() });
    assert.ok(c instanceof ContextStore);
    await c.close();
    const r = createStore({ type: 'redis', url: 'redis://127.0.0.1:1' });
    assert.ok(r instanceof RedisStore);
    await r.close();
    const p = createStore({ type: 'postgres', connectionString: 'postgres://127.0.0.1:1/x' });
    assert.ok(p instanceof PostgresStore);
    await p.close();
    assert.throws(() => createStore({ type: 'mongo' }), TypeError);
  });
});
