'use strict';
/**
 * Signing keys that rotate in the store (lib/tokens/key-ring.ts), with a
 * fake clock and two "instances" (two issuers built from the same config on
 * one store): next is published before it signs, a token of the next key
 * verifies on the other instance as soon as it is used, a token of the old
 * key keeps verifying until it expires, one instance rotates at a time, the
 * private keys are sealed, and a manual rotation is one call.
 */
const assert = require('node:assert/strict');
const { MemoryStore, createSessionTokens } = require('../../../dist/lib/internal');

const HOUR = 3600_000;
const DATA_KEY = 'data-key-material-of-at-least-32-bytes!!';

function setup({ ttl = 600, every = 24 * 3600 } = {}) {
  const clock = { t: Date.UTC(2026, 0, 1) };
  const now = () => clock.t;
  const store = new MemoryStore({ now });
  const make = () => createSessionTokens({
    store, format: 'jwt', issuer: 'https://auth.example.com', audience: 'https://api.example.com', accessTtlSec: ttl,
    dataKey: DATA_KEY, rotation: { alg: 'ES256', rotateEverySec: every, refreshMs: 0 }, now,
  });
  return { clock, store, a: make(), b: make() };
}

const kidOf = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url')).kid;
const grant = { clientId: 'acme', scopes: ['orders:read'] };

describe('KeyRing: signing keys rotating next → active → retiring → gone', function () {
  this.timeout(20000);

  it('the first start creates an active and a next key; both instances publish both before next signs', async () => {
    const { a, b } = setup();
    await a.issuer.keyRing.start();
    await b.issuer.keyRing.start();
    const sa = a.issuer.keyRing.status();
    assert.ok(sa.active && sa.next && sa.active !== sa.next);
    assert.deepEqual(b.issuer.keyRing.status(), sa);
    assert.deepEqual(b.issuer.keyRing.published().map((k) => k.kid).sort(), [sa.active, sa.next].sort());
    const t = await a.issuer.issueToClient(grant);
    assert.equal(kidOf(t.token), sa.active);
    assert.equal((await b.ownTokens.verify(t.token)).sub, 'acme');
  });

  it('on schedule: next signs, the old key verifies its tokens until they expire, then it is gone', async () => {
    const { clock, a, b } = setup({ ttl: 600 });
    await a.issuer.keyRing.start();
    await b.issuer.keyRing.start();
    const first = a.issuer.keyRing.status();
    const old = await a.issuer.issueToClient(grant);
    clock.t += 24 * HOUR + 1000;
    await a.issuer.keyRing.refresh(); // A rotates (its refresh found the rotation due)
    const second = a.issuer.keyRing.status();
    assert.equal(second.active, first.next);
    assert.deepEqual(second.retiring, [first.active]);
    assert.ok(second.next && second.next !== first.next);
    const fresh = await a.issuer.issueToClient(grant);
    assert.equal(kidOf(fresh.token), first.next);
    // B has not refreshed since: the new active key was already published to it as next.
    assert.equal(b.issuer.keyRing.status().active, first.active);
    assert.equal((await b.ownTokens.verify(fresh.token)).sub, 'acme');
    // The old key's token still verifies (it was issued seconds before its key retired)… until it expires.
    clock.t -= 24 * HOUR; // (the old token was issued at the start; move back inside its lifetime)
    assert.equal((await b.ownTokens.verify(old.token)).sub, 'acme');
    clock.t += 24 * HOUR + 600_000 + 30_000;
    await assert.rejects(b.ownTokens.verify(old.token), (e) => e.code === 'AUTH_002');
    // Past the retirement window (longest token lifetime + leeway) the retiring key is removed
    // (by then the next scheduled rotation has retired the second key too).
    clock.t += 25 * HOUR;
    await a.issuer.keyRing.refresh();
    await b.issuer.keyRing.refresh();
    assert.deepEqual(b.issuer.keyRing.status().retiring, [first.next]);
    assert.ok(!b.issuer.keyRing.published().some((k) => k.kid === first.active));
  });

  it('an instance meeting a kid it does not know re-reads the store (a manual rotation elsewhere)', async () => {
    const { a, b } = setup();
    await a.issuer.keyRing.start();
    await b.issuer.keyRing.start();
    await a.issuer.keyRing.rotateNow();
    await a.issuer.keyRing.rotateNow(); // twice: B never saw the key that signs now
    const t = await a.issuer.issueToClient(grant);
    assert.ok(!b.issuer.keyRing.published().some((k) => k.kid === kidOf(t.token)));
    assert.equal((await b.ownTokens.verify(t.token)).sub, 'acme');
  });

  it('one instance rotates at a time: concurrent rotations leave exactly one active and one next key', async () => {
    const { clock, a, b } = setup();
    await a.issuer.keyRing.start();
    await b.issuer.keyRing.start();
    clock.t += 24 * HOUR + 1000;
    await Promise.all([a.issuer.keyRing.refresh(), b.issuer.keyRing.refresh()]);
    await a.issuer.keyRing.refresh();
    await b.issuer.keyRing.refresh();
    const sa = a.issuer.keyRing.status();
    assert.deepEqual(b.issuer.keyRing.status(), sa);
    assert.equal(sa.retiring.length, 1, 'rotated once, not twice');
  });

  it('private keys are sealed in the store, bound to the issuer; another data key cannot open them', async () => {
    const { store, a } = setup();
    await a.issuer.keyRing.start();
    const key = a.tags.tokens;
    const raw = await store.get(`af:sk:${key}`);
    assert.ok(raw);
    assert.doesNotMatch(raw, /BEGIN|PRIVATE|"d":/);
    const ring = JSON.parse(raw);
    assert.equal(ring.isr, key);
    for (const k of ring.keys) assert.match(k.sealed, /^v1\./);
    const other = createSessionTokens({
      store, format: 'jwt', issuer: 'https://auth.example.com', audience: 'https://api.example.com', accessTtlSec: 600,
      dataKey: 'another-data-key-material-of-32-bytes!!', rotation: { refreshMs: 0 },
    });
    await assert.rejects(other.issuer.keyRing.start(), /does not open/);
  });

  it('refuses a period shorter than an hour (verifiers cache a JWKS) and a missing data key', () => {
    const store = new MemoryStore();
    assert.throws(() => createSessionTokens({ store, issuer: 'x', dataKey: DATA_KEY, rotation: { rotateEverySec: 60 } }), /at least 3600/);
    assert.throws(() => createSessionTokens({ store, issuer: 'x', rotation: {} }), /data key/);
  });
});
