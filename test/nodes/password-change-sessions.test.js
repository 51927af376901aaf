'use strict';
// Security review: a password change must end every other session of a
// registered account (ASVS 7.4.3) — also a session pushed out of the
// account's bounded session list by later logins.
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
});
