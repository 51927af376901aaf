'use strict';
/**
 * Two authflow-issuer config nodes in one Node-RED, both on the default store
 * (the global context), as a user deploys them (issue 10 items 1–3). Every
 * piece of token state is bound to the issuer that made it: a token of one
 * issuer presented to the other is refused exactly like an unknown token, and
 * a second factor enrolled through one issuer belongs to that issuer.
 * docs/THREAT-MODEL.md says what is bound to what.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { helper, start, stop, loadSession, route, placed, TAB, decodeJwt } = require('./login-harness');
const { hashPasswordScrypt, totp, base32Decode } = require('../../dist/lib');

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const OTHER_SECRET = 'another-secret-of-at-least-32-bytes!';
const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const codeAt = (seed, ms) => totp(base32Decode(seed), Math.floor(ms / 1000));

/** The same no-token answer for the foreign and the unknown token: status, body and challenge. */
function sameAnswer(foreign, unknown) {
  assert.equal(foreign.status, unknown.status);
  assert.deepEqual(foreign.body, unknown.body);
  assert.equal(foreign.headers['www-authenticate'], unknown.headers['www-authenticate']);
}

describe('two issuers in one Node-RED on the default store', function () {
  this.timeout(60000);
  let users;
  let rsaPem;

  before(async () => {
    const [alice, bob, carol] = await Promise.all(['alice-pw', 'bob-pw', 'carol-pw'].map((p) => hashPasswordScrypt(p, { ln: 10 })));
    users = JSON.stringify([
      { username: 'alice', password: alice, roles: ['admin'], scopes: ['orders:write'] },
      { username: 'bob', password: bob },
      { username: 'carol', password: carol, totpSecret: SEED },
    ]);
    rsaPem = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    await start();
  });
  after(stop);
  afterEach(async () => {
    const global = helper.getNode('a')?.context().global;
    for (const key of global ? global.keys() : []) global.set(key, undefined);
    await helper.unload();
  });

  /** Login, refresh, logout, a bearer route and TOTP enrolment of issuer `id` under /<id>/…. */
  function endpoints(id, { totpPolicy = 'enrolled', lockout = {} } = {}) {
    const p = `/${id}`;
    return [
      ...route(`${id}-login`, `${p}/login`, 'post', {
        type: 'authflow-login', issuer: id, operation: 'login', usersType: 'cred', totp: totpPolicy, maxRetries: 0, ipMaxRetries: 0, ...lockout,
      }),
      ...route(`${id}-refresh`, `${p}/refresh`, 'post', { type: 'authflow-login', issuer: id, operation: 'refresh' }),
      ...route(`${id}-logout`, `${p}/logout`, 'post', { type: 'authflow-login', issuer: id, operation: 'logout' }),
      ...route(`${id}-api`, `${p}/api`, 'get', { type: 'authflow-bearer', keySource: 'issuer', issuer: id }, { echo: true }),
      ...[
        { id: `${id}-enrol-in`, type: 'http in', z: 'f1', url: `${p}/totp`, method: 'post', wires: [[`${id}-enrol-bearer`]] },
        { id: `${id}-enrol-bearer`, type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: id, wires: [[`${id}-enrol`], [`${id}-enrol-out`]] },
        { id: `${id}-enrol`, type: 'authflow-login', z: 'f1', issuer: id, operation: 'enrol', wires: [[`${id}-enrol-out`], [`${id}-enrol-out`]] },
        { id: `${id}-enrol-out`, type: 'http response', z: 'f1', wires: [] },
      ].map(placed),
    ];
  }

  /** Issuers `a` and `b` (config overrides per issuer), each with its endpoints and the user list. */
  async function twoIssuers({ a = {}, b = {}, aCreds = { secret: SECRET }, bCreds = { privateKey: rsaPem }, opts = {}, extra = [] } = {}) {
    const flow = [
      TAB,
      { id: 'a', type: 'authflow-issuer', name: 'A', iss: 'https://a.example.test', aud: 'api-a', ...a },
      { id: 'b', type: 'authflow-issuer', name: 'B', iss: 'https://b.example.test', aud: 'api-b', alg: 'RS256', ...b },
      ...endpoints('a', opts),
      ...endpoints('b', opts),
      ...extra.map(placed),
    ];
    return loadSession(flow, { a: aCreds, b: bCreds, 'a-login': { userList: users }, 'b-login': { userList: users } });
  }

  const login = (api, id, body) => api.post(`/${id}/login`).send(body);
  const refresh = (api, id, token) => api.post(`/${id}/refresh`).send({ refresh_token: token });
  const UNKNOWN = 'A'.repeat(43);

  describe('refresh tokens and sessions (item 1)', () => {
    it("A's refresh token at B's refresh endpoint: 401 exactly like an unknown token; A's session is untouched", async () => {
      const api = await twoIssuers();
      const s = (await login(api, 'a', { username: 'alice', password: 'alice-pw' }).expect(200)).body;
      const foreign = await refresh(api, 'b', s.refresh_token);
      const unknown = await refresh(api, 'b', UNKNOWN);
      assert.equal(foreign.status, 401);
      sameAnswer(foreign, unknown);
      assert.deepEqual(foreign.body, { error: 'AUTH_001', message: 'Invalid or missing credentials' });
      // Not a reuse at A either: the token still rotates there, and its access token works.
      const next = (await refresh(api, 'a', s.refresh_token).expect(200)).body;
      await api.get('/a/api').set('Authorization', `Bearer ${next.access_token}`).expect(200);
    });

    it("neither issuer has iss or aud (the review's flow): still two issuers, told apart by their config node", async () => {
      const api = await twoIssuers({ a: { iss: '', aud: '' }, b: { iss: '', aud: '' } });
      const s = (await login(api, 'a', { username: 'alice', password: 'alice-pw' }).expect(200)).body;
      const foreign = await refresh(api, 'b', s.refresh_token);
      sameAnswer(foreign, await refresh(api, 'b', UNKNOWN));
      await refresh(api, 'a', s.refresh_token).expect(200);
    });

    it("B's logout with A's tokens revokes nothing of A's session", async () => {
      const api = await twoIssuers({ b: { alg: 'HS256' }, bCreds: { secret: SECRET } });
      const s = (await login(api, 'a', { username: 'bob', password: 'bob-pw' }).expect(200)).body;
      // Same HS256 secret on both: only iss and aud tell the tokens apart.
      await api.post('/b/logout').set('Authorization', `Bearer ${s.access_token}`).send({ refresh_token: s.refresh_token }).expect(204);
      await api.get('/a/api').set('Authorization', `Bearer ${s.access_token}`).expect(200);
      await refresh(api, 'a', s.refresh_token).expect(200);
    });

    it('two issuer nodes with the same iss and audience are one issuer: they share sessions (as instances behind a load balancer do)', async () => {
      const api = await twoIssuers({ b: { iss: 'https://a.example.test', aud: 'api-a', alg: 'HS256' }, bCreds: { secret: SECRET } });
      const s = (await login(api, 'a', { username: 'alice', password: 'alice-pw' }).expect(200)).body;
      const next = (await refresh(api, 'b', s.refresh_token).expect(200)).body;
      await api.get('/a/api').set('Authorization', `Bearer ${next.access_token}`).expect(200);
      // …and one reuse detection: the rotated token presented at A ends the shared session.
      await refresh(api, 'a', s.refresh_token).expect(401);
      await refresh(api, 'b', next.refresh_token).expect(401);
    });

    it('the same iss with another audience is another issuer', async () => {
      const api = await twoIssuers({ b: { iss: 'https://a.example.test', aud: 'api-b', alg: 'HS256' }, bCreds: { secret: SECRET } });
      const s = (await login(api, 'a', { username: 'alice', password: 'alice-pw' }).expect(200)).body;
      sameAnswer(await refresh(api, 'b', s.refresh_token), await refresh(api, 'b', UNKNOWN));
      await api.get('/b/api').set('Authorization', `Bearer ${s.access_token}`).expect(401);
    });
  });

  describe('opaque access tokens (item 2)', () => {
    const opaque = {
      a: { iss: 'op', aud: 'acc-api', format: 'opaque' },
      b: { iss: 'op2', aud: 'other-api', format: 'opaque', alg: '' },
      aCreds: { dataKey: SECRET },
      bCreds: { dataKey: OTHER_SECRET },
    };

    it("the bearer node of issuer op2 refuses op's opaque token exactly like an unknown one; op's own bearer accepts it", async () => {
      const api = await twoIssuers(opaque);
      const s = (await login(api, 'a', { username: 'alice', password: 'alice-pw' }).expect(200)).body;
      assert.match(s.access_token, /^[A-Za-z0-9_-]{43}$/);
      const foreign = await api.get('/b/api').set('Authorization', `Bearer ${s.access_token}`);
      const unknown = await api.get('/b/api').set('Authorization', `Bearer ${UNKNOWN}`);
      assert.equal(foreign.status, 401);
      sameAnswer(foreign, unknown);
      assert.match(foreign.headers['www-authenticate'], /error="invalid_token"/);
      const ok = await api.get('/a/api').set('Authorization', `Bearer ${s.access_token}`).expect(200);
      assert.equal(ok.body.auth.claims.iss, 'op');
      assert.equal(ok.body.auth.claims.aud, 'acc-api');
    });

    it("op2's logout cannot revoke op's opaque token or session", async () => {
      const api = await twoIssuers(opaque);
      const s = (await login(api, 'a', { username: 'alice', password: 'alice-pw' }).expect(200)).body;
      await api.post('/b/logout').set('Authorization', `Bearer ${s.access_token}`).send({ refresh_token: s.refresh_token }).expect(204);
      await api.get('/a/api').set('Authorization', `Bearer ${s.access_token}`).expect(200);
      await refresh(api, 'a', s.refresh_token).expect(200);
    });
  });

  describe('TOTP (item 3): a factor enrolled in the store belongs to the issuer it was enrolled through', () => {
    /** Enrols `user` at issuer `id` and returns its seed; `now` is the time of the confirming code. */
    async function enrol(api, id, user, password, now) {
      const s = (await login(api, id, { username: user, password }).expect(200)).body;
      const auth = `Bearer ${s.access_token}`;
      const started = await api.post(`/${id}/totp`).set('Authorization', auth).send({}).expect(200);
      await api.post(`/${id}/totp`).set('Authorization', auth).send({ mfa_code: codeAt(started.body.secret, now) }).expect(200);
      return started.body.secret;
    }

    it('enrolled at A: A asks for A\'s code; B (nothing enrolled there) logs in without one, and can enrol its own factor', async () => {
      const api = await twoIssuers();
      const now = Date.now();
      const seedA = await enrol(api, 'a', 'bob', 'bob-pw', now);
      const needsCode = await login(api, 'a', { username: 'bob', password: 'bob-pw' }).expect(401);
      assert.equal(needsCode.body.error, 'AUTH_006');
      await login(api, 'a', { username: 'bob', password: 'bob-pw', mfa_code: codeAt(seedA, now + 30000) }).expect(200);
      // B: not a permanent AUTH_006 — B has no factor for bob.
      await login(api, 'b', { username: 'bob', password: 'bob-pw' }).expect(200);
      const seedB = await enrol(api, 'b', 'bob', 'bob-pw', now);
      assert.notEqual(seedB, seedA);
      await login(api, 'b', { username: 'bob', password: 'bob-pw' }).expect(401);
      // A's code is not B's factor, and B's code not A's.
      const aCode = codeAt(seedA, now - 30000);
      const bCode = codeAt(seedB, now + 30000);
      if (aCode !== bCode) {
        await login(api, 'b', { username: 'bob', password: 'bob-pw', mfa_code: aCode }).expect(401);
        await login(api, 'a', { username: 'bob', password: 'bob-pw', mfa_code: bCode }).expect(401);
      }
      await login(api, 'b', { username: 'bob', password: 'bob-pw', mfa_code: bCode }).expect(200);
      await login(api, 'a', { username: 'bob', password: 'bob-pw', mfa_code: aCode }).expect(200);
    });

    it("B's enrolment node behind A's bearer node (a wiring mistake) refuses: a factor at B needs a session of B", async () => {
      const api = await twoIssuers({
        extra: [
          { id: 'x-in', type: 'http in', z: 'f1', url: '/mixed/totp', method: 'post', wires: [['x-bearer']] },
          { id: 'x-bearer', type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: 'a', wires: [['x-enrol'], ['x-out']] },
          { id: 'x-enrol', type: 'authflow-login', z: 'f1', issuer: 'b', operation: 'enrol', wires: [['x-out'], ['x-out']] },
          { id: 'x-out', type: 'http response', z: 'f1', wires: [] },
        ],
      });
      const s = (await login(api, 'a', { username: 'bob', password: 'bob-pw' }).expect(200)).body;
      const res = await api.post('/mixed/totp').set('Authorization', `Bearer ${s.access_token}`).send({}).expect(401);
      assert.equal(res.body.error, 'AUTH_001');
      // Nothing was enrolled at B: bob still logs in there with his password alone.
      await login(api, 'b', { username: 'bob', password: 'bob-pw' }).expect(200);
    });

    it('a seed in the user list is the user\'s own, shared by every issuer reading that list: a code used at A is refused at B (single use)', async () => {
      const api = await twoIssuers();
      const code = codeAt(SEED, Date.now());
      await login(api, 'a', { username: 'carol', password: 'carol-pw', mfa_code: code }).expect(200);
      const replay = await login(api, 'b', { username: 'carol', password: 'carol-pw', mfa_code: code }).expect(401);
      assert.equal(replay.body.error, 'AUTH_006');
      await login(api, 'b', { username: 'carol', password: 'carol-pw', mfa_code: codeAt(SEED, Date.now() + 30000) }).expect(200);
    });
  });

  describe('lockout is shared by the issuers on one store (it protects the password, not a token)', () => {
    it('failures at A count for the same (user, address) at B', async () => {
      const api = await twoIssuers({ opts: { lockout: { maxRetries: 3, ipMaxRetries: 0, banTime: 60 } } });
      for (let i = 0; i < 3; i++) await login(api, 'a', { username: 'alice', password: 'wrong' }).expect(401);
      const res = await login(api, 'b', { username: 'alice', password: 'alice-pw' }).expect(429);
      assert.equal(res.body.error, 'AUTH_007');
      await login(api, 'b', { username: 'bob', password: 'bob-pw' }).expect(200);
    });
  });

  it('JWTs of each issuer carry its own iss and aud', async () => {
    const api = await twoIssuers();
    const a = (await login(api, 'a', { username: 'bob', password: 'bob-pw' }).expect(200)).body;
    const b = (await login(api, 'b', { username: 'bob', password: 'bob-pw' }).expect(200)).body;
    assert.deepEqual([decodeJwt(a.access_token).claims.iss, decodeJwt(a.access_token).claims.aud], ['https://a.example.test', 'api-a']);
    assert.deepEqual([decodeJwt(b.access_token).header.alg, decodeJwt(b.access_token).claims.iss], ['RS256', 'https://b.example.test']);
    await api.get('/b/api').set('Authorization', `Bearer ${a.access_token}`).expect(401);
    await api.get('/a/api').set('Authorization', `Bearer ${b.access_token}`).expect(401);
  });
});
