'use strict';
/**
 * The behaviour every Store adapter promises (lib/store/store.ts), run
 * against each adapter by store.test.js. `makeStore(mochaContext)` returns a
 * fresh store; it may call mochaContext.skip() when its backend is absent.
 * Keys are unique per test, so adapters may share one backend namespace.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { readNow } = require('../../../dist/lib/store/store');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function runStoreContract(name, makeStore) {
  describe(`Store contract: ${name}`, function () {
    let store;
    let n = 0;
    const key = (label) => `${label}:${++n}:${crypto.randomBytes(4).toString('hex')}`;

    before(async function () {
      store = await makeStore(this);
    });

    after(async function () {
      if (store) await store.close();
    });

    describe('get / set / delete', function () {
      it('get of an absent key is undefined', async function () {
        assert.equal(await store.get(key('absent')), undefined);
      });

      it('set then get round-trips, and set overwrites', async function () {
        const k = key('rt');
        await store.set(k, 'one');
        assert.equal(await store.get(k), 'one');
        await store.set(k, 'two');
        assert.equal(await store.get(k), 'two');
      });

      it('readNow (read where the adapter has it, else get) answers like get: a value, absent, expired', async function () {
        const k = key('read');
        assert.equal(await readNow(store, k), undefined);
        await store.set(k, 'v');
        assert.equal(await readNow(store, k), 'v');
        const short = key('read-exp');
        await store.set(short, 'x', 30);
        await sleep(80);
        assert.equal(await readNow(store, short), undefined);
        assert.equal(await store.get(short), undefined);
      });

      it('delete is true when something was removed, false otherwise', async function () {
        const k = key('del');
        await store.set(k, 'x');
        assert.equal(await store.delete(k), true);
        assert.equal(await store.get(k), undefined);
        assert.equal(await store.delete(k), false);
      });

      it('keeps keys apart even when they differ only in punctuation', async function () {
        const base = key('punct');
        const variants = [`${base}.a`, `${base}_a`, `${base}%002ea`, `${base}[a]`, `${base}/a`, `${base}:a`, `${base} a`];
        await Promise.all(variants.map((k, i) => store.set(k, `v${i}`)));
        const got = await Promise.all(variants.map((k) => store.get(k)));
        assert.deepEqual(got, variants.map((_, i) => `v${i}`));
      });

      it('round-trips unicode and JSON values and unicode keys', async function () {
        const values = [
          '',
          'ascii',
          'Grüße, 你好, مرحبا, 🎉🔐 \u{1F600} \u{10FFFF}',
          JSON.stringify({ sub: 'ü', scopes: ['a', 'b'], nested: { n: 1.5, t: true, z: null }, esc: '"\\\n\t\u0000' }),
          'x'.repeat(64 * 1024),
        ];
        for (const v of values) {
          const k = key('uni-ключ-🔑');
          await store.set(k, v);
          assert.equal(await store.get(k), v);
        }
        const k = key('json');
        await store.set(k, values[3]);
        assert.deepEqual(JSON.parse(await store.get(k)), JSON.parse(values[3]));
      });

      it('rejects a U+0000 in keys and values, empty keys and invalid TTLs, before touching the backend', async function () {
        await assert.rejects(store.set(key('nul') + '\u0000', 'v'), TypeError);
        await assert.rejects(store.set(key('nul'), 'a\u0000b'), TypeError);
        await assert.rejects(store.get(''), TypeError);
        for (const bad of [0, -5, NaN, Infinity]) {
          await assert.rejects(store.set(key('ttl'), 'v', bad), RangeError);
          await assert.rejects(store.increment(key('ttl'), bad), RangeError);
        }
      });
    });

    describe('TTL', function () {
      it('an entry expires after its TTL and is then invisible to get and delete', async function () {
        const k = key('ttl');
        await store.set(k, 'short', 100);
        assert.equal(await store.get(k), 'short');
        await sleep(250);
        assert.equal(await store.get(k), undefined);
        assert.equal(await store.delete(k), false);
      });

      it('set without TTL clears an earlier TTL', async function () {
        const k = key('ttl-clear');
        await store.set(k, 'a', 80);
        await store.set(k, 'b');
        await sleep(200);
        assert.equal(await store.get(k), 'b');
      });

      it('set with TTL on a permanent entry makes it expire', async function () {
        const k = key('ttl-add');
        await store.set(k, 'a');
        await store.set(k, 'b', 80);
        await sleep(200);
        assert.equal(await store.get(k), undefined);
      });
    });

    describe('setIfAbsent', function () {
      it('sets when absent, refuses when present (value unchanged)', async function () {
        const k = key('sia');
        assert.equal(await store.setIfAbsent(k, 'first'), true);
        assert.equal(await store.setIfAbsent(k, 'second'), false);
        assert.equal(await store.get(k), 'first');
      });

      it('treats an expired entry as absent', async function () {
        const k = key('sia-exp');
        assert.equal(await store.setIfAbsent(k, 'old', 60), true);
        await sleep(200);
        assert.equal(await store.setIfAbsent(k, 'new', 60_000), true);
        assert.equal(await store.get(k), 'new');
      });

      it('honours its TTL', async function () {
        const k = key('sia-ttl');
        assert.equal(await store.setIfAbsent(k, 'nonce', 80), true);
        await sleep(200);
        assert.equal(await store.get(k), undefined);
      });

      it('50 concurrent callers: exactly one wins and its value is stored', async function () {
        const k = key('sia-race');
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.setIfAbsent(k, `caller-${i}`, 60_000)));
        const winners = results.map((ok, i) => (ok ? i : -1)).filter((i) => i >= 0);
        assert.equal(winners.length, 1, `winners: ${winners}`);
        assert.equal(await store.get(k), `caller-${winners[0]}`);
      });
    });

    describe('increment', function () {
      it('counts 1, 2, 3 and reports the time left in the window', async function () {
        const k = key('inc');
        const a = await store.increment(k, 60_000);
        const b = await store.increment(k, 60_000);
        const c = await store.increment(k, 60_000);
        assert.deepEqual([a.value, b.value, c.value], [1, 2, 3]);
        for (const r of [a, b, c]) assert.ok(r.ttlMs > 0 && r.ttlMs <= 60_000, `ttlMs ${r.ttlMs}`);
        assert.equal(await store.get(k), '3');
      });

      it('never extends the window: later calls with a longer TTL keep the first expiry', async function () {
        const k = key('inc-fixed');
        const first = await store.increment(k, 150);
        assert.ok(first.ttlMs <= 150);
        const second = await store.increment(k, 60_000);
        assert.equal(second.value, 2);
        assert.ok(second.ttlMs <= 150, `ttl was extended to ${second.ttlMs}`);
      });

      it('a new window starts at 1 after expiry', async function () {
        const k = key('inc-reset');
        await store.increment(k, 80);
        await store.increment(k, 80);
        await sleep(250);
        const r = await store.increment(k, 60_000);
        assert.equal(r.value, 1);
        assert.ok(r.ttlMs > 150, `fresh window expected, ttlMs ${r.ttlMs}`);
      });

      it('a counter written without TTL gets the window on its next increment', async function () {
        const k = key('inc-nottl');
        await store.set(k, '5');
        const r = await store.increment(k, 60_000);
        assert.equal(r.value, 6);
        assert.ok(r.ttlMs > 0 && r.ttlMs <= 60_000, `ttlMs ${r.ttlMs}`);
      });

      it('rejects a non-integer value and leaves it unchanged', async function () {
        const k = key('inc-nan');
        await store.set(k, 'not a number');
        await assert.rejects(store.increment(k, 60_000), TypeError);
        assert.equal(await store.get(k), 'not a number');
      });

      it('100 concurrent callers get 1..100 each exactly once, and the window is not extended', async function () {
        const k = key('inc-race');
        const results = await Promise.all(Array.from({ length: 100 }, () => store.increment(k, 30_000)));
        const values = results.map((r) => r.value).sort((a, b) => a - b);
        assert.deepEqual(values, Array.from({ length: 100 }, (_, i) => i + 1));
        for (const r of results) assert.ok(r.ttlMs > 0 && r.ttlMs <= 30_000, `ttlMs ${r.ttlMs}`);
        const after = await store.increment(k, 600_000);
        assert.equal(after.value, 101);
        assert.ok(after.ttlMs <= 30_000, `ttl was extended to ${after.ttlMs}`);
      });
    });

    describe('compareAndSet', function () {
      it('replaces only when the current value matches', async function () {
        const k = key('cas');
        await store.set(k, 'v1');
        assert.equal(await store.compareAndSet(k, 'wrong', 'v2'), false);
        assert.equal(await store.get(k), 'v1');
        assert.equal(await store.compareAndSet(k, 'v1', 'v2'), true);
        assert.equal(await store.get(k), 'v2');
      });

      it('is false on an absent key and does not create it', async function () {
        const k = key('cas-absent');
        assert.equal(await store.compareAndSet(k, '', 'v'), false);
        assert.equal(await store.compareAndSet(k, 'x', 'v'), false);
        assert.equal(await store.get(k), undefined);
      });

      it('cannot revive an expired entry', async function () {
        const k = key('cas-exp');
        await store.set(k, 'old', 60);
        await sleep(200);
        assert.equal(await store.compareAndSet(k, 'old', 'new', 60_000), false);
        assert.equal(await store.get(k), undefined);
      });

      it('applies its TTL to the new value', async function () {
        const k = key('cas-ttl');
        await store.set(k, 'a');
        assert.equal(await store.compareAndSet(k, 'a', 'b', 80), true);
        assert.equal(await store.get(k), 'b');
        await sleep(200);
        assert.equal(await store.get(k), undefined);
      });

      it('20 concurrent rotations from the same expected value: exactly one wins', async function () {
        const k = key('cas-race');
        await store.set(k, 'family:gen0', 60_000);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.compareAndSet(k, 'family:gen0', `family:gen1:${i}`, 60_000)));
        const winners = results.map((ok, i) => (ok ? i : -1)).filter((i) => i >= 0);
        assert.equal(winners.length, 1, `winners: ${winners}`);
        assert.equal(await store.get(k), `family:gen1:${winners[0]}`);
      });
    });
  });
}

module.exports = { runStoreContract, sleep };
