'use strict';
/**
 * GCRA rate limits (issue 15): redis-cell's published vector table (its
 * `it_rate_limits` test, redis-cell-impl/src/lib.rs) drives the arithmetic
 * with an injected clock — through the in-process store and through the
 * real Lua script in real Redis (TIME swapped for the injected clock);
 * several policies per request are all-or-nothing; memory stays bounded
 * under a flood of distinct keys; headers follow the IETF draft; a store
 * outage fails closed or falls back visibly.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const Redis = require('ioredis');
const { gcra, gcraAll, gcraPolicy } = require('../../../dist/lib/limits/rate-limit-gcra');
const { MemoryRateLimitStore } = require('../../../dist/lib/limits/rate-limit-memory');
const { GCRA_SCRIPT, RedisRateLimitStore, luaScript } = require('../../../dist/lib/limits/rate-limit-redis');
const { RateLimiter, RateLimitExceededError, rateLimitKey, compilePolicies } = require('../../../dist/lib/limits/rate-limit');
const { rateLimitHeaders } = require('../../../dist/lib/limits/rate-limit-headers');
const { StoreUnavailableError, RedisStore, rejectionFor } = require('../../../dist/lib/internal');
const { requireRedis, REDIS_URL } = require('../../support/services');

const S = 1e6; // µs per second
const START = 1_700_000_000 * S;

// redis-cell: max_burst 4 (limit 5), rate 1/s → here 5 per 5 s (T = 1 s, τ = 5 s).
// (case, now offset ms, cost, remaining, reset_after ms, retry_after ms (−1 = none), limited)
const REDIS_CELL_TABLE = [
  [0, 0, 6, 5, 0, -1, true], // never more than the maximum at once
  [1, 0, 1, 4, 1000, -1, false],
  [2, 0, 1, 3, 2000, -1, false],
  [3, 0, 1, 2, 3000, -1, false],
  [4, 0, 1, 1, 4000, -1, false],
  [5, 0, 1, 0, 5000, -1, false],
  [6, 0, 1, 0, 5000, 1000, true],
  [7, 3000, 1, 2, 3000, -1, false],
  [8, 3100, 1, 1, 3900, -1, false],
  [9, 4000, 1, 1, 4000, -1, false],
  [10, 8000, 1, 4, 1000, -1, false],
  [11, 9500, 1, 4, 1000, -1, false],
  [12, 9500, 0, 4, 1000, -1, false], // cost 0 peeks
  [13, 9500, 2, 2, 3000, -1, false],
  [14, 9500, 5, 2, 3000, 3000, true], // a large request cannot exceed the limit
];
const CELL = gcraPolicy('default', 5, 5);

function clock(start = START) {
  let t = start;
  const now = () => t;
  now.set = (us) => { t = us; };
  now.advance = (us) => { t += us; };
  return now;
}

function assertCase(row, outcome, where) {
  const [n, , , remaining, resetMs, retryMs, limited] = row;
  assert.equal(outcome.allowed, !limited, `${where} case ${n}: limited`);
  assert.equal(outcome.remaining, remaining, `${where} case ${n}: remaining`);
  assert.equal(outcome.resetAfterUs, resetMs * 1000, `${where} case ${n}: reset_after`);
  assert.equal(outcome.retryAfterUs, retryMs === -1 ? -1 : retryMs * 1000, `${where} case ${n}: retry_after`);
}

describe('lib/limits rate limit: GCRA', () => {
  it("redis-cell's vector table, pure function", () => {
    let tat;
    for (const row of REDIS_CELL_TABLE) {
      const o = gcra(CELL, tat, START + row[1] * 1000, row[2]);
      assertCase(row, o, 'gcra');
      if (o.allowed && row[2] > 0) tat = o.tat;
    }
  });

  it("redis-cell's vector table through the in-process store with an injected clock", () => {
    const now = clock();
    const store = new MemoryRateLimitStore({ nowUs: now });
    for (const row of REDIS_CELL_TABLE) {
      now.set(START + row[1] * 1000);
      const { decision, nowUs } = store.take('k', [CELL], row[2]);
      assert.equal(nowUs, now());
      assert.equal(decision.allowed, !row[6]);
      assertCase(row, decision.outcomes[0], 'memory');
    }
  });

  it('a policy is N per window: exactly N pass at once, then one per window/N; the tolerance holds over any span', () => {
    const p = gcraPolicy('p', 10, 60); // T = 6 s
    const now = clock();
    const store = new MemoryRateLimitStore({ nowUs: now });
    let passed = 0;
    for (let i = 0; i < 50; i++) if (store.take('k', [p], 1).decision.allowed) passed++;
    assert.equal(passed, 10);
    now.advance(6 * S - 1);
    assert.equal(store.take('k', [p], 1).decision.allowed, false, 'one µs early');
    now.advance(1);
    assert.equal(store.take('k', [p], 1).decision.allowed, true, 'on the dot');
    // Documented tolerance: in any span of D seconds at most N + floor(D / T) pass.
    const steady = new MemoryRateLimitStore({ nowUs: now });
    const t0 = now();
    let count = 0;
    for (let ms = 0; ms <= 60_000; ms += 250) {
      now.set(t0 + ms * 1000);
      if (steady.take('k', [p], 1).decision.allowed) count++;
    }
    assert.equal(count, 10 + Math.floor(60 / 6));
  });

  it('several policies: all must allow; a refused request consumes none of them', () => {
    const burst = gcraPolicy('burst', 3, 1);
    const daily = gcraPolicy('daily', 5, 86400);
    const now = clock();
    const store = new MemoryRateLimitStore({ nowUs: now });
    const take = () => store.take('k', [burst, daily], 1).decision;
    assert.deepEqual([take(), take(), take(), take()].map((d) => d.allowed), [true, true, true, false]);
    const refused = take();
    assert.equal(refused.outcomes[0].allowed, false);
    assert.equal(refused.outcomes[1].allowed, true);
    assert.equal(refused.outcomes[1].remaining, 2, 'the daily quota was not charged for refused requests');
    now.advance(1 * S);
    assert.deepEqual([take(), take(), take()].map((d) => d.allowed), [true, true, false], 'the daily quota (5) now refuses');
    const d = take();
    assert.equal(d.outcomes[1].allowed, false);
    assert.ok(d.outcomes[1].retryAfterUs > 17_000 * S, 'daily: next one in ~86400/5 s');
  });

  it('policies are validated: integer limits and windows, sf-string names, no duplicates', () => {
    assert.throws(() => gcraPolicy('x', 0, 1), RangeError);
    assert.throws(() => gcraPolicy('x', 1.5, 1), RangeError);
    assert.throws(() => gcraPolicy('x', 1, 0), RangeError);
    assert.throws(() => gcraPolicy('a"b', 1, 1), RangeError);
    assert.throws(() => compilePolicies([]), RangeError);
    assert.throws(() => compilePolicies([{ name: 'a', limit: 1, windowSec: 1 }, { name: 'a', limit: 2, windowSec: 2 }]), /used twice/);
    assert.deepEqual(compilePolicies([{ limit: 10, windowSec: 1 }, { limit: 10000, windowSec: 86400 }]).map((p) => p.name), ['default', '10000-per-86400s']);
  });
});

describe('lib/limits rate limit: embedded memory', () => {
  it('a flood of distinct keys keeps the map at maxKeys; expired state is dropped first, live evictions are counted', () => {
    const now = clock();
    const p = gcraPolicy('p', 10, 1);
    const store = new MemoryRateLimitStore({ nowUs: now, maxKeys: 1000 });
    for (let i = 0; i < 5000; i++) store.take(`k${i}`, [p], 1);
    assert.equal(store.size, 1000);
    assert.equal(store.evictedLive, 4000, 'all within the same µs: every eviction dropped live state');
    now.advance(2 * S); // everything expired
    const before = store.evictedLive;
    for (let i = 0; i < 1000; i++) store.take(`n${i}`, [p], 1);
    assert.equal(store.evictedLive, before, 'expired heads make room without evicting live state');
    assert.ok(store.size <= 1000);
  });

  it('memory stays flat under 300,000 distinct keys (heap, not just the count)', () => {
    require('node:v8').setFlagsFromString('--expose-gc');
    const gc = require('node:vm').runInNewContext('gc');
    const p = gcraPolicy('p', 10, 60);
    const store = new MemoryRateLimitStore({ maxKeys: 10_000 });
    for (let i = 0; i < 20_000; i++) store.take(`ip:198.51.${i}`, [p], 1);
    gc();
    const base = process.memoryUsage().heapUsed;
    for (let i = 0; i < 300_000; i++) store.take(`ip:203.0.${i}`, [p], 1);
    gc();
    const grown = process.memoryUsage().heapUsed - base;
    assert.ok(grown < 4 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MB`);
    assert.equal(store.size, 10_000);
  });

  it('keys: IPv6 counted per /64, IPv4 per address; long values hashed', () => {
    assert.equal(rateLimitKey('ip', '2001:db8:1:2:aaaa::1'), rateLimitKey('ip', '2001:db8:1:2:bbbb::2'));
    assert.notEqual(rateLimitKey('ip', '2001:db8:1:2::1'), rateLimitKey('ip', '2001:db8:1:3::1'));
    assert.equal(rateLimitKey('ip', '::ffff:192.0.2.1'), rateLimitKey('ip', '192.0.2.1'));
    assert.notEqual(rateLimitKey('ip', '192.0.2.1'), rateLimitKey('ip', '192.0.2.2'));
    assert.ok(rateLimitKey('msg', 'x'.repeat(10_000)).length < 100);
    assert.notEqual(rateLimitKey('subject', 'a'), rateLimitKey('keyId', 'a'));
  });
});

describe('lib/limits rate limit: the check, answers and headers', () => {
  it('throws 429 AUTH_009 with Retry-After never earlier than the moment a retry passes, and the headers', () => {
    const now = clock();
    const limiter = new RateLimiter({ policies: [{ name: 'burst', limit: 2, windowSec: 1 }, { name: 'daily', limit: 100, windowSec: 86400 }], nowUs: now });
    const ok = limiter.check('ip:192.0.2.1');
    assert.equal(ok.allowed, true);
    assert.deepEqual(ok.policies.map((p) => p.remaining), [1, 99]);
    assert.deepEqual(rateLimitHeaders(ok, { quota: true }), {
      'RateLimit-Policy': '"burst";q=2;w=1, "daily";q=100;w=86400',
      RateLimit: '"burst";r=1;t=1, "daily";r=99;t=864',
      'X-RateLimit-Limit': '2',
      'X-RateLimit-Remaining': '1',
      'X-RateLimit-Reset': String(Math.ceil(START / S) + 1),
      'X-Auth-Remaining-Quota': '99',
    });
    limiter.check('ip:192.0.2.1');
    now.advance(100_000); // 0.1 s: burst refills one per 0.5 s
    let err;
    try { limiter.check('ip:192.0.2.1'); } catch (e) { err = e; }
    assert.ok(err instanceof RateLimitExceededError);
    const answer = rejectionFor(err, rateLimitHeaders(err.result));
    assert.equal(answer.status, 429);
    assert.deepEqual(answer.payload, { error: 'AUTH_009', message: 'Rate limit exceeded' });
    assert.equal(answer.headers['Retry-After'], '1');
    assert.equal(answer.headers.RateLimit, '"burst";r=0;t=1, "daily";r=98;t=1728');
    assert.equal(answer.headers['X-RateLimit-Remaining'], '0');
    // Retrying after Retry-After passes; a µs before the exact moment does not.
    now.advance(400_000 - 1);
    assert.throws(() => limiter.check('ip:192.0.2.1'), RateLimitExceededError);
    now.advance(1);
    assert.equal(limiter.check('ip:192.0.2.1').allowed, true);
  });

  it('headers can be switched off per family', () => {
    const limiter = new RateLimiter({ policies: [{ limit: 5, windowSec: 60 }] });
    const r = limiter.check('k');
    assert.deepEqual(Object.keys(rateLimitHeaders(r, { draft: false })), ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']);
    assert.deepEqual(Object.keys(rateLimitHeaders(r, { legacy: false })), ['RateLimit-Policy', 'RateLimit']);
    assert.deepEqual(rateLimitHeaders(r, { draft: false, legacy: false }), {});
  });

  it('a cost above a limit can never pass: Retry-After is the window, not "now"', () => {
    const limiter = new RateLimiter({ policies: [{ limit: 5, windowSec: 10 }] });
    assert.throws(() => limiter.check('k', 6), (e) => e instanceof RateLimitExceededError && e.retryAfter === 10);
  });

  it('store outage, fail closed (default): 503 AUTH_011, nothing let through', async () => {
    const down = { evalScript: async () => { throw new StoreUnavailableError('redis: connection lost'); } };
    const limiter = new RateLimiter({ policies: [{ limit: 5, windowSec: 60 }], store: down });
    await assert.rejects(limiter.check('k'), (e) => e instanceof StoreUnavailableError && e.status === 503 && e.code === 'AUTH_011');
  });

  it('store outage, fail open: a local limiter with the lower share decides, says so, and reports the switch both ways', async () => {
    let up = false;
    const events = [];
    const runner = { evalScript: async () => { if (!up) throw new StoreUnavailableError('redis: connection lost'); return [1, START, 1, START]; } };
    const limiter = new RateLimiter({ policies: [{ limit: 10, windowSec: 60 }], store: runner, onStoreError: 'open', fallbackPercent: 30, onDegraded: (on, why) => events.push([on, why]) });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await limiter.check('k').then((r) => r, (e) => e));
    assert.deepEqual(results.map((r) => r instanceof RateLimitExceededError ? 429 : r.source), ['local-fallback', 'local-fallback', 'local-fallback', 429, 429], '30% of 10 = 3 pass locally');
    assert.equal(results[0].policies[0].limit, 3, 'the headers show the fallback limit in force');
    assert.deepEqual(events, [[true, 'redis: connection lost']]);
    up = true;
    assert.equal((await limiter.check('k')).source, 'redis');
    assert.deepEqual(events.at(-1), [false, 'store answers again']);
  });

  it('other store errors are not an outage: they propagate (fail closed even when fail-open is chosen)', async () => {
    const broken = { evalScript: async () => { throw new TypeError('bug'); } };
    const limiter = new RateLimiter({ policies: [{ limit: 5, windowSec: 60 }], store: broken, onStoreError: 'open' });
    await assert.rejects(limiter.check('k'), TypeError);
  });
});

describe('lib/limits rate limit: Redis (real server)', function () {
  const prefix = `authflow_rl_test_${crypto.randomBytes(4).toString('hex')}:`;
  let store;
  let client;

  before(async function () {
    await requireRedis(this);
    store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
    client = new Redis(REDIS_URL);
  });

  after(async () => {
    if (!client) return;
    const keys = await client.keys(`${prefix}*`);
    if (keys.length) await client.del(...keys);
    client.disconnect();
    await store.close();
  });

  it("redis-cell's vector table through the real Lua script (TIME replaced by the injected clock)", async () => {
    // The production script, with only the clock swapped: the two last ARGV are seconds and µs.
    const testScript = luaScript(GCRA_SCRIPT.lua.replace("redis.call('TIME')", '{ARGV[#ARGV - 1], ARGV[#ARGV]}'));
    assert.notEqual(testScript.lua, GCRA_SCRIPT.lua);
    const keys = [`rl:{vector}:5/5`];
    for (const row of REDIS_CELL_TABLE) {
      const now = START + row[1] * 1000;
      const reply = await store.evalScript(testScript, keys, [row[2], CELL.intervalUs, CELL.toleranceUs, Math.floor(now / S), now % S]);
      assert.equal(reply[0], row[6] ? 0 : 1, `case ${row[0]}`);
      assert.equal(reply[1], now);
      // The script returns the TAT it saw; the same gcra() derives the numbers (as RedisRateLimitStore does).
      assertCase(row, gcra(CELL, reply[3], now, row[2]), 'redis');
    }
  });

  it('EVALSHA, then EVAL when the server does not have the script (NOSCRIPT), then EVALSHA again', async () => {
    // A script this server has never seen (unique comment): no SCRIPT FLUSH on a shared server.
    const fresh = luaScript(`${GCRA_SCRIPT.lua}\n-- ${crypto.randomBytes(8).toString('hex')}`);
    assert.deepEqual(await client.script('EXISTS', fresh.sha1), [0]);
    const args = [1, CELL.intervalUs, CELL.toleranceUs];
    assert.equal((await store.evalScript(fresh, ['rl:{fresh}:5/5'], args))[0], 1);
    assert.deepEqual(await client.script('EXISTS', fresh.sha1), [1], 'EVAL loaded it');
    assert.equal((await store.evalScript(fresh, ['rl:{fresh}:5/5'], args))[0], 1);
    const limiter = new RateLimiter({ policies: [{ limit: 3, windowSec: 60 }], store, group: 'sha' });
    assert.equal((await limiter.check('a')).policies[0].remaining, 2);
    assert.equal((await limiter.check('a')).policies[0].remaining, 1);
  });

  it('exactly N of 200 concurrent requests pass; keys share one hash tag, hold only digests, and expire', async () => {
    const limiter = new RateLimiter({ policies: [{ limit: 25, windowSec: 60 }, { limit: 1000, windowSec: 86400 }], store, group: 'conc' });
    const results = await Promise.all(Array.from({ length: 200 }, () => limiter.check('ip:192.0.2.77').then(() => 'ok', (e) => e.code)));
    assert.equal(results.filter((r) => r === 'ok').length, 25);
    assert.equal(results.filter((r) => r === 'AUTH_009').length, 175);
    const keys = await client.keys(`${prefix}rl:*`);
    const mine = keys.filter((k) => !k.includes('{vector}'));
    const tags = new Set(mine.map((k) => /\{([^}]+)\}/.exec(k)[1]));
    assert.ok(mine.length >= 2 && !mine.join().includes('192.0.2.77'), mine.join());
    for (const k of mine) {
      const ttl = await client.pttl(k);
      assert.ok(ttl > 0 && ttl <= 86400_000, `${k} expires (${ttl} ms)`);
    }
    const conc = mine.filter((k) => k.endsWith(':25/60') || k.endsWith(':1000/86400'));
    assert.equal(new Set(conc.map((k) => /\{([^}]+)\}/.exec(k)[1])).size, 1, 'both policies of one client: one hash tag, one Cluster slot');
    assert.ok(tags.size >= 1);
  });

  it('the server clock decides: two limiters (two "instances") agree on remaining and reset', async () => {
    const a = new RateLimiter({ policies: [{ limit: 10, windowSec: 60 }], store, group: 'clock' });
    const b = new RateLimiter({ policies: [{ limit: 10, windowSec: 60 }], store, group: 'clock' });
    const r1 = await a.check('subject:alice');
    const r2 = await b.check('subject:alice');
    assert.deepEqual([r1.policies[0].remaining, r2.policies[0].remaining], [9, 8]);
    const h1 = rateLimitHeaders(r1);
    const h2 = rateLimitHeaders(r2);
    assert.ok(Math.abs(Number(h2['X-RateLimit-Reset']) - Number(h1['X-RateLimit-Reset']) - 6) <= 1, `${h1['X-RateLimit-Reset']} → ${h2['X-RateLimit-Reset']}`);
  });
});
