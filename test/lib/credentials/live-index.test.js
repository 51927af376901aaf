'use strict';
const assert = require('assert');
const crypto = require('crypto');
const { LiveIndex, TokenDirectory, UserDirectory } = require('../../../dist/lib/internal');

const rejected = (reason) => (e) => e.code === 'AUTH_004' && reason.test(e.reason);
const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');

/** A LiveIndex over { name, secret, scopes?, expires? } entries that counts normaliser runs. */
function countingIndex(clock = { t: 0 }, msPerEntry = 0) {
  const counter = { calls: 0 };
  const normalize = (source, at) => {
    counter.calls++;
    clock.t += msPerEntry;
    if (typeof source === 'string') return { key: source, entry: { name: source, scopes: [] } };
    if (!source || typeof source !== 'object' || typeof source.name !== 'string') throw new Error('bad entry');
    const scopes = Array.isArray(source.scopes) ? source.scopes.slice() : [];
    return { key: source.name, entry: { name: source.name, secret: source.secret, scopes, expires: source.expires instanceof Date ? source.expires.getTime() : undefined, at } };
  };
  const index = new LiveIndex(normalize, (t) => JSON.parse(t), () => clock.t);
  return { index, counter, clock };
}

describe('LiveIndex: cheap hits that still see in-place edits', () => {
  it('a repeated hit on an unchanged entry does not re-run the normaliser', () => {
    const { index, counter } = countingIndex();
    const list = [{ name: 'a', secret: 's1', scopes: ['x'] }, 'b'];
    assert.strictEqual(index.find(list, 'a').secret, 's1');
    assert.strictEqual(index.find(list, 'b').name, 'b');
    const afterFirstHits = counter.calls;
    for (let i = 0; i < 100; i++) {
      assert.strictEqual(index.find(list, 'a').secret, 's1');
      assert.strictEqual(index.find(list, 'b').name, 'b');
    }
    assert.strictEqual(counter.calls, afterFirstHits, 'hits reuse the normalised entry');
  });

  it('refuses or updates on the next hit after each kind of in-place edit', () => {
    const { index } = countingIndex();
    const entry = { name: 'a', secret: 's1', scopes: ['x'], expires: new Date(1000) };
    const list = [entry];
    assert.strictEqual(index.find(list, 'a').secret, 's1');
    entry.secret = 's2'; // field edited
    assert.strictEqual(index.find(list, 'a').secret, 's2');
    entry.scopes.push('admin'); // nested array edited in place
    assert.deepStrictEqual(index.find(list, 'a').scopes, ['x', 'admin']);
    entry.scopes[1] = 'read'; // same length, element replaced
    assert.deepStrictEqual(index.find(list, 'a').scopes, ['x', 'read']);
    entry.expires.setTime(5000); // Date edited in place
    assert.strictEqual(index.find(list, 'a').expires, 5000);
    entry.extra = 1; // field added
    delete entry.extra; // and removed again: same fields as before, still matches
    assert.strictEqual(index.find(list, 'a').secret, 's2');
    entry.name = 'renamed'; // key edited: the old key is refused at once
    assert.strictEqual(index.find(list, 'a'), undefined);
    entry.name = 'a';
    delete entry.name; // entry made invalid in place
    assert.strictEqual(index.find(list, 'a'), undefined);
  });

  it('refuses an entry replaced or removed at the same index, and one whose map key was replaced', () => {
    const { index } = countingIndex();
    const list = [{ name: 'a', secret: 's1' }, { name: 'b', secret: 's2' }];
    assert.ok(index.find(list, 'a'));
    list[0] = { name: 'a', secret: 'new' };
    assert.strictEqual(index.find(list, 'a').secret, 'new');
    list[0] = 'a';
    assert.strictEqual(index.find(list, 'a').name, 'a');
    list.splice(0, 1);
    assert.strictEqual(index.find(list, 'a'), undefined);
    const map = { k: { name: 'm', secret: 'x' } };
    assert.ok(index.find(map, 'm'));
    map.k = { name: 'm', secret: 'y' };
    assert.strictEqual(index.find(map, 'm').secret, 'y');
    delete map.k;
    assert.strictEqual(index.find(map, 'm'), undefined);
  });

  it('hands out frozen entries, so a flow editing msg.auth.scopes cannot widen the next request; the list itself stays editable', () => {
    const { index } = countingIndex();
    const entry = { name: 'a', scopes: ['read'] };
    const list = [entry];
    const first = index.find(list, 'a');
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.scopes));
    assert.throws(() => first.scopes.push('admin'), TypeError);
    assert.deepStrictEqual(index.find(list, 'a').scopes, ['read']);
    assert.ok(!Object.isFrozen(entry) && !Object.isFrozen(entry.scopes) && !Object.isFrozen(list));
    entry.scopes.push('write');
    assert.deepStrictEqual(index.find(list, 'a').scopes, ['read', 'write']);
  });

  it('token records: digest, scopes and expiry edited in place apply on the next request; expiry is checked per request', () => {
    const clock = { t: 1_000_000 };
    const dir = new TokenDirectory(() => clock.t);
    const rec = { token: 'abc123', scopes: ['a'], expiresAt: 2_000 }; // epoch seconds → 2,000,000 ms
    const list = [rec];
    assert.deepStrictEqual(dir.verify(list, 'abc123').scopes, ['a']);
    clock.t = 2_000_000; // same cached record, now past its expiry
    assert.throws(() => dir.verify(list, 'abc123'), rejected(/expired/));
    rec.expiresAt = 3_000;
    assert.strictEqual(dir.verify(list, 'abc123').expiresAt, 3_000_000);
    rec.scopes.push('b');
    assert.deepStrictEqual(dir.verify(list, 'abc123').scopes, ['a', 'b']);
    rec.token = 'def456';
    assert.throws(() => dir.verify(list, 'abc123'), rejected(/unknown token/));
    const hashed = { ['sha256:' + sha('ghi789')]: { subject: 'svc' } };
    assert.strictEqual(dir.verify(hashed, 'ghi789').subject, 'svc');
    hashed['sha256:' + sha('ghi789')].subject = 'other';
    assert.strictEqual(dir.verify(hashed, 'ghi789').subject, 'other');
  });

  it('user records: a password or role edited in place applies on the next lookup', () => {
    const dir = new UserDirectory();
    const alice = { username: 'alice', password: 'plain-one-1', roles: ['admin'] };
    const list = [alice];
    assert.strictEqual(dir.find(list, 'alice').password, 'plain-one-1');
    alice.password = 'plain-two-2';
    assert.strictEqual(dir.find(list, 'alice').password, 'plain-two-2');
    alice.roles.length = 0;
    assert.deepStrictEqual(dir.find(list, 'alice').roles, []);
    assert.strictEqual(dir.likeHash(list), 'plain-two-2');
    alice.password = '';
    assert.strictEqual(dir.find(list, 'alice'), undefined, 'an entry made invalid in place is refused');
    const map = { bob: 'plain-bob-1' };
    assert.strictEqual(dir.find(map, 'bob').password, 'plain-bob-1');
    map.bob = 'plain-bob-2';
    assert.strictEqual(dir.find(map, 'bob').password, 'plain-bob-2');
  });
});

describe('LiveIndex: re-index on a miss is bounded by the list size', () => {
  const N = 2000;
  const bigList = () => Array.from({ length: N }, (_, i) => ({ name: `u${i}`, secret: `s${i}` }));

  it('a miss flood on a large list re-indexes at most once per 100 × build time', () => {
    // Each entry takes 1 ms to normalise: a build takes 2 s, so re-indexes are ≥ 200 s apart.
    const { index, counter, clock } = countingIndex({ t: 0 }, 1);
    const list = bigList();
    assert.strictEqual(index.find(list, 'nobody-0'), undefined);
    assert.strictEqual(counter.calls, N, 'one build');
    let rebuilds = 0;
    for (let i = 1; i <= 1000; i++) {
      clock.t += 1000; // one unknown key per second for 1000 s
      const before = counter.calls;
      assert.strictEqual(index.find(list, `nobody-${i}`), undefined);
      if (counter.calls - before >= N) rebuilds++;
    }
    // 1000 s of flood + 2 s per build / (200 s interval + 2 s build) → at most 5 re-indexes (not 1000).
    assert.ok(rebuilds >= 4 && rebuilds <= 5, `rebuilds: ${rebuilds}`);
  });

  it('an in-place replacement of the same length is picked up once the bounded interval has passed', () => {
    const { index, clock } = countingIndex({ t: 0 }, 1);
    const list = bigList();
    assert.ok(index.find(list, 'u1')); // build: 2000 ms → interval 200 s
    list[5] = { name: 'newcomer', secret: 'n' };
    assert.strictEqual(index.find(list, 'u5'), undefined, 'the replaced entry is refused at once');
    // That refusal re-indexed (the slot no longer held its entry), so the newcomer is already known.
    assert.strictEqual(index.find(list, 'newcomer').secret, 'n');
    list[6] = { name: 'late', secret: 'l' };
    clock.t += 100_000;
    assert.strictEqual(index.find(list, 'late'), undefined, 'not yet: within 100 × build time');
    clock.t += 100_000;
    assert.strictEqual(index.find(list, 'late').secret, 'l', 'picked up after the bound');
  });

  it('a small list keeps the 1 s minimum; object maps follow the same bound; a length change re-indexes at once', () => {
    const { index, clock } = countingIndex({ t: 0 }, 0);
    const list = [{ name: 'a' }];
    assert.ok(index.find(list, 'a'));
    list[0] = { name: 'b' };
    clock.t += 999;
    // The replaced slot for 'a' forces a rebuild; 'b' is then found.
    assert.strictEqual(index.find(list, 'b'), undefined, 'a miss within 1 s does not re-index');
    clock.t += 1;
    assert.ok(index.find(list, 'b'));
    list.push({ name: 'c' });
    assert.ok(index.find(list, 'c'), 'length changed');

    const big = countingIndex({ t: 0 }, 1);
    const map = Object.fromEntries(bigList().map((e) => [e.name, e]));
    assert.ok(big.index.find(map, 'u1'));
    map.extra = { name: 'extra' };
    big.clock.t += 150_000;
    assert.strictEqual(big.index.find(map, 'extra'), undefined);
    big.clock.t += 50_000;
    assert.ok(big.index.find(map, 'extra'));
  });
});
