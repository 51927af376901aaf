'use strict';
/**
 * Lockout under concurrency (in-flight attempts are reserved before any
 * check), across nodes with different settings on one store (a ban is never
 * shortened), and per IPv6 /64 — over a real MemoryStore, with real password
 * hashes and the real login service / Basic authenticator.
 */
const assert = require('node:assert/strict');
const { MemoryStore } = require('../../../dist/lib/store');
const { Lockout, lockoutAddress, quietMemoSize, CHECK_QUIET_MEMO_MS } = require('../../../dist/lib/limits/lockout');
const { createSessionTokens, LoginService, TotpGuard } = require('../../../dist/lib/session');
const { hashPasswordScrypt, PasswordChecker, BasicAuthenticator, totp, base32Decode } = require('../../../dist/lib/internal');
const { countHashes } = require('../../support/count-hashes');
const { keys } = require('../../../dist/lib/store/keys');

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const basic = (user, pw) => ['Basic ' + Buffer.from(`${user}:${pw}`).toString('base64')];

function clock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  const now = () => t;
  now.advance = (ms) => { t += ms; };
  return now;
}

/** Counts password checks (each one is a hash unless cached). */
class CountingChecker extends PasswordChecker {
  constructor() { super(); this.calls = 0; }
  async check(...args) { this.calls++; return super.check(...args); }
}

/** Counts TOTP verifications. */
class CountingGuard extends TotpGuard {
  constructor(...args) { super(...args); this.calls = 0; }
  async verify(...args) { this.calls++; return super.verify(...args); }
}

/**
 * A Store that forwards to `inner` and counts reads of lockout marks.
 * `hold(method, when)` holds its next call on a mark key until release():
 * 'answer' runs it against `inner` at once and holds only the answer (a read
 * that saw the store as it was); 'landing' holds it before it reaches
 * `inner` (a write not landed yet). `called` resolves once the call got that far.
 */
function watchedStore(inner) {
  const held = {};
  const store = {
    markReads: 0,
    failNextMarkRead: false,
    hold(method, when) {
      let release;
      let reached;
      const released = new Promise((resolve) => { release = resolve; });
      const called = new Promise((resolve) => { reached = resolve; });
      held[method] = { when, released, reached };
      return { release, called };
    },
  };
  for (const m of ['get', 'set', 'setIfAbsent', 'delete', 'increment', 'compareAndSet', 'close']) {
    store[m] = async (key, ...rest) => {
      const mark = typeof key === 'string' && key.startsWith('af:lm:');
      if (mark && m === 'get') {
        store.markReads++;
        if (store.failNextMarkRead) {
          store.failNextMarkRead = false;
          throw new Error('store read failed');
        }
      }
      const hold = mark ? held[m] : undefined;
      if (!hold) return inner[m](key, ...rest);
      delete held[m];
      if (hold.when === 'landing') {
        hold.reached();
        await hold.released;
        return inner[m](key, ...rest);
      }
      const result = await inner[m](key, ...rest);
      hold.reached();
      await hold.released;
      return result;
    };
  }
  return store;
}

/** Settles every promise; returns [fulfilled count, codes of the rejections]. */
async function settle(promises) {
  const results = await Promise.allSettled(promises);
  const codes = {};
  let ok = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') ok++;
    else codes[r.reason.code] = (codes[r.reason.code] || 0) + 1;
  }
  return [ok, codes];
}

describe('lockout: concurrency, shared stores, IPv6', function () {
  this.timeout(60000);
  let users;
  let userText;
  before(async () => {
    const [alice, carol] = await Promise.all(['alice-pw', 'carol-pw'].map((p) => hashPasswordScrypt(p, { ln: 10 })));
    users = [{ username: 'alice', password: alice }, { username: 'carol', password: carol, totpSecret: SEED }];
    userText = `alice:${alice}\ncarol:${carol}`;
  });

  function login(lockoutOpts, totpPolicy = 'enrolled') {
    const now = clock();
    const store = new MemoryStore({ now, sweepIntervalMs: 0 });
    const tokens = createSessionTokens({ store, secret: SECRET, issuer: 'https://issuer.test', audience: 'api', now });
    const passwords = new CountingChecker();
    const guard = new CountingGuard(store, { now });
    const lockout = new Lockout(store, { now, ...lockoutOpts });
    const svc = new LoginService({ tokens, passwords, lockout, totp: { policy: totpPolicy, guard } });
    return { now, store, svc, passwords, guard };
  }

  describe('S1: attempts are reserved before they are checked', () => {
    it('200 concurrent wrong logins for one user and address: at most maxRetries passwords checked, the rest 429', async () => {
      const { svc, passwords } = login({ maxRetries: 5, ipMaxRetries: 0 });
      const [ok, codes] = await settle(Array.from({ length: 200 }, () => svc.login(users, { username: 'alice', password: 'guess' }, '10.0.0.1')));
      assert.equal(ok, 0);
      assert.equal(passwords.calls, 5, 'password checks');
      assert.deepEqual(codes, { AUTH_001: 5, AUTH_007: 195 });
      // Everything counted: the pair is banned now, even for the right password.
      await assert.rejects(svc.login(users, { username: 'alice', password: 'alice-pw' }, '10.0.0.1'), (e) => e.code === 'AUTH_007');
    });

    it('the password in the success cache, 1000 concurrent TOTP guesses: at most maxRetries codes checked', async () => {
      const { svc, guard, now } = login({ maxRetries: 5, ipMaxRetries: 20 });
      const seed = base32Decode(SEED);
      const valid = new Set([-1, 0, 1].map((s) => totp(seed, now() / 1000 + 30 * s)));
      const wrong = ['000000', '000001', '000002', '000003'].find((c) => !valid.has(c));
      // Fills the success cache: the password is known good from here on.
      await svc.login(users, { username: 'carol', password: 'carol-pw', mfaCode: totp(seed, now() / 1000) }, '10.0.0.2');
      const [ok, codes] = await settle(Array.from({ length: 1000 }, () =>
        svc.login(users, { username: 'carol', password: 'carol-pw', mfaCode: wrong }, '10.0.0.2')));
      assert.equal(ok, 0);
      assert.equal(guard.calls - 1, 5, 'codes checked');
      assert.deepEqual(codes, { AUTH_006: 5, AUTH_007: 995 });
    });

    it('per IP: a burst spraying usernames has at most ipMaxRetries passwords checked', async () => {
      const { svc, passwords } = login({ maxRetries: 5, ipMaxRetries: 8 });
      const [, codes] = await settle(Array.from({ length: 100 }, (_, i) => svc.login(users, { username: `u${i}`, password: 'x' }, '10.0.0.3')));
      assert.equal(passwords.calls, 8);
      assert.deepEqual(codes, { AUTH_001: 8, AUTH_007: 92 });
    });

    it('Basic: the same limit through the same path; parallel requests with known-good credentials are never refused', async () => {
      const store = new MemoryStore({ sweepIntervalMs: 0 });
      const passwords = new CountingChecker();
      const auth = new BasicAuthenticator('api', passwords, new Lockout(store, { maxRetries: 5, ipMaxRetries: 0 }));
      await auth.authenticate(basic('alice', 'alice-pw'), userText, '10.0.0.4'); // cached from here on
      const good = await settle(Array.from({ length: 50 }, () => auth.authenticate(basic('alice', 'alice-pw'), userText, '10.0.0.4')));
      assert.deepEqual(good, [50, {}]);
      passwords.calls = 0;
      const [, codes] = await settle(Array.from({ length: 100 }, (_, i) => auth.authenticate(basic('alice', `guess-${i}`), userText, '10.0.0.5')));
      assert.equal(passwords.calls, 5);
      assert.deepEqual(codes, { AUTH_001: 5, AUTH_007: 95 });
    });

    it('a quiet successful login makes no lockout store call besides the mark read (no needless delete)', async () => {
      const { svc, store } = login({ maxRetries: 5 }, 'off');
      const lockoutCalls = [];
      for (const m of ['get', 'set', 'delete', 'increment', 'setIfAbsent', 'compareAndSet']) {
        const orig = store[m].bind(store);
        store[m] = (key, ...rest) => { if (/^af:l[fbm]:/.test(key)) lockoutCalls.push(m); return orig(key, ...rest); };
      }
      await svc.login(users, { username: 'alice', password: 'alice-pw' }, '10.0.0.6');
      assert.deepEqual(lockoutCalls, ['get']);
    });

    it('reservations end with their attempts: after the ban ends, sequential attempts work again', async () => {
      const { svc, passwords, now } = login({ maxRetries: 3, ipMaxRetries: 0, banTimeSec: 60 });
      await settle(Array.from({ length: 20 }, () => svc.login(users, { username: 'alice', password: 'guess' }, '10.0.0.7')));
      now.advance(61_000);
      passwords.calls = 0;
      for (let i = 0; i < 2; i++) await assert.rejects(svc.login(users, { username: 'alice', password: 'guess' }, '10.0.0.7'), (e) => e.code === 'AUTH_001');
      await svc.login(users, { username: 'alice', password: 'alice-pw' }, '10.0.0.7');
      assert.equal(passwords.calls, 3);
    });
  });

  describe('S1b: only failures lock anyone out (issue 10 item 5)', () => {
    /** A user list of `n` users u0…u(n-1) whose password is `pw-<i>` (ln=10 scrypt). */
    async function manyUsers(n) {
      const hashes = await Promise.all(Array.from({ length: n }, (_, i) => hashPasswordScrypt(`pw-${i}`, { ln: 10 })));
      return hashes.map((password, i) => ({ username: `u${i}`, password }));
    }

    it('Basic: 50 concurrent first-time requests with the right password all succeed, with one hash', async () => {
      const auth = new BasicAuthenticator('api', new PasswordChecker(), new Lockout(new MemoryStore({ sweepIntervalMs: 0 }), { maxRetries: 5, ipMaxRetries: 20 }));
      let results;
      const hashes = await countHashes(async () => {
        results = await settle(Array.from({ length: 50 }, () => auth.authenticate(basic('alice', 'alice-pw'), userText, '10.9.0.1')));
      });
      assert.deepEqual(results, [50, {}]);
      assert.equal(hashes, 1);
    });

    it('login: 20 concurrent first-time logins with the right password all succeed, one hash, with and without a second-factor policy', async () => {
      for (const policy of ['off', 'enrolled']) {
        const { svc } = login({ maxRetries: 3, ipMaxRetries: 20 }, policy);
        let results;
        const hashes = await countHashes(async () => {
          results = await settle(Array.from({ length: 20 }, () => svc.login(users, { username: 'alice', password: 'alice-pw' }, '10.9.0.2')));
        });
        assert.deepEqual(results, [20, {}], policy);
        assert.equal(hashes, 1, policy);
      }
    });

    it('more distinct users at once from one address than its failure limit: all let in (they wait their turn), none counted', async () => {
      const list = await manyUsers(30);
      const { svc, store } = login({ maxRetries: 5, ipMaxRetries: 8 }, 'off');
      const results = await settle(list.map((u, i) => svc.login(list, { username: u.username, password: `pw-${i}` }, '10.9.0.3')));
      assert.deepEqual(results, [30, {}]);
      assert.equal(await store.get(keys.lockMark('10.9.0.3')), undefined, 'no failure mark for the address');
    });

    it('identical copies of one wrong password in flight are one guess: one hash, one failure counted', async () => {
      const { svc, passwords } = login({ maxRetries: 3, ipMaxRetries: 0 }, 'off');
      const [ok, codes] = await settle(Array.from({ length: 10 }, () => svc.login(users, { username: 'alice', password: 'guess' }, '10.9.0.4')));
      assert.deepEqual([ok, codes], [0, { AUTH_001: 10 }]);
      assert.equal(passwords.calls, 1);
      // Two more failures reach the limit of 3: the count above was one.
      for (const pw of ['g2', 'g3']) await assert.rejects(svc.login(users, { username: 'alice', password: pw }, '10.9.0.4'), (e) => e.code === 'AUTH_001');
      await assert.rejects(svc.login(users, { username: 'alice', password: 'alice-pw' }, '10.9.0.4'), (e) => e.code === 'AUTH_007');
    });

    it('a burst of distinct wrong passwords: exactly maxRetries hashed and counted, the rest refused once banned', async () => {
      const { svc, passwords } = login({ maxRetries: 5, ipMaxRetries: 0 }, 'off');
      const guesses = Array.from({ length: 60 }, (_, i) => `guess-${i}`);
      const [, codes] = await settle(guesses.map((password) => svc.login(users, { username: 'alice', password }, '10.9.0.5')));
      assert.deepEqual(codes, { AUTH_001: 5, AUTH_007: 55 });
      assert.equal(passwords.calls, 5);
    });

    it('the right password waits behind guesses in flight and gets in when they leave room', async () => {
      const { svc } = login({ maxRetries: 5, ipMaxRetries: 0 }, 'off');
      const wrong = Array.from({ length: 4 }, (_, i) => svc.login(users, { username: 'alice', password: `w${i}` }, '10.9.0.6'));
      const right = Array.from({ length: 3 }, () => svc.login(users, { username: 'alice', password: 'alice-pw' }, '10.9.0.6'));
      const [wrongOk, wrongCodes] = await settle(wrong);
      assert.deepEqual([wrongOk, wrongCodes], [0, { AUTH_001: 4 }]);
      assert.deepEqual(await settle(right), [3, {}]);
    });

    it('an attempt over the limit waits for the one ahead — through its slow store read — and is admitted when it ends', async () => {
      const store = watchedStore(new MemoryStore({ sweepIntervalMs: 0 }));
      const l = new Lockout(store, { maxRetries: 1, ipMaxRetries: 0 });
      const held = store.hold('get', 'answer'); // the first attempt's mark read hangs
      const first = l.begin('alice', '10.9.0.8');
      await held.called;
      let secondIn = false;
      const second = l.begin('alice', '10.9.0.8').then((attempt) => { secondIn = true; return attempt; });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(secondIn, false, 'waits while the first is reading');
      held.release();
      const a = await first;
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(secondIn, false, 'waits while the first is checked');
      await a.success();
      const b = await second;
      await b.success();
    });

    it('attempts beyond the waiting bound are refused at once, uncounted (429 AUTH_007, Retry-After 1)', async () => {
      const { svc, passwords } = login({ maxRetries: 2, ipMaxRetries: 0 }, 'off');
      const results = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => svc.login(users, { username: 'alice', password: `x${i}` }, '10.9.0.7')));
      const locked = results.filter((r) => r.status === 'rejected' && r.reason.code === 'AUTH_007');
      assert.equal(locked.length, 298);
      assert.ok(locked.every((r) => r.reason.retryAfter >= 1));
      assert.equal(passwords.calls, 2, 'only the two admitted guesses were checked');
    });
  });

  describe('S5: nodes with different settings on one store', () => {
    it('a failure on a node with a short ban never shortens the mark or the ban of a node with a long one', async () => {
      const now = clock();
      const store = new MemoryStore({ now, sweepIntervalMs: 0 });
      const long = new Lockout(store, { now, maxRetries: 3, ipMaxRetries: 0, findTimeSec: 3600, banTimeSec: 3600 });
      const short = new Lockout(store, { now, maxRetries: 1, ipMaxRetries: 0, findTimeSec: 10, banTimeSec: 10 });
      for (let i = 0; i < 3; i++) await long.failure('alice', '10.0.0.1');
      await assert.rejects(long.check('alice', '10.0.0.1'), (e) => e.code === 'AUTH_007');
      await short.failure('bob', '10.0.0.1'); // rewrites the IP's mark
      await short.failure('alice', '10.0.0.1'); // reaches the short node's limit: a 10 s ban
      now.advance(600_000);
      await assert.rejects(long.check('alice', '10.0.0.1'), (e) => e.code === 'AUTH_007' && e.retryAfter === 3000);
      await assert.rejects(short.check('alice', '10.0.0.1'), (e) => e.code === 'AUTH_007');
      now.advance(3_000_000);
      await long.check('alice', '10.0.0.1');
    });
  });

  describe('hot path: "no mark" remembered per store (quietMemoMs, per-request checks)', () => {
    function setup() {
      const now = clock();
      const store = watchedStore(new MemoryStore({ now, sweepIntervalMs: 0 }));
      return { now, store };
    }

    it('a quiet address is read once within the TTL, and again after it', async () => {
      const { now, store } = setup();
      const l = new Lockout(store, { now, quietMemoMs: CHECK_QUIET_MEMO_MS, maxRetries: 5, ipMaxRetries: 20 });
      for (let i = 0; i < 50; i++) {
        const attempt = await l.begin('alice', '10.1.0.1');
        await attempt.success();
        now.advance(10);
      }
      assert.equal(store.markReads, 1);
      now.advance(600); // 1100 ms after the first read
      await (await l.begin('alice', '10.1.0.1')).success();
      assert.equal(store.markReads, 2);
      await l.check('bob', '10.1.0.2'); // another address has its own read
      assert.equal(store.markReads, 3);
    });

    it('is off unless asked for (the login endpoint): every check reads the store; bad values are refused', async () => {
      const { now, store } = setup();
      const l = new Lockout(store, { now, maxRetries: 5 });
      for (let i = 0; i < 3; i++) await l.check('alice', '10.1.0.9');
      assert.equal(store.markReads, 3);
      for (const quietMemoMs of [-1, 1.5, 10_001]) assert.throws(() => new Lockout(store, { quietMemoMs }), /quietMemoMs/);
    });

    it('knownQuiet: true only while a quiet read is remembered, false once a failure is counted; always true when disabled', async () => {
      const { now, store } = setup();
      const l = new Lockout(store, { now, quietMemoMs: CHECK_QUIET_MEMO_MS, maxRetries: 5 });
      assert.equal(l.knownQuiet('10.1.0.8'), false, 'never read: ask the store');
      await l.check('alice', '10.1.0.8');
      assert.equal(l.knownQuiet('::ffff:10.1.0.8'), true, 'the same address, as a dual-stack socket reports it');
      await l.failure('bob', '10.1.0.8');
      assert.equal(l.knownQuiet('10.1.0.8'), false);
      assert.equal(new Lockout(store, { now, maxRetries: 5 }).knownQuiet('10.1.0.9'), false, 'memo off');
      assert.equal(new Lockout(store, { maxRetries: 0, ipMaxRetries: 0 }).knownQuiet('10.1.0.9'), true);
    });

    it('a store read error propagates and is not remembered', async () => {
      const { now, store } = setup();
      const l = new Lockout(store, { now, quietMemoMs: CHECK_QUIET_MEMO_MS, maxRetries: 5 });
      store.failNextMarkRead = true;
      await assert.rejects(l.begin('alice', '10.1.0.3'), /store read failed/);
      await l.check('alice', '10.1.0.3');
      await l.check('alice', '10.1.0.3');
      assert.equal(store.markReads, 2);
    });

    it('a failure recorded by another Lockout on the same store object bans at once', async () => {
      const { now, store } = setup();
      const reader = new Lockout(store, { now, quietMemoMs: CHECK_QUIET_MEMO_MS, maxRetries: 5, ipMaxRetries: 20 });
      const writer = new Lockout(store, { now, quietMemoMs: CHECK_QUIET_MEMO_MS, maxRetries: 1, ipMaxRetries: 0 });
      await reader.check('alice', '10.1.0.4'); // remembered as quiet
      await reader.check('alice', '10.1.0.4');
      assert.equal(store.markReads, 1);
      await writer.failure('alice', '10.1.0.4'); // the writer's limit: a ban
      await assert.rejects(reader.begin('alice', '10.1.0.4'), (e) => e.code === 'AUTH_007');
      await assert.rejects(reader.check('alice', '10.1.0.4'), (e) => e.code === 'AUTH_007');
    });

    it('a quiet read in flight while a mark is written is not remembered', async () => {
      const { now, store } = setup();
      const l = new Lockout(store, { now, quietMemoMs: CHECK_QUIET_MEMO_MS, maxRetries: 1, ipMaxRetries: 0 });
      const read = store.hold('get', 'answer');
      const before = l.check('alice', '10.1.0.5'); // reads "no mark", answer held
      await read.called;
      await l.failure('alice', '10.1.0.5'); // mark, counter, ban
      read.release();
      assert.deepEqual(await before, { quiet: true }); // it started before the failure
      await assert.rejects(l.check('alice', '10.1.0.5'), (e) => e.code === 'AUTH_007');
    });

    it('a remembered quiet address is read from the store again once a mark write starts', async () => {
      const { now, store } = setup();
      const l = new Lockout(store, { now, quietMemoMs: CHECK_QUIET_MEMO_MS, maxRetries: 3, ipMaxRetries: 0 });
      await l.check('alice', '10.1.0.7'); // remembered as quiet
      const write = store.hold('setIfAbsent', 'answer');
      const failing = l.failure('alice', '10.1.0.7');
      await write.called; // the mark is in the store; its writer has not heard back yet
      assert.deepEqual(await l.check('alice', '10.1.0.7'), { quiet: false });
      write.release();
      await failing;
    });

    it('a quiet read that ends while the mark write is still in flight is forgotten when the write ends', async () => {
      const { now, store } = setup();
      const l = new Lockout(store, { now, quietMemoMs: CHECK_QUIET_MEMO_MS, maxRetries: 1, ipMaxRetries: 0 });
      const write = store.hold('setIfAbsent', 'landing');
      const failing = l.failure('alice', '10.1.0.6');
      await write.called; // the mark write started, and has not reached the store
      assert.deepEqual(await l.check('alice', '10.1.0.6'), { quiet: true }); // rightly: no mark yet
      write.release();
      await failing;
      await assert.rejects(l.check('alice', '10.1.0.6'), (e) => e.code === 'AUTH_007');
    });

    it('stays bounded under a flood of distinct addresses, the oldest leaving first', async () => {
      const { now, store } = setup();
      const l = new Lockout(store, { now, quietMemoMs: CHECK_QUIET_MEMO_MS, maxRetries: 5, ipMaxRetries: 20 });
      for (let i = 0; i < 12_000; i++) await l.check('alice', `10.2.${i >> 8}.${i & 255}`);
      assert.equal(quietMemoSize(store), 10_000);
      const reads = store.markReads;
      await l.check('alice', `10.2.${11_999 >> 8}.${11_999 & 255}`); // recent: remembered
      assert.equal(store.markReads, reads);
      await l.check('alice', '10.2.0.0'); // the first one: evicted, read again
      assert.equal(store.markReads, reads + 1);
    });
  });

  describe('S6: IPv6 per /64', () => {
    it('addresses of one /64 share counters; another /64, IPv4 addresses and mapped IPv4 are told apart as addresses', async () => {
      const store = new MemoryStore({ sweepIntervalMs: 0 });
      const l = new Lockout(store, { maxRetries: 3, ipMaxRetries: 5 });
      for (const addr of ['2001:db8:0:1::1', '2001:db8:0:1::2', '2001:db8:0:1:abcd:1234:5678:9abc']) await l.failure('alice', addr);
      await assert.rejects(l.check('alice', '2001:db8:0:1:ffff::1'), (e) => e.code === 'AUTH_007' && /user/.test(e.reason));
      await l.check('alice', '2001:db8:0:2::1');
      for (const u of ['b', 'c']) await l.failure(u, `2001:db8:0:1::${u}`);
      await assert.rejects(l.check('anyone', '2001:db8:0:1::99'), (e) => e.code === 'AUTH_007' && /address/.test(e.reason));

      for (let i = 0; i < 3; i++) await l.failure('alice', '::ffff:10.0.0.1');
      await assert.rejects(l.check('alice', '10.0.0.1'), (e) => e.code === 'AUTH_007');
      await l.check('alice', '10.0.0.2');
    });

    it('lockoutAddress: /64 for IPv6, the address for IPv4 and mapped IPv4, unparseable text as given', () => {
      assert.equal(lockoutAddress('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
      assert.equal(lockoutAddress('2001:DB8:1:2::7'), '2001:db8:1:2::/64');
      assert.equal(lockoutAddress('::ffff:192.0.2.1'), '192.0.2.1');
      assert.equal(lockoutAddress('192.0.2.1'), '192.0.2.1');
      assert.equal(lockoutAddress('unknown'), 'unknown');
    });
  });
});
