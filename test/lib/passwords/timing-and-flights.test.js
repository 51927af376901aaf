'use strict';
/**
 * Equal work for unknown users and wrong passwords over mixed hash lists
 * (issue 11 defect 5 / issue 10 item 6), single-flight checks and the
 * success cache's refresh-ahead (issue 10 item 5) — with real hashes run in
 * the real worker threads. Timing is asserted through what was hashed (the
 * same function, the same parameters) and through lower bounds a sleep
 * guarantees; the one comparison of elapsed times lives in
 * test/nodes/password-timing.test.js with generous bounds.
 */
const assert = require('node:assert/strict');
const bcrypt = require('bcryptjs');
const verify = require('../../../dist/lib/passwords/verify');
const { hashProfile, verifyCostMs, calibrateCost, estimatedVerifyMs, expectedCheckMs, observeCheck } = require('../../../dist/lib/passwords/hash-cost');
const { hashPasswordScrypt, PasswordChecker, UserDirectory } = require('../../../dist/lib/internal');
const { countHashes, hashedAgainst } = require('../../support/count-hashes');
const { eventually } = require('../../support/poll');

const EXAMPLE_01 = require('../../../examples/01 Basic auth.json').find((n) => n.type === 'authflow-basic').credentials.userList;

function clock(start = 1_000_000) {
  let t = start;
  const now = () => t;
  now.advance = (ms) => { t += ms; };
  return now;
}

describe('password check costs, single flight, refresh-ahead', function () {
  this.timeout(60000);

  describe('hash costs are measured per profile', () => {
    it('a profile is the algorithm and its cost parameters; plain text and malformed hashes have none', async () => {
      const s = await hashPasswordScrypt('x', { ln: 11, r: 4 });
      assert.equal(hashProfile(s), 'scrypt:11,4,1');
      assert.equal(hashProfile(bcrypt.hashSync('x', 5)), 'bcrypt:5');
      assert.equal(hashProfile('$2y$05$' + bcrypt.hashSync('x', 5).slice(7)), 'bcrypt:5');
      assert.equal(hashProfile('hunter2'), undefined);
      assert.equal(hashProfile('$2b$10$short'), undefined);
      assert.equal(verifyCostMs('hunter2'), 0);
    });

    it('measured once in the hashing worker, then used: cost grows with the parameters', async () => {
      const cheap = bcrypt.hashSync('x', 4);
      const dear = bcrypt.hashSync('x', 8); // 16× the work
      const [c, d] = [await calibrateCost(cheap), await calibrateCost(dear)];
      assert.ok(c > 0 && d > 4 * c, `bcrypt 4: ${c} ms, bcrypt 8: ${d} ms`);
      assert.equal(verifyCostMs(dear), d, 'the measurement, not the estimate, once measured');
      assert.equal(verifyCostMs(bcrypt.hashSync('other', 8)), d, 'per profile, not per hash');
      // Not hashed through verifyPassword: calibration is not a password check and never counts as one.
      assert.equal(await countHashes(() => calibrateCost(bcrypt.hashSync('x', 6))), 0);
    });

    it('checks running slower (or faster) than measured move that profile\'s expected time, within 1/4× to 4×', async () => {
      const h = bcrypt.hashSync('x', 7);
      const cost = await calibrateCost(h);
      assert.equal(expectedCheckMs(h), cost);
      for (let i = 0; i < 30; i++) observeCheck(h, cost * 3);
      assert.ok(Math.abs(expectedCheckMs(h) / cost - 3) < 0.01, `${expectedCheckMs(h) / cost}`);
      for (let i = 0; i < 30; i++) observeCheck(h, cost * 100);
      assert.ok(Math.abs(expectedCheckMs(h) / cost - 4) < 0.01, 'at most 4×');
      for (let i = 0; i < 60; i++) observeCheck(h, 0);
      assert.ok(Math.abs(expectedCheckMs(h) / cost - 0.25) < 0.01, 'at least 1/4×');
      observeCheck(h, cost * 4);
      assert.ok(expectedCheckMs(h) / cost < 1.25, 'one slow check is no trend');
      assert.equal(expectedCheckMs(bcrypt.hashSync('y', 7)), expectedCheckMs(h), 'per profile');
      assert.equal(expectedCheckMs('plain'), 0);
    });

    it('until measured, an estimate stands in (and the measurement starts)', async () => {
      const h = await hashPasswordScrypt('x', { ln: 11, r: 2 });
      assert.equal(verifyCostMs(h), estimatedVerifyMs(h));
      await eventually(async () => assert.notEqual(verifyCostMs(h), estimatedVerifyMs(h)), 10000);
    });
  });

  describe('unknown users cost what the costliest hash of a mixed list costs', () => {
    let hashPwList;
    before(async () => {
      // `node-red admin hash-pw` writes bcrypt cost 8; our CLI scrypt ln=15.
      hashPwList = `alice:${await hashPasswordScrypt('alice-password')}\nbob:${bcrypt.hashSync('bob-password', 8)}`;
    });

    for (const [name, list] of [['example 01 (scrypt ln=15 + bcrypt 10)', () => EXAMPLE_01], ['scrypt ln=15 + hash-pw bcrypt 8', () => hashPwList]]) {
      it(`${name}: the dummy hash has the profile measured costliest, and is checked by the same function`, async () => {
        const dir = new UserDirectory();
        const stored = ['alice', 'bob'].map((u) => dir.find(list(), u).password);
        const costs = await Promise.all(stored.map(calibrateCost));
        const now = stored.map(expectedCheckMs); // as measured, corrected by recent checks (none here: as measured)
        const costliest = stored[now.indexOf(Math.max(...now))];
        assert.equal(hashProfile(dir.likeHash(list())), hashProfile(costliest), `measured ${JSON.stringify(costs)}, now ${JSON.stringify(now)}`);
        const checker = new PasswordChecker();
        const seen = await hashedAgainst(() => checker.check('nobody', 'x', undefined, () => dir.likeHash(list())));
        assert.equal(seen.length, 1);
        assert.equal(hashProfile(seen[0]), hashProfile(costliest));
        assert.notEqual(seen[0], costliest, 'a dummy of that profile, not the user\'s own hash');
      });
    }

    it('a wrong password for a cheaper hash lasts at least as long as the costliest check (padded), and hashes once', async () => {
      const cheap = bcrypt.hashSync('right', 4);
      const dear = await hashPasswordScrypt('x', { ln: 14 });
      await Promise.all([calibrateCost(dear), calibrateCost(cheap)]);
      const target = expectedCheckMs(dear); // its measured cost, as fast or slow as its checks run now
      const checker = new PasswordChecker();
      const started = performance.now();
      let ok;
      const hashes = await countHashes(async () => { ok = await checker.check('bob', 'wrong', cheap, dear); });
      const elapsed = performance.now() - started;
      assert.equal(ok, false);
      assert.equal(hashes, 1);
      assert.ok(elapsed >= target * 0.95, `failure took ${elapsed.toFixed(1)} ms, the costliest check ${target.toFixed(1)} ms`);
      // A success is not padded (it is told apart by its answer anyway).
      const t0 = performance.now();
      assert.equal(await checker.check('bob', 'right', cheap, dear), true);
      assert.ok(performance.now() - t0 < target, 'no padding on success');
    });

    it('a plain-text entry beside hashes: its wrong password is padded too; a plain-only list gets a plain dummy', async () => {
      const dear = await hashPasswordScrypt('x', { ln: 13 });
      await calibrateCost(dear);
      const target = expectedCheckMs(dear);
      const dir = new UserDirectory();
      const list = [{ username: 'p', password: 'plain-secret' }, { username: 'h', password: dear }];
      assert.equal(dir.likeHash(list), dear);
      const started = performance.now();
      assert.equal(await new PasswordChecker().check('p', 'nope', 'plain-secret', () => dir.likeHash(list)), false);
      assert.ok(performance.now() - started >= target * 0.95);
      assert.equal(verify.passwordKind(dir.likeHash([{ username: 'p', password: 'plain-secret' }])), 'plain');
    });
  });

  describe('single flight: identical checks in flight share one hash', () => {
    let h;
    before(async () => { h = await hashPasswordScrypt('right', { ln: 12 }); });

    it('20 identical first-time checks of the right password: one hash, all true', async () => {
      const checker = new PasswordChecker();
      let results;
      const hashes = await countHashes(async () => {
        results = await Promise.all(Array.from({ length: 20 }, () => checker.check('u', 'right', h)));
      });
      assert.deepEqual([...new Set(results)], [true]);
      assert.equal(hashes, 1);
    });

    it('identical wrong or unknown-user checks share one hash too (so copies cost a known and an unknown user alike); different ones do not', async () => {
      const checker = new PasswordChecker();
      assert.equal(await countHashes(() => Promise.all(Array.from({ length: 10 }, () => checker.check('u', 'wrong', h)))), 1);
      assert.equal(await countHashes(() => Promise.all(Array.from({ length: 10 }, () => checker.check('ghost', 'x', undefined, h)))), 1);
      assert.equal(await countHashes(() => Promise.all(Array.from({ length: 5 }, (_, i) => checker.check('u', `w${i}`, h)))), 5);
      assert.equal(await countHashes(() => Promise.all(['u', 'v'].map((user) => checker.check(user, 'right', h)))), 2, 'per user');
    });

    it('a check against another stored hash does not join: the password changed under it', async () => {
      const checker = new PasswordChecker();
      const h2 = await hashPasswordScrypt('other', { ln: 12 });
      const [a, b] = await Promise.all([checker.check('u', 'right', h), checker.check('u', 'right', h2)]);
      assert.deepEqual([a, b], [true, false]);
    });
  });

  describe('the success cache under steady use', () => {
    let h;
    before(async () => { h = await hashPasswordScrypt('right', { ln: 10 }); });

    it('an entry in use is re-verified in the background before it expires, so steady traffic never misses', async () => {
      const now = clock();
      const checker = new PasswordChecker({ now, cacheTtlMs: 1000 });
      assert.equal(await checker.check('u', 'right', h), true);
      assert.equal(await countHashes(async () => {
        now.advance(500);
        assert.equal(checker.knownGood('u', 'right', h), true);
      }), 0, 'no refresh in the first 80 % of its life');
      const refreshes = await countHashes(async () => {
        now.advance(350); // 850 ms: past 80 % of a lifetime of 900–1000 ms
        assert.equal(checker.knownGood('u', 'right', h), true, 'answered from the cache meanwhile');
        await eventually(async () => assert.equal(checker.flights.size, 0), 5000); // (internal: the refresh has landed)
      });
      assert.equal(refreshes, 1, 'one background re-verification');
      now.advance(650); // 1500 ms: the first entry would have expired by now
      assert.equal(await countHashes(async () => assert.equal(checker.knownGood('u', 'right', h), true)), 0);
    });

    it('an entry not used late in its life expires as before', async () => {
      const now = clock();
      const checker = new PasswordChecker({ now, cacheTtlMs: 1000 });
      await checker.check('u', 'right', h);
      now.advance(1001);
      assert.equal(checker.knownGood('u', 'right', h), false);
    });

    it('lifetimes are jittered: credentials verified together do not all expire together', async () => {
      const now = clock();
      const checker = new PasswordChecker({ now, cacheTtlMs: 1000 });
      await Promise.all(Array.from({ length: 40 }, (_, i) => checker.check(`u${i}`, 'right', h)));
      now.advance(950); // within the 900–1000 ms spread
      const alive = Array.from({ length: 40 }, (_, i) => checker.knownGood(`u${i}`, 'right', h)).filter(Boolean).length;
      assert.ok(alive > 0 && alive < 40, `${alive} of 40 still cached at 95 % of the lifetime`);
    });
  });
});
