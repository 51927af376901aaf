'use strict';
/**
 * Token state bound to its issuer (issue 10, docs/THREAT-MODEL.md): two
 * issuers on one MemoryStore never find, revoke or accept each other's
 * refresh tokens, sessions, opaque tokens, revocations or TOTP enrolments —
 * by key (the issuer's tag) and by the record's own check on read.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  createSessionTokens, issuerTags, tokenKeys, factorKeys, sessionStoreKeys, TotpGuard, TotpEnrolment, DataKey,
  TokenIssuer, OwnTokenSource, Revocations, Families,
} = require('../../../dist/lib/session');
const { MemoryStore } = require('../../../dist/lib/store');
const { totp } = require('../../../dist/lib');

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const OTHER = 'another-secret-of-at-least-32-bytes!';
const session = (subject = 'alice') => ({ subject, roles: ['admin'], scopes: ['a'], user: { id: subject } });
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

async function rejectsWith(promise, code, reason) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, `${err.code} ${err.reason}`);
    if (reason) assert.match(err.reason, reason);
    return true;
  });
}

/** Issuers A and B on one store (B signs with another secret unless told otherwise). */
function twoIssuers({ a = {}, b = {} } = {}) {
  const store = new MemoryStore({ sweepIntervalMs: 0 });
  const A = createSessionTokens({ store, secret: SECRET, issuer: 'https://a.test', audience: 'api-a', ...a });
  const B = createSessionTokens({ store, secret: OTHER, issuer: 'https://b.test', audience: 'api-b', ...b });
  return { store, A, B };
}

describe('lib/tokens: issuer binding', () => {
  describe('issuerTags', () => {
    it('stable values: stored state depends on them (changing the construction orphans every session)', () => {
      assert.deepEqual(issuerTags({ issuer: 'https://a.test', audience: 'api-a' }), issuerTags({ issuer: 'https://a.test', audience: ['api-a'] }));
      // 96 bits of SHA-256("authflow issuer " + JSON [name, sorted audiences]), base64url.
      const t = issuerTags({ issuer: 'https://a.test', audience: 'api-a' });
      assert.deepEqual(t, { tokens: '2kovI8nZuG2KVuEz', factors: 'ly5MsOqJ0nsL_xHx' });
      const expected = (s) => crypto.createHash('sha256').update(`authflow issuer ${s}`).digest('base64url').slice(0, 16);
      assert.equal(t.tokens, expected('["iss:https://a.test",["api-a"]]'));
      assert.equal(t.factors, issuerTags({ issuer: 'https://a.test' }).factors);
    });

    it('iss names the issuer; without iss the instance id does; audiences are a set', () => {
      const tags = (o) => issuerTags(o).tokens;
      assert.equal(tags({ issuer: 'x', audience: ['b', 'a', 'a'] }), tags({ issuer: 'x', audience: ['a', 'b'] }));
      assert.notEqual(tags({ issuer: 'x', audience: 'a' }), tags({ issuer: 'x', audience: 'b' }));
      assert.notEqual(tags({ issuer: 'x' }), tags({ issuer: 'y' }));
      // With an iss, the node id plays no part: instances with other ids but the same iss are one issuer.
      assert.equal(tags({ issuer: 'x', instanceId: 'n1' }), tags({ issuer: 'x', instanceId: 'n2' }));
      assert.notEqual(tags({ instanceId: 'n1' }), tags({ instanceId: 'n2' }));
      // An iss that looks like a node id is not one.
      assert.notEqual(tags({ issuer: 'n1' }), tags({ instanceId: 'n1' }));
    });

    it('a second factor is bound to the name only: adding an audience keeps enrolments', () => {
      assert.equal(issuerTags({ issuer: 'x', audience: 'a' }).factors, issuerTags({ issuer: 'x', audience: ['a', 'b'] }).factors);
      assert.notEqual(issuerTags({ issuer: 'x' }).factors, issuerTags({ issuer: 'y' }).factors);
    });

    it('keys refuse to be built without a tag', () => {
      assert.throws(() => tokenKeys(undefined), /issuer tag/);
      assert.throws(() => factorKeys('a:b'), /issuer tag/);
      assert.throws(() => new TotpEnrolment(new MemoryStore(), DataKey.derive(Buffer.from(SECRET), 'x'), new TotpGuard(new MemoryStore()), {}), /issuer tag/);
    });
  });

  describe('refresh tokens and sessions', () => {
    it("A's refresh token at B: unknown (AUTH_001), B's logout revokes nothing, A still rotates it", async () => {
      const { A, B } = twoIssuers();
      const { token, familyId } = await A.refreshTokens.start(session());
      await rejectsWith(B.refreshTokens.rotate(token), 'AUTH_001', /unknown/);
      assert.equal(await B.refreshTokens.revoke(token), undefined);
      await B.families.revoke(familyId);
      assert.equal(await A.families.isRevoked(familyId), false);
      const next = await A.refreshTokens.rotate(token);
      assert.equal(next.familyId, familyId);
    });

    it('checked on read: a record copied under the other issuer\'s key is refused (and a foreign session marker counts as revoked)', async () => {
      const { store, A, B } = twoIssuers();
      const { token, familyId } = await A.refreshTokens.start(session());
      const a = tokenKeys(A.tags.tokens);
      const b = tokenKeys(B.tags.tokens);
      await store.set(b.refreshToken(sha256(token)), await store.get(a.refreshToken(sha256(token))));
      await store.set(b.family(familyId), await store.get(a.family(familyId)));
      await rejectsWith(B.refreshTokens.rotate(token), 'AUTH_001');
      assert.equal(await B.families.get(familyId), undefined);
      assert.equal(await B.families.isRevoked(familyId), true, 'fail closed');
      assert.equal(await B.refreshTokens.revoke(token), undefined);
    });

    it('state written before binding (unbound keys) is no longer found: users log in again', async () => {
      const { store, A } = twoIssuers();
      const { token, familyId } = await A.refreshTokens.start(session());
      const a = tokenKeys(A.tags.tokens);
      // Move the records to the pre-binding keys and shape.
      await store.set(`af:rt:${sha256(token)}`, JSON.stringify({ fam: familyId, state: 'active' }));
      await store.set(`af:rf:${familyId}`, JSON.stringify({ state: 'active', exp: Date.now() + 60_000, session: session() }));
      await store.delete(a.refreshToken(sha256(token)));
      await store.delete(a.family(familyId));
      await rejectsWith(A.refreshTokens.rotate(token), 'AUTH_001', /unknown/);
    });

    it('two issuers with the same iss and audience are one issuer (instances behind a load balancer)', async () => {
      const store = new MemoryStore({ sweepIntervalMs: 0 });
      const one = createSessionTokens({ store, secret: SECRET, issuer: 'https://a.test', audience: 'api', instanceId: 'node-1' });
      const two = createSessionTokens({ store, secret: SECRET, issuer: 'https://a.test', audience: 'api', instanceId: 'node-2' });
      const { token } = await one.refreshTokens.start(session());
      const next = await two.refreshTokens.rotate(token);
      await rejectsWith(one.refreshTokens.rotate(token), 'AUTH_001', /reused/);
      await rejectsWith(two.refreshTokens.rotate(next.token), 'AUTH_001', /revoked/);
    });
  });

  describe('revocations', () => {
    it("a jti or session revoked at A is A's alone", async () => {
      const { A, B } = twoIssuers();
      const exp = Math.floor(Date.now() / 1000) + 60;
      await A.revocations.revokeJti('jti-1', exp);
      assert.equal(await A.revocations.isRevoked('jti-1'), true);
      assert.equal(await B.revocations.isRevoked('jti-1'), false);
      const { familyId } = await B.refreshTokens.start(session());
      await A.families.revoke(familyId);
      assert.equal(await B.revocations.isRevoked(undefined, familyId), false);
    });

    it('a JWT of A with a sid of B: B\'s revocation of that sid is not consulted by A', async () => {
      const { A, B } = twoIssuers({ b: { secret: SECRET, issuer: 'https://a.test', audience: 'api-b' } });
      const s = await B.refreshTokens.start(session());
      const access = await A.issuer.issue(session(), s.familyId);
      await B.families.revoke(s.familyId);
      assert.equal(await A.ownTokens.isRevoked(await A.ownTokens.verify(access.token)), false);
    });
  });

  describe('revocations written before binding (an upgrade)', () => {
    it('still refuse the access tokens issued before the deploy; tokens issued after it cost no extra read', async () => {
      let t = Date.UTC(2030, 0, 1);
      const now = () => t;
      const store = new MemoryStore({ now, sweepIntervalMs: 0 });
      const opts = { store, secret: SECRET, issuer: 'https://a.test', audience: 'api', now };
      const before = createSessionTokens(opts);
      const old = await before.issuer.issue(session(), 'old-sid');
      const oldSession = await before.issuer.issue(session(), 'old-sid-2');
      // What the previous version wrote at logout: unbound keys.
      await store.set(`af:rv:${old.jti}`, '1', 600_000);
      await store.set('af:rf:old-sid-2', JSON.stringify({ state: 'revoked', exp: t }), 600_000);
      t += 5_000;
      const after = createSessionTokens(opts); // the upgraded deploy
      const claims = (token) => after.ownTokens.verify(token);
      assert.equal(await after.ownTokens.isRevoked(await claims(old.token)), true);
      assert.equal(await after.ownTokens.isRevoked(await claims(oldSession.token)), true);
      t += 1_000;
      const fresh = await after.issuer.issue(session(), 'new-sid');
      await store.set(`af:rv:${fresh.jti}`, '1', 600_000);
      let reads = 0;
      const get = store.get.bind(store);
      const read = store.read.bind(store);
      store.get = (key) => { reads++; return get(key); };
      store.read = (key) => { reads++; return read(key); };
      assert.equal(await after.ownTokens.isRevoked(await claims(fresh.token)), false, 'unbound keys are not read for tokens issued after the deploy');
      assert.equal(reads, 2, 'jti and session, bound');
    });
  });

  describe('opaque access tokens', () => {
    const opaque = { format: 'opaque', dataKey: SECRET };

    it("issuer op2's verifier refuses op's token like an unknown one; op's accepts it", async () => {
      const { A, B } = twoIssuers({ a: { ...opaque, issuer: 'op', audience: 'acc-api' }, b: { ...opaque, issuer: 'op2', audience: 'other-api' } });
      const { token } = await A.issuer.issue(session(), 'sid-1');
      const foreign = await B.ownTokens.verify(token).catch((e) => e);
      const unknown = await B.ownTokens.verify('A'.repeat(43)).catch((e) => e);
      assert.equal(foreign.code, 'AUTH_001');
      assert.deepEqual([foreign.status, foreign.oauthError, foreign.publicMessage], [unknown.status, unknown.oauthError, unknown.publicMessage]);
      assert.equal((await A.ownTokens.verify(token)).iss, 'op');
      assert.equal(await B.issuer.opaque.revoke(token), false, "B's logout cannot delete it");
      assert.equal((await A.ownTokens.verify(token)).sub, 'alice');
    });

    it('checked on read: a record under the right key whose iss or aud this issuer would not write is refused', async () => {
      const store = new MemoryStore({ sweepIntervalMs: 0 });
      const tag = issuerTags({ issuer: 'op', audience: 'acc-api' }).tokens;
      const mint = new TokenIssuer({ format: 'opaque', store, stateTag: tag, issuer: 'op', audience: 'acc-api', accessTtlSec: 60 });
      const { token } = await mint.issue(session());
      const verifierFor = (iss, audience) => {
        const issuer = new TokenIssuer({ format: 'opaque', store, stateTag: tag, issuer: iss, audience, accessTtlSec: 60 });
        return new OwnTokenSource({ issuer, revocations: new Revocations(store, new Families(store, { issuerTag: tag, accessTtlSec: 60 })) });
      };
      assert.equal((await verifierFor('op', 'acc-api').verify(token)).sub, 'alice');
      assert.equal((await verifierFor('op', ['x', 'acc-api']).verify(token)).sub, 'alice', 'one audience in common, as for JWTs');
      await rejectsWith(verifierFor('op2', 'acc-api').verify(token), 'AUTH_001', /another issuer/);
      await rejectsWith(verifierFor('op', 'other-api').verify(token), 'AUTH_001', /another issuer/);
      // A record without the issuer's tag (written before binding, or by hand) is unknown.
      const key = tokenKeys(tag).opaqueToken(sha256(token));
      const record = JSON.parse(await store.get(key));
      await store.set(key, JSON.stringify({ claims: record.claims }));
      await rejectsWith(verifierFor('op', 'acc-api').verify(token), 'AUTH_001', /unknown/);
    });
  });

  describe('TOTP enrolment: per issuer', () => {
    const now = () => Date.UTC(2030, 0, 1);
    function enrolments() {
      const store = new MemoryStore({ now, sweepIntervalMs: 0 });
      const guard = new TotpGuard(store, { now });
      const make = (iss, secret) => new TotpEnrolment(store, DataKey.derive(Buffer.from(secret), 'totp-seed'), guard, { issuerTag: issuerTags({ issuer: iss }).factors });
      return { store, guard, A: make('https://a.test', SECRET), B: make('https://b.test', OTHER), make };
    }
    const confirm = async (enrolment, user, at) => {
      const started = await enrolment.begin(user);
      const { base32Decode } = require('../../../dist/lib');
      const seed = base32Decode(started.secret);
      await enrolment.confirm(user, totp(seed, at / 1000));
      return seed;
    };

    it('enrolled at A: B sees no factor (not an unreadable one) and enrols its own; each keeps its own seed', async () => {
      const { A, B } = enrolments();
      const seedA = await confirm(A, 'bob', now());
      assert.deepEqual(await B.seedOf('bob'), { state: 'none' });
      const seedB = await confirm(B, 'bob', now() + 30_000);
      assert.ok((await A.seedOf('bob')).seed.equals(seedA));
      assert.ok((await B.seedOf('bob')).seed.equals(seedB));
    });

    it('the same data key on two issuers: a seal moved to the other issuer\'s key does not open (associated data names the issuer)', async () => {
      const { store, A, make } = enrolments();
      const A2 = make('https://a2.test', SECRET);
      await confirm(A, 'bob', now());
      const from = factorKeys(issuerTags({ issuer: 'https://a.test' }).factors).totpSecret('bob');
      const to = factorKeys(issuerTags({ issuer: 'https://a2.test' }).factors).totpSecret('bob');
      await store.set(to, await store.get(from));
      assert.deepEqual(await A2.seedOf('bob'), { state: 'unreadable' });
    });

    it('a seed from before binding: this issuer\'s key opens it → still the factor; another key → unreadable (fail closed, never "none")', async () => {
      const { store, A, B } = enrolments();
      const seed = crypto.randomBytes(20);
      await store.set(sessionStoreKeys.legacyTotpSecret('carol'), DataKey.derive(Buffer.from(SECRET), 'totp-seed').seal(seed, 'active:carol'));
      assert.ok((await A.seedOf('carol')).seed.equals(seed));
      assert.deepEqual(await B.seedOf('carol'), { state: 'unreadable' });
      await rejectsWith(B.begin('carol'), 'AUTH_006', /cannot be opened/);
      // Re-enrolling at A (with the current factor) writes the bound seed, which wins from then on.
      const started = await A.begin('carol', totp(seed, now() / 1000));
      const { base32Decode } = require('../../../dist/lib');
      await A.confirm('carol', totp(base32Decode(started.secret), now() / 1000 + 30));
      assert.ok((await A.seedOf('carol')).seed.equals(base32Decode(started.secret)));
    });
  });

  describe('used TOTP codes: bound to the code, shared by issuers', () => {
    it('a code spent through one guard is spent for every guard on the store; spaces do not make it new', async () => {
      const now = () => Date.UTC(2030, 0, 1);
      const store = new MemoryStore({ now, sweepIntervalMs: 0 });
      const seed = Buffer.from('12345678901234567890');
      const code = totp(seed, now() / 1000);
      await new TotpGuard(store, { now }).verify('carol', seed, code);
      await rejectsWith(new TotpGuard(store, { now }).verify('carol', seed, code), 'AUTH_006', /already used/);
      await rejectsWith(new TotpGuard(store, { now }).verify('carol', seed, `${code.slice(0, 3)} ${code.slice(3)}`), 'AUTH_006', /already used/);
      // Another seed's code at the same step is another claim.
      const other = crypto.randomBytes(20);
      const otherCode = totp(other, now() / 1000);
      if (otherCode !== code) await new TotpGuard(store, { now }).verify('carol', other, otherCode);
    });
  });
});
