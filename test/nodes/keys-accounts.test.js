'use strict';
/**
 * Self-service accounts on the login node (issue 13): register (Kindly's
 * answer, ASVS 6.2 password rules, a taken email answering the same),
 * registered users logging in beside a user list, change password ending
 * the other sessions; then a key created by a registered user.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { placed, helper, start, stop, loadSession, route, TAB } = require('./login-harness');
const { hashPasswordScrypt, auditEvents } = require('../../dist/lib/internal');

const SECRET = crypto.randomBytes(32).toString('base64url');
const extra = ['keys/authflow-key-store', 'keys/authflow-keys', 'token/authflow-token'].map((f) => require(`../../dist/nodes/${f}.js`));

describe('login node: register, registered users, change password', function () {
  this.timeout(30000);
  let api;
  const registrations = [];

  before(start);
  after(stop);
  afterEach(() => helper.unload());

  async function flow() {
    registrations.length = 0;
    const users = JSON.stringify([{ username: 'listed@example.com', password: await hashPasswordScrypt('from the list, long enough'), scopes: ['read'] }]);
    const nodes = [
      TAB,
      { id: 'iss', type: 'authflow-issuer', name: 'kindly', iss: 'https://api.kindly.test', aud: 'kindly' },
      { id: 'ks', type: 'authflow-key-store', name: 'keys' },
      ...route('register', '/api/auth/register', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'register', registerScopes: 'read:compression' }),
      { id: 'tap', type: 'function', z: 'f1', func: 'global.get("registrations").push(msg.registration); return msg;', wires: [['register-out']] },
      ...route('login', '/api/auth/login', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'login' }),
      ...route('refresh', '/api/auth/refresh', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'refresh' }),
      { id: 'pw-in', type: 'http in', z: 'f1', url: '/api/auth/password', method: 'post', wires: [['pw-bearer']] },
      { id: 'pw-bearer', type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: 'iss', wires: [['pw'], ['pw-out']] },
      { id: 'pw', type: 'authflow-login', z: 'f1', issuer: 'iss', operation: 'password', wires: [['pw-out'], ['pw-out']] },
      { id: 'pw-out', type: 'http response', z: 'f1', wires: [] },
      ...route('me', '/api/me', 'get', { type: 'authflow-bearer', keySource: 'issuer', issuer: 'iss' }, { echo: true }),
      { id: 'k-in', type: 'http in', z: 'f1', url: '/api/keys', method: 'post', wires: [['k-bearer']] },
      { id: 'k-bearer', type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: 'iss', wires: [['k'], ['k-out']] },
      { id: 'k', type: 'authflow-keys', z: 'f1', keyStore: 'ks', operation: 'create', wires: [['k-out'], ['k-out']] },
      { id: 'k-out', type: 'http response', z: 'f1', wires: [] },
      ...route('stats', '/api/compression/stats', 'get', { type: 'authflow-token', keySource: 'keystore', keyStore: 'ks', header: 'X-API-Key' }, { echo: true }),
    ].map((n) => (n.z ? placed(n) : n));
    // The register node's output 1 goes through a tap that records msg.registration.
    nodes.find((n) => n.id === 'register').wires[0] = ['tap'];
    api = await loadSession(nodes, { iss: { secret: SECRET }, login: { userList: users }, refresh: { userList: users }, ks: { secret: crypto.randomBytes(32).toString('base64url') } }, extra);
    helper.getNode('register').context().global.set('registrations', registrations);
    return api;
  }

  it('register answers like Kindly (201, tokens, user {id, email, name, created_at}); the user logs in and creates an API key', async () => {
    await flow();
    const res = await api.post('/api/auth/register').send({ email: 'User@Example.com', password: 'SecureP@ssw0rd!', name: 'John Doe' }).expect(201);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
    assert.equal(res.body.token_type, 'Bearer');
    assert.match(res.body.user.id, /^[0-9a-f-]{36}$/);
    assert.equal(res.body.user.email, 'user@example.com');
    assert.equal(res.body.user.name, 'John Doe');
    assert.ok(Math.abs(Date.parse(res.body.user.created_at) - Date.now()) < 10_000);
    assert.ok(!JSON.stringify(res.body).includes('SecureP@ssw0rd!'));
    const me = await api.get('/api/me').set('Authorization', `Bearer ${res.body.access_token}`).expect(200);
    assert.equal(me.body.auth.subject, 'user@example.com');
    assert.deepEqual(me.body.auth.scopes, ['read:compression']);
    assert.deepEqual(registrations.map((r) => r.status), ['created']);

    const login = await api.post('/api/auth/login').send({ email: 'user@example.com', password: 'SecureP@ssw0rd!' }).expect(200);
    assert.equal(login.body.user.email, 'user@example.com');
    await api.post('/api/auth/login').send({ email: 'USER@example.com', password: 'SecureP@ssw0rd!' }).expect(200);
    assert.equal((await api.post('/api/auth/login').send({ email: 'user@example.com', password: 'wrong password!' }).expect(401)).body.error, 'AUTH_001');
    // The list's users keep working beside registered ones.
    await api.post('/api/auth/login').send({ username: 'listed@example.com', password: 'from the list, long enough' }).expect(200);

    const key = await api.post('/api/keys').set('Authorization', `Bearer ${login.body.access_token}`).send({ name: 'Production Server' }).expect(201);
    const used = await api.get('/api/compression/stats').set('X-API-Key', key.body.key).expect(200);
    assert.equal(used.body.auth.subject, 'user@example.com');
  });

  it('ASVS 6.2 password rules: 8+ characters, 64+ allowed, no composition rules, common and personal passwords refused (400 AUTH_003 with detail)', async () => {
    await flow();
    const reg = (email, password, name) => api.post('/api/auth/register').send({ email, password, name });
    const refused = async (body, detail) => {
      const r = await reg(...body).expect(400);
      assert.equal(r.body.error, 'AUTH_003');
      assert.match(r.body.detail, detail);
      assert.ok(!JSON.stringify(r.body).includes(body[1] || '\u0000'), 'the password is never echoed');
    };
    await refused(['a@example.com', 'short'], /at least 8/);
    await refused(['a@example.com', 'password1'], /too common/);
    await refused(['a@example.com', 'Password123'], /too common/);
    await refused(['a@example.com', 'QWERTYUIOP'], /too common/);
    await refused(['jonathan@example.com', 'JONATHAN@example.com'], /name or email/);
    await refused(['jonathan@example.com', 'jonathan'], /at least 8|name or email/);
    await refused(['a@example.com', 'x'.repeat(129)], /at most 128/);
    await refused(['not-an-email', 'a fine long passphrase'], /email/);
    await refused([undefined, 'a fine long passphrase'], /email or username/);
    await reg('b@example.com', 'all lowercase no digits').expect(201); // no composition rules
    await reg('c@example.com', 'ü'.repeat(8)).expect(201); // Unicode counts by code point
    await reg('d@example.com', 'y'.repeat(64) + ' spaces are fine too').expect(201);
    await api.post('/api/auth/register').send({ username: 'kim_99', password: 'correct horse battery', name: 'Kim' }).expect(201);
  });

  it('a taken email gets the same status, shape and timing, tokens nothing accepts, and the flow is told (msg.registration)', async () => {
    await flow();
    const first = await api.post('/api/auth/register').send({ email: 'taken@example.com', password: 'first owner password', name: 'Owner' }).expect(201);
    const times = { new: [], taken: [] };
    let again;
    for (let i = 0; i < 6; i++) {
      let t = process.hrtime.bigint();
      await api.post('/api/auth/register').send({ email: `new${i}@example.com`, password: 'attacker password 1', name: 'X' }).expect(201);
      times.new.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      again = await api.post('/api/auth/register').send({ email: 'taken@example.com', password: 'attacker password 1', name: 'X' }).expect(201);
      times.taken.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    assert.deepEqual(Object.keys(again.body).sort(), Object.keys(first.body).sort());
    assert.deepEqual(Object.keys(again.body.user).sort(), Object.keys(first.body.user).sort());
    assert.equal(again.body.access_token.split('.').length, first.body.access_token.split('.').length);
    assert.equal(again.body.refresh_token.length, first.body.refresh_token.length);
    assert.notEqual(again.body.user.id, first.body.user.id, 'the real account id is not revealed');
    const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    const ratio = median(times.taken) / median(times.new);
    assert.ok(ratio > 0.6 && ratio < 1.6, `taken/new median time ${ratio.toFixed(2)} (${median(times.taken).toFixed(1)} vs ${median(times.new).toFixed(1)} ms)`);
    // The decoy tokens do nothing; the account and its password are untouched.
    assert.equal((await api.get('/api/me').set('Authorization', `Bearer ${again.body.access_token}`).expect(401)).body.error, 'AUTH_001');
    await api.post('/api/auth/refresh').send({ refresh_token: again.body.refresh_token }).expect(401);
    await api.post('/api/auth/login').send({ email: 'taken@example.com', password: 'first owner password' }).expect(200);
    await api.post('/api/auth/login').send({ email: 'taken@example.com', password: 'attacker password 1' }).expect(401);
    assert.deepEqual(registrations.filter((r) => r.login === 'taken@example.com').map((r) => r.status), ['created', 'taken', 'taken', 'taken', 'taken', 'taken', 'taken']);
    assert.ok(!JSON.stringify(registrations).includes('password'));
  });

  it('change password: checks the current one, applies the rules, ends every other session (refresh and access tokens)', async () => {
    await flow();
    const reg = await api.post('/api/auth/register').send({ email: 'pat@example.com', password: 'old password here', name: 'Pat' }).expect(201);
    const other = await api.post('/api/auth/login').send({ email: 'pat@example.com', password: 'old password here' }).expect(200);
    const mine = await api.post('/api/auth/login').send({ email: 'pat@example.com', password: 'old password here' }).expect(200);
    const auth = `Bearer ${mine.body.access_token}`;
    assert.equal((await api.post('/api/auth/password').set('Authorization', auth).send({ current_password: 'nope nope nope', new_password: 'new password here' }).expect(401)).body.error, 'AUTH_001');
    assert.equal((await api.post('/api/auth/password').set('Authorization', auth).send({ current_password: 'old password here', new_password: 'password123' }).expect(400)).body.detail, 'password is too common: choose another');
    const changed = await api.post('/api/auth/password').set('Authorization', auth).send({ current_password: 'old password here', new_password: 'new password here' }).expect(200);
    assert.deepEqual(changed.body, { password_changed: true, sessions_ended: 2 });
    await api.get('/api/me').set('Authorization', `Bearer ${other.body.access_token}`).expect(401);
    await api.get('/api/me').set('Authorization', `Bearer ${reg.body.access_token}`).expect(401);
    await api.post('/api/auth/refresh').send({ refresh_token: other.body.refresh_token }).expect(401);
    await api.get('/api/me').set('Authorization', auth).expect(200);
    await api.post('/api/auth/login').send({ email: 'pat@example.com', password: 'old password here' }).expect(401);
    await api.post('/api/auth/login').send({ email: 'pat@example.com', password: 'new password here' }).expect(200);
    // List users are not changed here.
    const listed = await api.post('/api/auth/login').send({ username: 'listed@example.com', password: 'from the list, long enough' }).expect(200);
    await api.post('/api/auth/password').set('Authorization', `Bearer ${listed.body.access_token}`).send({ current_password: 'from the list, long enough', new_password: 'another long one' }).expect(401);
  });
});
