'use strict';
// Security review: a password change must end every other session of a
// registered account (ASVS 7.4.3) — also a session pushed out of the
// account's bounded session list by later logins, and a session of another
// issuer on the same store (accounts are shared by every issuer on a store).
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { placed, helper, start, stop, loadSession, route, TAB } = require('./login-harness');

const SECRET = crypto.randomBytes(32).toString('base64url');

describe('change password ends sessions beyond the remembered ones (security review)', function () {
  this.timeout(60000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('a session followed by 50 more logins is still ended by a password change', async () => {
    const nodes = [
      TAB,
      { id: 'iss', type: 'authflow-issuer', name: 'k', iss: 'https://api.kindly.test', aud: 'kindly' },
      ...route('register', '/api/auth/register', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'register' }),
      ...route('login', '/api/auth/login', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'login' }),
      ...route('refresh', '/api/auth/refresh', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'refresh' }),
      { id: 'pw-in', type: 'http in', z: 'f1', url: '/api/auth/password', method: 'post', wires: [['pw-bearer']] },
      { id: 'pw-bearer', type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: 'iss', wires: [['pw'], ['pw-out']] },
      { id: 'pw', type: 'authflow-login', z: 'f1', issuer: 'iss', operation: 'password', wires: [['pw-out'], ['pw-out']] },
      { id: 'pw-out', type: 'http response', z: 'f1', wires: [] },
    ].map((n) => (n.z ? placed(n) : n));
    const api = await loadSession(nodes, { iss: { secret: SECRET }, login: { userList: '[]' }, refresh: { userList: '[]' } });
    const creds = { email: 'victim@example.com', password: 'stolen password here' };
    await api.post('/api/auth/register').send({ ...creds, name: 'Victim' }).expect(201);
    const thief = (await api.post('/api/auth/login').send(creds).expect(200)).body;
    let mine;
    for (let i = 0; i < 50; i++) mine = (await api.post('/api/auth/login').send(creds).expect(200)).body;
    await api.post('/api/auth/password').set('Authorization', `Bearer ${mine.access_token}`)
      .send({ current_password: creds.password, new_password: 'a brand new password' }).expect(200);
    const refreshed = await api.post('/api/auth/refresh').send({ refresh_token: thief.refresh_token });
    assert.equal(refreshed.status, 401, "the thief's older session survived the password change");
  });

  it("a password change at issuer A ends the account's sessions at issuer B on the same store (refresh and access tokens)", async () => {
    const at = (p, id, url, method, node) => route(`${p}${id}`, `/${p}${url}`, method, { type: 'authflow-login', issuer: `iss-${p}`, ...node });
    const issuerRoutes = (p) => [
      ...at(p, 'login', '/login', 'post', { operation: 'login' }),
      ...at(p, 'refresh', '/refresh', 'post', { operation: 'refresh' }),
      { id: `${p}api-in`, type: 'http in', z: 'f1', url: `/${p}/api`, method: 'get', wires: [[`${p}api-bearer`]] },
      { id: `${p}api-bearer`, type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: `iss-${p}`, wires: [[`${p}api-out`], [`${p}api-out`]] },
      { id: `${p}api-out`, type: 'http response', z: 'f1', wires: [] },
    ];
    const nodes = [
      TAB,
      { id: 'st', type: 'authflow-store', backend: 'context' },
      { id: 'iss-a', type: 'authflow-issuer', name: 'a', iss: 'https://a.kindly.test', aud: 'kindly-a', store: 'st' },
      { id: 'iss-b', type: 'authflow-issuer', name: 'b', iss: 'https://b.kindly.test', aud: 'kindly-b', store: 'st' },
      ...at('a', 'register', '/register', 'post', { operation: 'register' }),
      ...issuerRoutes('a'),
      ...issuerRoutes('b'),
      { id: 'pw-in', type: 'http in', z: 'f1', url: '/a/password', method: 'post', wires: [['pw-bearer']] },
      { id: 'pw-bearer', type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: 'iss-a', wires: [['pw'], ['pw-out']] },
      { id: 'pw', type: 'authflow-login', z: 'f1', issuer: 'iss-a', operation: 'password', wires: [['pw-out'], ['pw-out']] },
      { id: 'pw-out', type: 'http response', z: 'f1', wires: [] },
    ].map((n) => (n.z ? placed(n) : n));
    const api = await loadSession(nodes, {
      'iss-a': { secret: SECRET }, 'iss-b': { secret: crypto.randomBytes(32).toString('base64url') },
      alogin: { userList: '[]' }, blogin: { userList: '[]' },
    }, [require('../../dist/nodes/store/authflow-store.js')]);
    const creds = { email: 'shared@example.com', password: 'stolen password here' };
    await api.post('/a/register').send(creds).expect(201);
    const atA = (await api.post('/a/login').send(creds).expect(200)).body;
    const atB = (await api.post('/b/login').send(creds).expect(200)).body;
    await api.get('/b/api').set('Authorization', `Bearer ${atB.access_token}`).expect(200);

    const changed = await api.post('/a/password').set('Authorization', `Bearer ${atA.access_token}`)
      .send({ current_password: creds.password, new_password: 'a brand new password' }).expect(200);
    assert.ok(changed.body.sessions_ended >= 2, 'the register session at A and the login at B');
    assert.equal((await api.post('/b/refresh').send({ refresh_token: atB.refresh_token })).status, 401, "B's refresh token survived the password change at A");
    assert.equal((await api.get('/b/api').set('Authorization', `Bearer ${atB.access_token}`)).status, 401, "B's access token survived the password change at A");
    // The session that changed the password lives on; the old password opens nothing at either issuer.
    await api.get('/a/api').set('Authorization', `Bearer ${atA.access_token}`).expect(200);
    await api.post('/b/login').send(creds).expect(401);
  });
});
