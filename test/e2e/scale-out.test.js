'use strict';
const { REDIS_URL } = require('../support/services');
/**
 * Scale-out (issue 6): two REAL Node-RED processes on different ports, the
 * same flows (same issuer secret), sharing one Redis through an
 * authflow-store config node. Everything a session needs — refresh
 * families, revocations, lockout counters, used TOTP steps, sealed TOTP
 * seeds — must hold across instances, as behind a load balancer.
 *
 * Each run uses its own Redis key prefix and deletes its keys afterwards.
 * Both processes are always stopped (after hook), also when a test fails.
 * Redis missing: skipped with a note, except under CI=true (a failure).
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const { sharedRedisInstances, withRedis } = require('../support/node-red-instances');
const { version } = require('../support/node-red-version');
const { hashPasswordScrypt, totp, base32Decode } = require('../../dist/lib');
const { scaleOutFlow } = require('./scale-out-flow');

const RUN = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const PREFIX = `authflow_scaleout_${RUN}:`;
const SECRET = crypto.randomBytes(32).toString('base64url');
const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // RFC 6238 SHA-1 seed, base32
const LOCKOUT = { maxRetries: 3, ipMaxRetries: 0, findTime: 60, banTime: 60 };

const codeAt = (seed, ms) => totp(base32Decode(seed), Math.floor(ms / 1000));

/** Every request bounded: a hung instance fails the test instead of the whole run. */
const bounded = (req) => req.timeout({ response: 5000, deadline: 10000 });
const post = (inst, url, body, bearer) => {
  const req = inst.api.post(url);
  if (bearer) req.set('Authorization', `Bearer ${bearer}`);
  return bounded(body === undefined ? req : req.send(body));
};
const getApi = (inst, token) => bounded(inst.api.get('/api').set('Authorization', `Bearer ${token}`));
const login = (inst, body) => post(inst, '/login', body);

function expectStatus(res, status, where) {
  assert.equal(res.status, status, `${where}: ${res.status} ${res.text}`);
  return res;
}

function assertInvalidToken(res, where) {
  expectStatus(res, 401, where);
  assert.deepEqual(res.body, { error: 'AUTH_001', message: 'Invalid or missing credentials' });
  assert.match(res.headers['www-authenticate'] || '', /error="invalid_token"/, where);
}

describe(`e2e scale-out: two Node-RED ${version} processes sharing one Redis`, function () {
  this.timeout(60000);
  let A;
  let B;
  let t0;
  const instances = sharedRedisInstances({
    keyPrefix: PREFIX,
    dirPrefix: 'authflow-scaleout',
    async flow() {
      // ln=10: the cheapest scrypt the package accepts, so the logins stay fast.
      const [alice, carol, dave, erin] = await Promise.all(['alice-pw', 'carol-pw', 'dave-pw', 'erin-pw'].map((p) => hashPasswordScrypt(p, { ln: 10 })));
      const users = JSON.stringify([
        { username: 'alice', password: alice, roles: ['admin'], scopes: ['orders:read'] },
        { username: 'carol', password: carol, totpSecret: SEED },
        { username: 'dave', password: dave },
        { username: 'erin', password: erin },
      ]);
      t0 = Date.now();
      return scaleOutFlow({ redisUrl: REDIS_URL, keyPrefix: PREFIX, secret: SECRET, users, lockout: LOCKOUT });
    },
  });

  before(() => {
    [A, B] = instances;
    if (A) console.log(`      two Node-RED ${version} processes up in ${Date.now() - t0} ms (ports ${A.port}, ${B.port})`);
  });

  it('a login on A: its access token is accepted on B; the session state is in Redis (digests only)', async () => {
    const s = expectStatus(await login(A, { username: 'alice', password: 'alice-pw' }), 200, 'login on A').body;
    const res = expectStatus(await getApi(B, s.access_token), 200, 'access token on B');
    assert.equal(res.body.auth.subject, 'alice');
    assert.deepEqual(res.body.auth.roles, ['admin']);
    assert.deepEqual(res.body.auth.scopes, ['orders:read']);
    await withRedis(async (client) => {
      const keys = await client.keys(`${PREFIX}*`);
      assert.ok(keys.some((k) => k.startsWith(`${PREFIX}af:rt:`)), 'refresh token in Redis under the run prefix');
      assert.ok(keys.some((k) => k.startsWith(`${PREFIX}af:rf:`)), 'refresh family in Redis under the run prefix');
      const values = await Promise.all(keys.map((k) => client.type(k).then((t) => (t === 'string' ? client.get(k) : ''))));
      const dump = keys.join('\n') + values.join('\n');
      assert.ok(!dump.includes(s.refresh_token) && !dump.includes(s.access_token), 'tokens are stored by digest only');
    });
  });

  it("a refresh on B with A's refresh token rotates it; replaying the rotated one on A revokes the family on both", async () => {
    const first = expectStatus(await login(A, { username: 'alice', password: 'alice-pw' }), 200, 'login on A').body;
    const second = expectStatus(await post(B, '/refresh', { refresh_token: first.refresh_token }), 200, 'refresh on B').body;
    assert.notEqual(second.refresh_token, first.refresh_token);
    expectStatus(await getApi(A, second.access_token), 200, 'rotated access token on A');

    const replay = expectStatus(await post(A, '/refresh', { refresh_token: first.refresh_token }), 401, 'replay on A');
    assert.equal(replay.body.error, 'AUTH_001');
    // The whole family is gone, wherever it is presented.
    for (const inst of [A, B]) {
      expectStatus(await post(inst, '/refresh', { refresh_token: second.refresh_token }), 401, `newer refresh token on ${inst.name}`);
      assertInvalidToken(await getApi(inst, second.access_token), `newer access token on ${inst.name}`);
      assertInvalidToken(await getApi(inst, first.access_token), `first access token on ${inst.name}`);
    }
  });

  it('a logout on A: the access token is refused on B at the next request (even after B cached its verification)', async () => {
    const s = expectStatus(await login(A, { username: 'alice', password: 'alice-pw' }), 200, 'login on A').body;
    // Verified once on B: now in B's bearer cache, which must not outlive a revocation.
    expectStatus(await getApi(B, s.access_token), 200, 'access token on B before logout');
    const out = expectStatus(await post(A, '/logout', { refresh_token: s.refresh_token }, s.access_token), 204, 'logout on A');
    assert.equal(out.text, '');
    assertInvalidToken(await getApi(B, s.access_token), 'access token on B after logout');
    expectStatus(await post(B, '/refresh', { refresh_token: s.refresh_token }), 401, 'refresh token on B after logout');
  });

  it(`a lockout counted on A (${LOCKOUT.maxRetries} wrong passwords) holds on B: 429 AUTH_007 with Retry-After, even with the right password`, async () => {
    // The right password works on B before: the 429 below is the lockout, not a broken login.
    expectStatus(await login(B, { username: 'dave', password: 'dave-pw' }), 200, 'dave on B before');
    for (let i = 0; i < LOCKOUT.maxRetries; i++) {
      const res = expectStatus(await login(A, { username: 'dave', password: `wrong-${i}` }), 401, `wrong password ${i + 1} on A`);
      assert.equal(res.body.error, 'AUTH_001');
    }
    for (const inst of [B, A]) {
      const locked = expectStatus(await login(inst, { username: 'dave', password: 'dave-pw' }), 429, `right password on ${inst.name}`);
      assert.deepEqual(locked.body, { error: 'AUTH_007', message: 'Too many failed attempts; try again later' });
      const retryAfter = Number(locked.headers['retry-after']);
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= LOCKOUT.banTime, `Retry-After ${locked.headers['retry-after']}`);
    }
    // Per (user, address): another user from the same address is not locked out.
    expectStatus(await login(B, { username: 'alice', password: 'alice-pw' }), 200, 'alice on B');
  });

  it('a TOTP code used on A is refused on B (401 AUTH_006); an unused one is accepted', async () => {
    const now = Date.now();
    const code = codeAt(SEED, now);
    const missing = expectStatus(await login(B, { username: 'carol', password: 'carol-pw' }), 401, 'no code on B');
    assert.equal(missing.body.error, 'AUTH_006');
    expectStatus(await login(A, { username: 'carol', password: 'carol-pw', mfa_code: code }), 200, 'code on A');
    const replay = expectStatus(await login(B, { username: 'carol', password: 'carol-pw', mfa_code: code }), 401, 'same code on B');
    assert.deepEqual(replay.body, { error: 'AUTH_006', message: 'MFA code required or invalid' });
    // The next step's code (within the ±1 step window) has not been used anywhere.
    expectStatus(await login(B, { username: 'carol', password: 'carol-pw', mfa_code: codeAt(SEED, now + 30000) }), 200, 'next code on B');
  });

  it('a TOTP enrolment started on A is confirmed on B; from then on login on A needs a code', async () => {
    const s = expectStatus(await login(A, { username: 'erin', password: 'erin-pw' }), 200, 'erin on A').body;
    const started = expectStatus(await post(A, '/totp', {}, s.access_token), 200, 'enrolment on A').body;
    assert.match(started.secret, /^[A-Z2-7]{32}$/);
    const now = Date.now();
    const done = expectStatus(await post(B, '/totp', { mfa_code: codeAt(started.secret, now) }, s.access_token), 200, 'confirmation on B');
    assert.deepEqual(done.body, { enrolled: true });
    const needsCode = expectStatus(await login(A, { username: 'erin', password: 'erin-pw' }), 401, 'erin on A without code');
    assert.equal(needsCode.body.error, 'AUTH_006');
    // The confirming code was used on B; A knows it.
    expectStatus(await login(A, { username: 'erin', password: 'erin-pw', mfa_code: codeAt(started.secret, now) }), 401, 'confirming code on A');
    expectStatus(await login(A, { username: 'erin', password: 'erin-pw', mfa_code: codeAt(started.secret, now + 30000) }), 200, 'next code on A');
  });
});
