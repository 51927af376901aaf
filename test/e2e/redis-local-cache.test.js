'use strict';
/**
 * RedisStore's local view of the per-request "still valid?" keys (revoked
 * jti, session state), invalidated by Redis client tracking — on a real
 * redis-server of our own, so its command counters are ours alone:
 *
 *   - warm reads never reach Redis; other keys are never cached;
 *   - a change made anywhere (another store, a raw client, an expiry) is seen
 *     by the very next read after the write returned — counted over many
 *     rounds, and under concurrent reads racing the writes;
 *   - when the invalidation connection is lost, every read goes to Redis
 *     (never a stale answer) until it is back, then the view is used again.
 */
const assert = require('node:assert/strict');
const net = require('node:net');
const Redis = require('ioredis');
const { requireRedisServer, startServer } = require('../support/redis-topology');
const { RedisStore } = require('../../dist/lib/store');
const { StoreUnavailableError } = require('../../dist/lib/errors');

/** A TCP forwarder that can go silent (a partition: nothing forwarded, nothing closed). */
async function freezableProxy(targetPort) {
  let frozen = false;
  const sockets = new Set();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    for (const [from, to] of [[inbound, outbound], [outbound, inbound]]) {
      from.on('error', () => {});
      from.on('data', (d) => { if (!frozen) to.write(d); });
      from.on('close', () => to.destroy());
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, freeze: () => { frozen = true; }, close: () => new Promise((r) => { for (const so of sockets) so.destroy(); server.close(r); }) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const P = 'authflow_lc:';
const RV = (id) => `af:rv:tagtagtagtagtagt:${id}`;
const RF = (id) => `af:rf:tagtagtagtagtagt:${id}`;
const AT = (digest) => `af:at:tagtagtagtagtagt:${digest}`;

async function until(what, fn, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('RedisStore local view invalidated by Redis (client tracking)', function () {
  this.timeout(30000);
  let server;
  let raw;
  const stores = [];
  const gets = async () => {
    const stats = await raw.info('commandstats');
    const m = /cmdstat_get:calls=(\d+)/.exec(stats);
    return m ? Number(m[1]) : 0;
  };
  const newStore = async (opts = {}) => {
    const s = new RedisStore({ url: server.url, keyPrefix: P, commandTimeoutMs: 1000, ...opts });
    stores.push(s);
    await until('store ready', () => s.status.state === 'ready');
    if (opts.localCache !== false) await until('tracking armed', () => s.cache.enabled);
    return s;
  };

  before(async function () {
    requireRedisServer(this);
    server = await startServer();
    raw = new Redis(server.url);
  });

  after(async function () {
    await Promise.all(stores.map((s) => s.close()));
    if (raw) raw.disconnect();
    if (server) await server.stop();
  });

  /** 500 rounds: b warms a key, a (or a raw client) writes or deletes it, then b reads it again; how many answers were stale. */
  const staleAfterWrites = async (a, b, label) => {
    let stale = 0;
    for (let i = 0; i < 500; i++) {
      const k = RV(`${label}${i % 5}`);
      await b.get(k); // warm
      if (i % 3 === 0) await a.set(k, `v${i}`, 60000);
      else if (i % 3 === 1) await raw.set(P + k, `v${i}`);
      else await a.delete(k);
      const want = i % 3 === 2 ? undefined : `v${i}`;
      if (await b.get(k) !== want) stale++;
    }
    return stale;
  };

  it('warm reads of revocation, session and opaque-token keys never reach Redis; other keys always do', async function () {
    const s = await newStore();
    await s.set(RV('a'), '1');
    await s.set(AT('d1'), '{"claims":{}}', 60000);
    assert.equal(await s.get(RV('a')), '1');
    assert.equal(await s.get(RF('absent')), undefined);
    assert.equal(await s.get(AT('d1')), '{"claims":{}}');
    await sleep(50);
    for (const k of [RV('a'), RF('absent'), AT('d1')]) await s.get(k);
    const before = await gets();
    for (let i = 0; i < 200; i++) {
      assert.equal(await s.get(RV('a')), '1');
      assert.equal(await s.get(RF('absent')), undefined);
      assert.equal(await s.get(AT('d1')), '{"claims":{}}');
    }
    assert.equal(await gets(), before, 'warm reads were sent to Redis');
    for (let i = 0; i < 10; i++) await s.get('af:lm:other');
    assert.equal(await gets(), before + 10, 'keys outside the cached prefixes are read every time');
    // An opaque token deleted (revoked) elsewhere is gone on the next read.
    await raw.del(P + AT('d1'));
    assert.equal(await s.get(AT('d1')), undefined);
  });

  it('a write by another instance, a raw client or an expiry is seen by the next read after it returned (500 rounds)', async function () {
    const a = await newStore();
    const b = await newStore();
    assert.equal(await staleAfterWrites(a, b, 'w'), 0, 'stale reads after a write returned');
    // Expiry: Redis announces it too.
    await a.set(RF('exp'), 'active', 150);
    assert.equal(await b.get(RF('exp')), 'active');
    await until('expired entry gone', async () => (await b.get(RF('exp'))) === undefined, 2000);
  });

  it('reads racing writes never keep an answer older than the last write (reply and notice on different connections)', async function () {
    const a = await newStore();
    const b = await newStore();
    const k = RV('race');
    let written = 0;
    let stop = false;
    const problems = [];
    const readers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const floor = written; // every write up to `floor` returned before this read began
        const v = Number(await b.get(k) ?? 0);
        if (v < floor) problems.push(`read ${v} after ${floor} returned`);
      }
    });
    for (let i = 1; i <= 400; i++) {
      await a.set(k, String(i));
      written = i;
      if (i % 50 === 0) await sleep(1);
    }
    await sleep(50);
    stop = true;
    await Promise.all(readers);
    assert.deepEqual(problems.slice(0, 5), []);
    assert.equal(await b.get(k), '400');
  });

  it('invalidation connection killed: every read goes to Redis (fresh answers) until it is back, then warm again', async function () {
    const a = await newStore();
    const b = await newStore();
    const k = RV('outage');
    await a.set(k, 'one');
    assert.equal(await b.get(k), 'one');
    // Kill only the subscriber connections (the data connections stay up).
    await raw.client('KILL', 'TYPE', 'pubsub');
    await raw.set(P + k, 'two'); // a change that no notice may announce
    assert.equal(await b.get(k), 'two', 'stale answer after the channel was lost');
    await until('re-armed', () => b.cache.enabled, 5000);
    const g0 = await gets();
    await b.get(k);
    await b.get(k);
    const g1 = await gets();
    assert.ok(g1 - g0 <= 1, `warm again after re-arming (${g1 - g0} GETs)`);
    await a.set(k, 'three');
    assert.equal(await b.get(k), 'three');
  });

  it('a partition that closes nothing: the view stops answering within maxSilenceMs (heartbeat), reads then fail closed', async function () {
    const proxy = await freezableProxy(server.port);
    const a = await newStore();
    const b = new RedisStore({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: P, commandTimeoutMs: 300, localCache: { maxSilenceMs: 500 } });
    stores.push(b);
    try {
      await until('armed behind the proxy', () => b.cache.enabled);
      const k = RV('partition');
      assert.equal(await b.get(k), undefined);
      assert.equal(await b.get(k), undefined); // warm
      proxy.freeze();
      await a.set(k, 'revoked'); // B cannot hear of it
      await sleep(800);
      const started = Date.now();
      await assert.rejects(b.get(k), StoreUnavailableError, 'served a stale answer past maxSilenceMs');
      assert.ok(Date.now() - started <= 450, 'bounded by the command timeout');
    } finally {
      await proxy.close();
    }
  });

  it('localCache: false reads Redis every time; the view is bounded', async function () {
    const off = await newStore({ localCache: false });
    await off.set(RV('off'), 'x');
    const g0 = await gets();
    for (let i = 0; i < 5; i++) await off.get(RV('off'));
    assert.equal(await gets(), g0 + 5);
    const small = await newStore({ localCache: { maxEntries: 50 } });
    for (let i = 0; i < 200; i++) await small.get(RV(`many${i}`));
    assert.ok(small.cache.size <= 50, `size ${small.cache.size}`);
  });
});
