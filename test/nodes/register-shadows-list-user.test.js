'use strict';
/**
 * Security review: registering the username or email of a user-list user
 * used to succeed (the register operation never read the user list) and
 * answered with real tokens whose `sub` was that user's name; everything that
 * trusts msg.auth.subject then treated the attacker as the list user (here the
 * key API listed the list user's keys and rotated one). The register node now
 * reads the same user list as login and treats a list name as taken: the
 * decoy answer a taken email gets, no account written.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { placed, helper, start, stop, loadSession, route, TAB } = require('./login-harness');
const { hashPasswordScrypt } = require('../../dist/lib/internal');

const SECRET = crypto.randomBytes(32).toString('base64url');
const extra = ['keys/authflow-key-store', 'keys/authflow-keys'].map((f) => require(`../../dist/nodes/${f}.js`));

describe('register must not mint sessions for a user-list name (security review)', function () {
  this.timeout(20000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('registering a list user\'s name gives no token acting as that user, and the answer of a taken login', async () => {
    const users = JSON.stringify([{ username: 'alice', password: await hashPasswordScrypt('alice list password'), scopes: ['admin'] }]);
    const keyApi = ['create', 'list', 'rotate'].flatMap((op) => [
      { id: `${op}-in`, type: 'http in', z: 'f1', url: op === 'rotate' ? '/api/keys/:id/rotate' : '/api/keys', method: op === 'list' ? 'get' : 'post', wires: [[`${op}-b`]] },
      { id: `${op}-b`, type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: 'iss', wires: [[`${op}-k`], [`${op}-o`]] },
      { id: `${op}-k`, type: 'authflow-keys', z: 'f1', keyStore: 'ks', operation: op, wires: [[`${op}-o`], [`${op}-o`]] },
      { id: `${op}-o`, type: 'http response', z: 'f1', wires: [] },
    ]);
    const nodes = [
      TAB,
      { id: 'iss', type: 'authflow-issuer', name: 'k', iss: 'https://api.kindly.test', aud: 'kindly' },
      { id: 'ks', type: 'authflow-key-store', name: 'keys' },
      ...route('register', '/api/auth/register', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'register' }),
      ...route('login', '/api/auth/login', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'login' }),
      ...route('refresh', '/api/auth/refresh', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'refresh' }),
      ...keyApi,
    ].map((n) => (n.z ? placed(n) : n));
    const api = await loadSession(nodes, { iss: { secret: SECRET }, login: { userList: users }, register: { userList: users }, ks: { secret: crypto.randomBytes(32).toString('base64url') } }, extra);
    const alice = (await api.post('/api/auth/login').send({ username: 'alice', password: 'alice list password' }).expect(200)).body.access_token;
    const key = (await api.post('/api/keys').set('Authorization', `Bearer ${alice}`).send({ name: 'admin key' }).expect(201)).body;

    const reg = await api.post('/api/auth/register').send({ username: 'alice', password: 'attacker password 1' });
    assert.equal(reg.status, 201, 'a list name is answered like a taken login, not refused');
    assert.deepEqual(Object.keys(reg.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
    const token = reg.body.access_token;
    // The refresh token is a decoy too, and the attacker's password opens nothing.
    await api.post('/api/auth/refresh').send({ refresh_token: reg.body.refresh_token }).expect(401);
    await api.post('/api/auth/login').send({ username: 'alice', password: 'attacker password 1' }).expect(401);
    const listed = await api.get('/api/keys').set('Authorization', `Bearer ${token}`);
    assert.ok(listed.status !== 200 || !JSON.stringify(listed.body).includes(key.id), "the attacker sees the list user's keys");
    const rotated = await api.post(`/api/keys/${key.id}/rotate`).set('Authorization', `Bearer ${token}`).send({});
    assert.ok(!rotated.body.key, "the attacker got a key with the list user's scopes");
  });

  it('an account registered before the list had its name never logs in as the list user, however the name is typed', async () => {
    const users = JSON.stringify([{ username: 'alice', password: await hashPasswordScrypt('alice list password'), scopes: ['admin'] }]);
    const nodes = [
      TAB,
      { id: 'iss', type: 'authflow-issuer', name: 'k', iss: 'https://api.kindly.test', aud: 'kindly' },
      // A register node without the list: the account exists before the list user does.
      ...route('register', '/api/auth/register', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'register' }),
      ...route('login', '/api/auth/login', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'login' }),
    ].map((n) => (n.z ? placed(n) : n));
    const api = await loadSession(nodes, { iss: { secret: SECRET }, login: { userList: users } });
    await api.post('/api/auth/register').send({ username: 'alice', password: 'attacker password 1' }).expect(201);
    for (const username of ['alice', 'ALICE', ' Alice ']) {
      await api.post('/api/auth/login').send({ username, password: 'attacker password 1' }).expect(401);
    }
    await api.post('/api/auth/login').send({ username: 'alice', password: 'alice list password' }).expect(200);
  });
});
