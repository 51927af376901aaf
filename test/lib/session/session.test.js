'use strict';
/**
 * lib/session: refresh rotation and reuse detection, revocation, lockout,
 * TOTP single use and enrolment, token issuing, Bearer verification and the
 * login service — over a MemoryStore with an injected clock.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  createSessionTokens, LoginService, Lockout, TotpGuard, TotpEnrolment, DataKey, BearerAuthenticator,
  JwtSource, readLoginFields, readRefreshToken, sessionStoreKeys, RefreshTokens, Families, Revocations,
  issuerTags, tokenKeys,
} = require('../../../dist/lib/session');
const { MemoryStore } = require('../../../dist/lib/store');
const { hashPasswordScrypt, PasswordChecker, totp, base32Decode, buildVerificationKey } = require('../../../dist/lib');

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
/** The issuer of setup(): its state is under these keys. */
const TAGS = issuerTags({ issuer: 'https://issuer.test', audience: 'api' });
const bound = tokenKeys(TAGS.tokens);

/** A clock tests move by hand; the store shares it so TTLs follow. */
function clock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  const now = () => t;
  now.advance = (ms) => { t += ms; };
  return now;
}

function setup(opts = {}) {
  const now = clock();
  const store = new MemoryStore({ now, sweepIntervalMs: 0 });
  const tokens = createSessionTokens({ store, secret: SECRET, issuer: 'https://issuer.test', audience: 'api', accessTtlSec: 600, refreshTtlSec: 3600, now, ...opts });
  return { now, store, tokens };
}

const session = (subject = 'alice') => ({ subject, roles: ['admin'], scopes: ['a', 'b'], user: { id: subject } });

/** Counts password checks, so "no password check while locked" is observable. */
class CountingChecker extends PasswordChecker {
  constructor() { super(); this.calls = 0; }
  async check(...args) { this.calls++; return super.check(...args); }
}

async function rejectsWith(promise, code, reason) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, `${err.code} ${err.reason}`);
    if (reason) assert.match(err.reason, reason);
    return true;
  });
}

describe('lib/session', () => {
  let users;
  before(async () => {
    users = [
      { username: 'alice', password: await hashPasswordScrypt('alice-pw', { ln: 10 }), id: 'u1', name: 'Alice', email: 'a@example.com', roles: ['admin'], scopes: ['orders:read'] },
      { username: 'carol', password: await hashPasswordScrypt('carol-pw', { ln: 10 }), totpSecret: SEED },
    ];
  });

  describe('refresh tokens', () => {
    it('rotation: each use gives a new token of the same family; the old one is spent', async () => {
      const { tokens } = setup();
      const first = await tokens.refreshTokens.start(session());
      assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
      const second = await tokens.refreshTokens.rotate(first.token);
      assert.equal(second.familyId, first.familyId);
      assert.notEqual(second.token, first.token);
      assert.deepEqual(second.session, session());
      const third = await tokens.refreshTokens.rotate(second.token);
      assert.equal(third.expiresAt, first.expiresAt, 'rotation never extends the absolute lifetime');
    });

    it('reuse of a rotated token revokes the family: every token of it fails, and its access tokens are revoked', async () => {
      const { tokens } = setup();
      const first = await tokens.refreshTokens.start(session());
      const second = await tokens.refreshTokens.rotate(first.token);
      await rejectsWith(tokens.refreshTokens.rotate(first.token), 'AUTH_001', /reused/);
      await rejectsWith(tokens.refreshTokens.rotate(second.token), 'AUTH_001', /revoked/);
      assert.equal(await tokens.families.isRevoked(first.familyId), true);
      assert.equal(await tokens.revocations.isRevoked('some-jti', first.familyId), true);
    });

    it('two concurrent rotations: exactly one wins (compare-and-set), the family is revoked', async () => {
      const { tokens } = setup();
      const first = await tokens.refreshTokens.start(session());
      const results = await Promise.allSettled([tokens.refreshTokens.rotate(first.token), tokens.refreshTokens.rotate(first.token)]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const winner = results.find((r) => r.status === 'fulfilled').value;
      await rejectsWith(tokens.refreshTokens.rotate(winner.token), 'AUTH_001');
    });

    it('absolute lifetime (ASVS 10.4.8): refused at the end however often it was rotated', async () => {
      const { tokens, now } = setup({ refreshTtlSec: 100 });
      let t = (await tokens.refreshTokens.start(session())).token;
      for (let i = 0; i < 9; i++) {
        now.advance(10_000);
        t = (await tokens.refreshTokens.rotate(t)).token;
      }
      now.advance(10_000);
      await rejectsWith(tokens.refreshTokens.rotate(t), 'AUTH_001');
    });

    it('stored only as a SHA-256 digest', async () => {
      const { tokens, store } = setup();
      const { token } = await tokens.refreshTokens.start(session());
      const digest = crypto.createHash('sha256').update(token).digest('hex');
      assert.ok(await store.get(bound.refreshToken(digest)));
      assert.ok(!JSON.stringify([...store.entries]).includes(token));
    });

    it('format: missing → 400 AUTH_003; wrong shape or unknown → AUTH_001', async () => {
      const { tokens } = setup();
      await rejectsWith(tokens.refreshTokens.rotate(undefined), 'AUTH_003');
      await rejectsWith(tokens.refreshTokens.rotate('short'), 'AUTH_001');
      await rejectsWith(tokens.refreshTokens.rotate('x'.repeat(43)), 'AUTH_001', /unknown/);
    });

    it('an unreadable record fails closed', async () => {
      const { tokens, store } = setup();
      const { token } = await tokens.refreshTokens.start(session());
      const key = bound.refreshToken(crypto.createHash('sha256').update(token).digest('hex'));
      await store.set(key, '{not json');
      await rejectsWith(tokens.refreshTokens.rotate(token), 'AUTH_001', /unreadable/);
    });
  });

  describe('revocation', () => {
    it('unbound (pre-binding) revocations are read only for tokens issued before bound keys were first used on the store', async () => {
      const now = clock();
      const store = new MemoryStore({ now, sweepIntervalMs: 0 });
      const families = () => new Families(store, { issuerTag: TAGS.tokens, accessTtlSec: 60, now });
      const first = new Revocations(store, families(), { now });
      await new Promise((r) => setImmediate(r));
      const deployedAt = Math.floor(now() / 1000);
      assert.equal(await store.get('af:bound-since'), String(deployedAt));
      await store.set('af:rv:old-jti', '1'); // written by a version before the binding
      await store.set('af:rv:new-jti', '1'); // cannot exist in practice: shows whether it is read
      now.advance(3_600_000);
      // A redeploy an hour later: the cut-off stays at the first deploy, not this one.
      const later = new Revocations(store, families(), { now });
      await new Promise((r) => setImmediate(r));
      assert.equal(await later.isRevoked('old-jti', undefined, deployedAt - 10), true, 'issued before: unbound entry honoured');
      assert.equal(await later.isRevoked('new-jti', undefined, deployedAt + 60), false, 'issued after: no unbound read');
      assert.equal(await first.isRevoked('old-jti', undefined, deployedAt), true);
    });

    it('a revoked jti is remembered until its exp plus the margin, then forgotten', async () => {
      const now = clock();
      const store = new MemoryStore({ now, sweepIntervalMs: 0 });
      const revocations = new Revocations(store, new Families(store, { issuerTag: TAGS.tokens, accessTtlSec: 60, now }), { now, marginSec: 10 });
      const exp = Math.floor(now() / 1000) + 60;
      await revocations.revokeJti('jti-1', exp);
      assert.equal(await revocations.isRevoked('jti-1'), true);
      now.advance(69_000);
      assert.equal(await revocations.isRevoked('jti-1'), true);
      now.advance(2_000);
      assert.equal(await revocations.isRevoked('jti-1'), false);
      await revocations.revokeJti('old', Math.floor(now() / 1000) - 3600);
      // The one entry left says when bound keys were first used on this store (Revocations: legacy cut-off).
      assert.equal(store.size, 1, 'a long-expired token needs no entry');
    });

    it('a revoked session outlives its access tokens even when the family itself expires first', async () => {
      const { tokens, now } = setup({ refreshTtlSec: 10, accessTtlSec: 600 });
      const { familyId } = await tokens.refreshTokens.start(session());
      now.advance(9_000);
      await tokens.families.revoke(familyId);
      now.advance(599_000);
      assert.equal(await tokens.families.isRevoked(familyId), true);
    });

    it('an unknown session is not revoked; a corrupt record is (fail closed)', async () => {
      const { tokens, store } = setup();
      assert.equal(await tokens.families.isRevoked('never-seen'), false);
      await store.set(bound.family('broken'), 'garbage');
      assert.equal(await tokens.families.isRevoked('broken'), true);
    });

    it('external jti values of any shape become bounded store keys', () => {
      assert.equal(bound.revokedJti('abc_DEF-1'), `af:rv:${TAGS.tokens}:abc_DEF-1`);
      assert.match(bound.revokedJti('../../etc/passwd'), /^af:rv:[A-Za-z0-9_-]{16}:h[0-9a-f]{64}$/);
      assert.match(bound.revokedJti('x'.repeat(10_000)), /^af:rv:[A-Za-z0-9_-]{16}:h[0-9a-f]{64}$/);
    });

    it('lockout key formats stay byte-identical (counters already stored must still be found)', () => {
      // SHA-256 over "<length>:<part>" per part; these literals were taken before the key code moved.
      assert.equal(sessionStoreKeys.failUserIp('alice', '192.0.2.1'), 'af:lf:u:bc4f59ce0081285e98d95912ce6a423015ccdb477886840d3bdedfab6a569a96');
      assert.equal(sessionStoreKeys.lockMark('192.0.2.1'), 'af:lm:0dbc384443c454d24ee23a4eba7f6520fd3e437bf00656b3e75280cdd217918e');
      const parts = crypto.createHash('sha256').update('5:alice9:192.0.2.1').digest('hex');
      assert.equal(sessionStoreKeys.failUserIp('alice', '192.0.2.1'), `af:lf:u:${parts}`);
      // Lengths count UTF-16 code units, bytes are UTF-8 (literal taken with the incremental-hash code).
      assert.equal(sessionStoreKeys.failUserIp('zoë😀', '2001:db8::1'), 'af:lf:u:4c88e83478c278575e990bf89386dc98597575947026269d1cbf081be6b9e21d');
    });
  });

  describe('lockout', () => {
    function lockout(opts) {
      const now = clock();
      const store = new MemoryStore({ now, sweepIntervalMs: 0 });
      return { now, store, lockout: new Lockout(store, { now, ...opts }) };
    }

    it('per (user, IP): the limit bans that pair for ban_time, with retryAfter', async () => {
      const { lockout: l, now } = lockout({ maxRetries: 3, ipMaxRetries: 0, findTimeSec: 60, banTimeSec: 300 });
      for (let i = 0; i < 3; i++) {
        await l.check('alice', '10.0.0.1');
        await l.failure('alice', '10.0.0.1');
      }
      await assert.rejects(l.check('alice', '10.0.0.1'), (e) => e.code === 'AUTH_007' && e.status === 429 && e.retryAfter === 300);
      await l.check('alice', '10.0.0.2');
      await l.check('bob', '10.0.0.1');
      now.advance(200_000);
      await assert.rejects(l.check('alice', '10.0.0.1'), (e) => e.retryAfter === 100);
      now.advance(100_000);
      await l.check('alice', '10.0.0.1');
    });

    it('per IP across usernames', async () => {
      const { lockout: l } = lockout({ maxRetries: 0, ipMaxRetries: 3 });
      for (const u of ['a', 'b', 'c']) await l.failure(u, '10.0.0.9');
      await rejectsWith(l.check('anyone', '10.0.0.9'), 'AUTH_007', /address/);
    });

    it('failures outside find_time do not add up; success clears the pair count but not the IP count', async () => {
      const { lockout: l, now } = lockout({ maxRetries: 3, ipMaxRetries: 6, findTimeSec: 60 });
      await l.failure('u', 'ip');
      await l.failure('u', 'ip');
      now.advance(61_000);
      await l.failure('u', 'ip');
      await l.failure('u', 'ip');
      await l.check('u', 'ip');
      await l.success('u', 'ip');
      await l.failure('u', 'ip');
      await l.failure('u', 'ip');
      await l.check('u', 'ip');
      await l.failure('v', 'ip');
      await l.failure('v', 'ip'); // 6th failure of this IP within the window
      await rejectsWith(l.check('u', 'ip'), 'AUTH_007', /address/);
    });

    it('0 disables a limit; bad settings are refused', () => {
      assert.equal(new Lockout(new MemoryStore(), { maxRetries: 0, ipMaxRetries: 0 }).enabled, false);
      assert.throws(() => new Lockout(new MemoryStore(), { maxRetries: -1 }), /maxRetries/);
      assert.throws(() => new Lockout(new MemoryStore(), { banTimeSec: 0 }), /banTime/);
    });
  });

  describe('TOTP', () => {
    const seed = base32Decode(SEED);

    it('each code is accepted once, even within its step (ASVS 6.5.1)', async () => {
      const now = clock();
      const store = new MemoryStore({ now, sweepIntervalMs: 0 });
      const guard = new TotpGuard(store, { now });
      const code = totp(seed, now() / 1000);
      await guard.verify('carol', seed, code);
      await rejectsWith(guard.verify('carol', seed, code), 'AUTH_006', /already used/);
      // Another user with the same seed is another key.
      await guard.verify('dave', seed, code);
    });

    it('±1 step, not ±2; missing and non-string codes', async () => {
      const now = clock();
      const guard = new TotpGuard(new MemoryStore({ now }), { now });
      await guard.verify('u', seed, totp(seed, now() / 1000 - 30));
      await guard.verify('u', seed, totp(seed, now() / 1000 + 30));
      await rejectsWith(guard.verify('u', seed, totp(seed, now() / 1000 + 60)), 'AUTH_006', /wrong/);
      await rejectsWith(guard.verify('u', seed, undefined), 'AUTH_006', /required/);
      await rejectsWith(guard.verify('u', seed, 123456), 'AUTH_006');
    });

    it('enrolment: pending until confirmed, sealed at rest, replacement needs the current code', async () => {
      const now = clock();
      const store = new MemoryStore({ now, sweepIntervalMs: 0 });
      const guard = new TotpGuard(store, { now });
      const enrolment = new TotpEnrolment(store, DataKey.derive(Buffer.from(SECRET), 'totp-seed'), guard, { issuerTag: TAGS.factors, issuerLabel: 'ACME' });
      const started = await enrolment.begin('erin');
      assert.match(started.otpauthUri, /^otpauth:\/\/totp\/ACME:erin\?secret=[A-Z2-7]{32}&issuer=ACME&algorithm=SHA1&digits=6&period=30$/);
      assert.deepEqual(await enrolment.seedOf('erin'), { state: 'none' });
      assert.ok(!JSON.stringify([...store.entries]).includes(started.secret));
      const newSeed = base32Decode(started.secret);
      await enrolment.confirm('erin', totp(newSeed, now() / 1000));
      const stored = await enrolment.seedOf('erin');
      assert.equal(stored.state, 'ok');
      assert.ok(stored.seed.equals(newSeed));
      await rejectsWith(enrolment.begin('erin'), 'AUTH_006', /required/);
      now.advance(30_000);
      await enrolment.begin('erin', totp(newSeed, now() / 1000));
      // Pending enrolments expire.
      now.advance(601_000);
      await rejectsWith(enrolment.confirm('erin', '123456'), 'AUTH_006', /no TOTP enrolment pending/);
    });

    it('a sealed seed does not open under another key or for another user', async () => {
      const key = DataKey.derive(Buffer.from(SECRET), 'totp-seed');
      const sealed = key.seal(seed, 'active:erin');
      assert.ok(key.open(sealed, 'active:erin').equals(seed));
      assert.equal(key.open(sealed, 'active:mallory'), undefined);
      assert.equal(DataKey.derive(Buffer.from(SECRET + 'x'), 'totp-seed').open(sealed, 'active:erin'), undefined);
      const parts = sealed.split('.');
      parts[3] = Buffer.from(parts[3], 'base64url').subarray(0, 4).toString('base64url');
      assert.equal(key.open(parts.join('.'), 'active:erin'), undefined, 'a truncated GCM tag is refused');
      assert.throws(() => DataKey.derive(Buffer.from('short'), 'x'), /32 bytes/);
    });
  });

  describe('token issuer', () => {
    it('JWT claims: sub iat exp jti iss aud scope roles sid + extra claims; typ at+jwt', async () => {
      const { tokens, now } = setup({ extraClaims: { tenant: 'acme' } });
      const issued = await tokens.issuer.issue({ ...session(), claims: { email: 'a@example.com', sub: 'evil' } }, 'sid-1');
      const [h, p] = issued.token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url')));
      assert.deepEqual(h, { alg: 'HS256', typ: 'at+jwt' });
      const iat = Math.floor(now() / 1000);
      assert.deepEqual(p, {
        tenant: 'acme', email: 'a@example.com', sub: 'alice', iat, exp: iat + 600, jti: issued.jti,
        iss: 'https://issuer.test', aud: 'api', scope: 'a b', roles: ['admin'], sid: 'sid-1',
      });
      assert.equal(issued.expiresIn, 600);
    });

    it('configuration: short HS secret, a PEM as HS secret, reserved extra claims, missing key', () => {
      const store = new MemoryStore();
      assert.throws(() => createSessionTokens({ store, secret: 'x'.repeat(31) }), /at least 32 bytes/);
      const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      assert.throws(() => createSessionTokens({ store, secret: publicKey.export({ type: 'spki', format: 'pem' }) }), /PEM/);
      assert.throws(() => createSessionTokens({ store, secret: SECRET, extraClaims: { exp: 1 } }), /reserved/);
      assert.throws(() => createSessionTokens({ store, alg: 'RS256' }), /private key/);
      assert.throws(() => createSessionTokens({ store, secret: SECRET, accessTtlSec: 0 }), /lifetime/);
    });

    for (const [alg, gen] of [
      ['RS256', () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })],
      ['ES256', () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })],
      ['EdDSA', () => crypto.generateKeyPairSync('ed25519')],
    ]) {
      it(`${alg} with a PEM private key: issued, verified by our own source and by a JWT source with the public key`, async () => {
        const { privateKey, publicKey } = gen();
        const { tokens, now } = setup({ alg, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }), kid: 'k1' });
        const { token } = await tokens.issuer.issue(session(), 'sid');
        assert.equal(JSON.parse(Buffer.from(token.split('.')[0], 'base64url')).kid, 'k1');
        assert.equal((await tokens.ownTokens.verify(token)).sub, 'alice');
        const external = new JwtSource({ now, keys: [buildVerificationKey({ alg, pem: publicKey.export({ type: 'spki', format: 'pem' }), kid: 'k1' })] });
        assert.equal((await external.verify(token)).sid, 'sid');
      });
    }

    it('our verifier refuses another issuer\'s audience, a plain JWT typ, and opaque lookalikes', async () => {
      const a = setup();
      const b = setup({ audience: 'other' });
      const { token } = await b.tokens.issuer.issue(session());
      await rejectsWith(a.tokens.ownTokens.verify(token), 'AUTH_001', /aud/);
      await rejectsWith(a.tokens.ownTokens.verify('A'.repeat(43)), 'AUTH_001', /not a token of this issuer/);
    });

    it('opaque: 256-bit tokens stored by digest, expiring with exp', async () => {
      const { tokens, now, store } = setup({ format: 'opaque', dataKey: SECRET });
      const { token } = await tokens.issuer.issue(session(), 'sid-2');
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(!JSON.stringify([...store.entries]).includes(token));
      const claims = await tokens.ownTokens.verify(token);
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.sid, 'sid-2');
      now.advance(600_000);
      await rejectsWith(tokens.ownTokens.verify(token), 'AUTH_001');
    });
  });

  describe('Bearer authenticator', () => {
    it('RFC 6750 §3 challenges', async () => {
      const { tokens } = setup();
      const bearer = new BearerAuthenticator({ realm: 'shop', source: tokens.ownTokens });
      const challengeFor = async (authorization, queryToken) => {
        try {
          await bearer.authenticate({ authorization, queryToken });
        } catch (err) {
          return [err.status, err.code, bearer.challenge(err)['WWW-Authenticate']];
        }
        return 'accepted';
      };
      assert.deepEqual(await challengeFor([]), [401, 'AUTH_001', 'Bearer realm="shop"']);
      assert.deepEqual(await challengeFor(['Basic Zm9vOmJhcg==']), [401, 'AUTH_001', 'Bearer realm="shop"']);
      assert.deepEqual(await challengeFor(['Bearer a.b.c'], 'x'), [400, 'AUTH_003', 'Bearer realm="shop", error="invalid_request", error_description="Malformed credentials"']);
      assert.deepEqual(await challengeFor(['Bearer a.b']), [401, 'AUTH_003', 'Bearer realm="shop", error="invalid_token", error_description="Malformed credentials"']);
      assert.throws(() => new BearerAuthenticator({ realm: 'a"b', source: tokens.ownTokens }), /realm/);
    });

    it('the verified-token cache never bypasses revocation, and never outlives exp', async () => {
      const { tokens, now } = setup({ accessTtlSec: 120 });
      let verifications = 0;
      const source = {
        verify: (t) => { verifications++; return tokens.ownTokens.verify(t); },
        cacheable: (t) => tokens.ownTokens.cacheable(t),
        isRevoked: (c) => tokens.ownTokens.isRevoked(c),
      };
      const bearer = new BearerAuthenticator({ source, now, cacheMaxTtlSec: 300 });
      const refresh = await tokens.refreshTokens.start(session());
      const { token } = await tokens.issuer.issue(session(), refresh.familyId);
      const req = { authorization: [`Bearer ${token}`] };
      const info = await bearer.authenticate(req);
      assert.deepEqual([info.subject, info.scopes, info.roles], ['alice', ['a', 'b'], ['admin']]);
      await bearer.authenticate(req);
      assert.equal(verifications, 1, 'second request served from the cache');
      await tokens.families.revoke(refresh.familyId);
      await rejectsWith(bearer.authenticate(req), 'AUTH_001', /revoked/);
      const other = await tokens.issuer.issue(session('bob'));
      await bearer.authenticate({ authorization: [`Bearer ${other.token}`] });
      // Past exp + the verifier's 30 s leeway: the cache entry ended at exp, the verifier refuses.
      now.advance(150_000);
      await rejectsWith(bearer.authenticate({ authorization: [`Bearer ${other.token}`] }), 'AUTH_002');
    });

    it('a cache hit hands out a fresh msg.auth whose shared parts are read-only', async () => {
      const { tokens } = setup();
      const bearer = new BearerAuthenticator({ source: tokens.ownTokens });
      const { token } = await tokens.issuer.issue(session());
      const req = { authorization: [`Bearer ${token}`] };
      const first = await bearer.authenticate(req);
      first.subject = 'mallory';
      first.ip = '10.0.0.1';
      assert.throws(() => { 'use strict'; first.claims.sub = 'mallory'; }, TypeError);
      assert.throws(() => { 'use strict'; first.scopes.push('admin'); }, TypeError);
      const second = await bearer.authenticate(req);
      assert.notStrictEqual(second, first);
      assert.deepEqual([second.subject, second.ip, second.claims.sub, second.scopes], ['alice', undefined, 'alice', ['a', 'b']]);
    });

    it('the cache never outlives maxTokenAge: verified at age 50 s (max 60 s), refused at 150 s', async () => {
      const now = clock();
      const { signJwt, buildSigningKey } = require('../../../dist/lib/jwt');
      const spec = { alg: 'HS256', secret: SECRET };
      const iat = now() / 1000;
      const token = signJwt({ sub: 's', iat, exp: iat + 3600 }, buildSigningKey(spec));
      const bearer = new BearerAuthenticator({ source: new JwtSource({ keys: [buildVerificationKey(spec)], maxTokenAgeSec: 60, now }), now });
      const req = { authorization: [`Bearer ${token}`] };
      now.advance(50_000);
      await bearer.authenticate(req);
      now.advance(100_000);
      await rejectsWith(bearer.authenticate(req), 'AUTH_002', /maxTokenAge/);
    });

    it('a leeway past the 300 s revocation margin is refused at configuration (revoked tokens would come back)', () => {
      const keys = [buildVerificationKey({ alg: 'HS256', secret: SECRET })];
      assert.throws(() => new JwtSource({ keys, leewaySec: 301 }), /leewaySec must be at most 300 seconds/);
      assert.throws(() => setup({ leewaySec: 3600 }), /at most 300/);
      new JwtSource({ keys, leewaySec: 300 });
    });

    it('maps scp arrays, a roles dot path, and azp to msg.auth', async () => {
      const key = buildVerificationKey({ alg: 'HS256', secret: SECRET });
      const source = { verify: async () => ({ sub: 's', scp: ['x', 'y'], realm_access: { roles: ['r1'] }, azp: 'client-1', jti: 'j', exp: 2e9 }), cacheable: () => false };
      const bearer = new BearerAuthenticator({ source, rolesClaim: 'realm_access.roles' });
      const info = await bearer.authenticate({ authorization: ['Bearer abc'] });
      assert.deepEqual([info.scopes, info.roles, info.clientId, info.tokenId, info.expiresAt], [['x', 'y'], ['r1'], 'client-1', 'j', 2e12]);
      void key;
    });
  });

  describe('login service', () => {
    function service(opts = {}) {
      const ctx = setup();
      const passwords = new CountingChecker();
      const lockout = new Lockout(ctx.store, { maxRetries: 3, ipMaxRetries: 0, now: ctx.now });
      const guard = new TotpGuard(ctx.store, { now: ctx.now });
      const svc = new LoginService({ tokens: ctx.tokens, passwords, lockout, totp: { policy: 'enrolled', guard }, profileClaims: ['email'], ...opts });
      return { ...ctx, svc, passwords };
    }
    const fields = (username, password, mfaCode) => ({ username, password, mfaCode });

    it('success: the token response, msg.auth without secrets, profile claims in the token', async () => {
      const { svc } = service();
      const { response, auth } = await svc.login(users, fields('alice', 'alice-pw'), '10.0.0.1');
      assert.equal(response.token_type, 'Bearer');
      assert.deepEqual(response.user, { id: 'u1', username: 'alice', name: 'Alice', email: 'a@example.com', roles: ['admin'] });
      assert.equal(JSON.parse(Buffer.from(response.access_token.split('.')[1], 'base64url')).email, 'a@example.com');
      assert.equal(auth.method, 'login');
      assert.ok(!JSON.stringify(auth).includes(response.access_token) && !JSON.stringify(auth).includes(response.refresh_token));
    });

    it('the response shows profile fields from an allowlist only: row secrets (salt, reset tokens, API keys) never leak', async () => {
      const { svc } = service();
      const row = [{ id: 7, username: 'eve', password: users[0].password, name: 'Eve', salt: 'abc', reset_token: 'RST-123', api_key: 'ak_live_999', otp_secret: 'JBSWY3DPEHPK3PXP', pin: '4321' }];
      const { response } = await svc.login(row, fields('eve', 'alice-pw'), '10.0.0.9');
      assert.deepEqual(response.user, { id: 7, username: 'eve', name: 'Eve', roles: [] });
    });

    it('unknown user and wrong password: the same error, and the same work (one password check each)', async () => {
      const { svc, passwords } = service();
      const errs = [];
      for (const f of [fields('nobody', 'alice-pw'), fields('alice', 'nope')]) {
        await svc.login(users, f, '10.0.0.1').catch((e) => errs.push(e));
      }
      assert.equal(passwords.calls, 2);
      assert.deepEqual(errs.map((e) => [e.code, e.status, e.message]), [['AUTH_001', 401, 'Invalid or missing credentials'], ['AUTH_001', 401, 'Invalid or missing credentials']]);
    });

    it('while locked the password is not checked at all', async () => {
      const { svc, passwords } = service();
      for (let i = 0; i < 3; i++) await svc.login(users, fields('alice', 'bad'), '10.0.0.1').catch(() => {});
      assert.equal(passwords.calls, 3);
      await rejectsWith(svc.login(users, fields('alice', 'alice-pw'), '10.0.0.1'), 'AUTH_007');
      await rejectsWith(svc.login(users, fields('alice', 'bad'), '10.0.0.1'), 'AUTH_007');
      assert.equal(passwords.calls, 3, 'no password check while locked');
    });

    it('TOTP: required code, single use, and a seed that cannot be read fails closed', async () => {
      const { svc, now } = service();
      await rejectsWith(svc.login(users, fields('carol', 'carol-pw'), 'ip'), 'AUTH_006', /required/);
      const code = totp(base32Decode(SEED), now() / 1000);
      await svc.login(users, fields('carol', 'carol-pw', code), 'ip');
      await rejectsWith(svc.login(users, fields('carol', 'carol-pw', code), 'ip'), 'AUTH_006', /already used/);
      const broken = [{ ...users[1], totpSecret: 'not base32!' }];
      await rejectsWith(svc.login(broken, fields('carol', 'carol-pw', code), 'ip'), 'AUTH_006', /cannot be used/);
    });

    it('refresh re-reads the user when given the list; logout revokes by either token', async () => {
      const { svc, tokens } = service();
      const { response } = await svc.login(users, fields('alice', 'alice-pw'), 'ip');
      const next = await svc.refresh(response.refresh_token, users);
      await rejectsWith(svc.refresh(next.response.refresh_token, [users[1]]), 'AUTH_001', /no longer/);
      const again = await svc.login(users, fields('alice', 'alice-pw'), 'ip');
      assert.deepEqual(await svc.logout(undefined, [`Bearer ${again.response.access_token}`]), { revoked: 1 });
      const claims = JSON.parse(Buffer.from(again.response.access_token.split('.')[1], 'base64url'));
      assert.equal(await tokens.revocations.isRevoked(claims.jti, undefined), true);
      await rejectsWith(svc.refresh(again.response.refresh_token), 'AUTH_001');
      await rejectsWith(svc.logout(undefined, []), 'AUTH_003');
    });
  });

  describe('TOTP enrolment through the login service', () => {
    it('wrong confirming codes are throttled: after the limit the user is locked out of enrolment too', async () => {
      const ctx = setup();
      const guard = new TotpGuard(ctx.store, { now: ctx.now });
      const enrolment = new TotpEnrolment(ctx.store, DataKey.derive(Buffer.from(SECRET), 'totp-seed'), guard, { issuerTag: TAGS.factors });
      const svc = new LoginService({ tokens: ctx.tokens, lockout: new Lockout(ctx.store, { maxRetries: 2, ipMaxRetries: 0, now: ctx.now }), totp: { policy: 'off', guard, enrolment } });
      const erin = { subject: 'erin', sid: (await ctx.tokens.refreshTokens.start(session('erin'))).familyId };
      const started = await svc.enrol(erin, {}, 'ip');
      assert.match(started.otpauth_uri, /^otpauth:\/\/totp\/erin\?secret=/);
      await rejectsWith(svc.enrol(erin, { mfaCode: '000000' }, 'ip'), 'AUTH_006');
      await rejectsWith(svc.enrol(erin, { mfaCode: '000001' }, 'ip'), 'AUTH_006');
      await rejectsWith(svc.enrol(erin, { mfaCode: totp(base32Decode(started.secret), ctx.now() / 1000) }, 'ip'), 'AUTH_007');
    });

    it('needs a live session of this issuer for that subject: no sid, another subject, another issuer\'s or an ended session → AUTH_001', async () => {
      const ctx = setup();
      const guard = new TotpGuard(ctx.store, { now: ctx.now });
      const enrolment = new TotpEnrolment(ctx.store, DataKey.derive(Buffer.from(SECRET), 'totp-seed'), guard, { issuerTag: TAGS.factors });
      const svc = new LoginService({ tokens: ctx.tokens, totp: { policy: 'off', guard, enrolment } });
      const other = createSessionTokens({ store: ctx.store, secret: SECRET, issuer: 'https://other.test', audience: 'api', now: ctx.now });
      const foreign = (await other.refreshTokens.start(session('erin'))).familyId;
      const own = (await ctx.tokens.refreshTokens.start(session('erin'))).familyId;
      await rejectsWith(svc.enrol({ subject: 'erin' }, {}, 'ip'), 'AUTH_001', /live session/);
      await rejectsWith(svc.enrol({ subject: 'erin', sid: foreign }, {}, 'ip'), 'AUTH_001', /live session/);
      await rejectsWith(svc.enrol({ subject: 'mallory', sid: own }, {}, 'ip'), 'AUTH_001', /live session/);
      await svc.enrol({ subject: 'erin', sid: own }, {}, 'ip');
      await ctx.tokens.families.revoke(own);
      await rejectsWith(svc.enrol({ subject: 'erin', sid: own }, {}, 'ip'), 'AUTH_001', /live session/);
    });
  });

  describe('request fields', () => {
    it('reads username/email, password (never trimmed) and mfa_code; refuses the rest with 400', () => {
      assert.deepEqual(readLoginFields({ username: 'a', password: ' p ' }), { username: 'a', password: ' p ', mfaCode: undefined });
      assert.deepEqual(readLoginFields({ email: 'a@x', password: 'p', mfa_code: '123456' }), { username: 'a@x', password: 'p', mfaCode: '123456' });
      for (const bad of ['text', [], { username: ['a', 'b'], password: 'p' }, { username: 'a' }, { username: 'a\nb', password: 'p' }, { username: 'a', password: 'x'.repeat(1025) }]) {
        assert.throws(() => readLoginFields(bad), (e) => e.code === 'AUTH_003' && e.status === 400, JSON.stringify(bad));
      }
      assert.equal(readRefreshToken({ refresh_token: 'abc' }), 'abc');
      assert.equal(readRefreshToken({}), undefined);
    });
  });
});
