'use strict';
/**
 * Security review, OPEN DEFECT (reported to the lead, not fixed here: it needs
 * a design decision): registering the username or email of a user-list user
 * succeeds (the register operation never reads the user list) and answers
 * with real tokens whose `sub` is that user's name. Everything that trusts
 * msg.auth.subject then treats the attacker as the list user: here the Kindly
 * key API lists the list user's keys and rotates one, handing the attacker a
 * new key with the victim's scopes. Fix options: the register node consults
 * the same user list (a list name is "taken": decoy answer), or registered
 * accounts get a subject of their own namespace (e.g. their account id).
 * Un-skip once fixed.
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

  it.skip('registering a list user\'s name gives no token acting as that user (OPEN: see header)', async () => {
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
      ...keyApi,
    ].map((n) => (n.z ? placed(n) : n));
    const api = await loadSession(nodes, { iss: { secret: SECRET }, login: { userList: users }, ks: { secret: crypto.randomBytes(32).toString('base64url') } }, extra);
    const alice = (await api.post('/api/auth/login').send({ username: 'alice', password: 'alice list password' }).expect(200)).body.access_token;
    const key = (await api.post('/api/keys').set('Authorization', `Bearer ${alice}`).send({ name: 'admin key' }).expect(201)).body;

    const reg = await api.post('/api/auth/register').send({ username: 'alice', password: 'attacker password 1' });
    const token = reg.body.access_token;
    const listed = await api.get('/api/keys').set('Authorization', `Bearer ${token}`);
    assert.ok(listed.status !== 200 || !JSON.stringify(listed.body).includes(key.id), "the attacker sees the list user's keys");
    const rotated = await api.post(`/api/keys/${key.id}/rotate`).set('Authorization', `Bearer ${token}`).send({});
    assert.ok(!rotated.body.key, "the attacker got a key with the list user's scopes");
  });
});
