'use strict';
// Security review: hostile create bodies at the Kindly key API get a clear
// 400 AUTH_003, never 503 "could not check" with an "unexpected error" log.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { placed, helper, start, stop, loadSession, route, TAB } = require('./login-harness');
const { hashPasswordScrypt } = require('../../dist/lib/internal');

const SECRET = crypto.randomBytes(32).toString('base64url');
const KEY_SECRET = crypto.randomBytes(32).toString('base64url');
const keyNodes = ['keys/authflow-key-store', 'keys/authflow-keys'].map((f) => require(`../../dist/nodes/${f}.js`));

describe('authflow-keys: hostile create bodies (security review)', function () {
  this.timeout(20000);
  let users;
  before(async () => {
    await start();
    users = JSON.stringify([{ username: 'alice', password: await hashPasswordScrypt('correct horse'), scopes: ['read'] }]);
  });
  after(stop);
  afterEach(() => helper.unload());

  async function loadApi() {
    const flow = [
      TAB,
      { id: 'iss', type: 'authflow-issuer', name: 'kindly', iss: 'https://api.kindly.test', aud: 'kindly' },
      { id: 'ks', type: 'authflow-key-store', name: 'keys' },
      ...route('login', '/api/auth/login', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'login' }),
      ...[
        { id: 'c-in', type: 'http in', z: 'f1', url: '/api/keys', method: 'post', wires: [['c-bearer']] },
        { id: 'c-bearer', type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: 'iss', wires: [['c-keys'], ['c-out']] },
        { id: 'c-keys', type: 'authflow-keys', z: 'f1', keyStore: 'ks', operation: 'create', wires: [['c-out'], ['c-out']] },
        { id: 'c-out', type: 'http response', z: 'f1', wires: [] },
      ].map(placed),
    ];
    return loadSession(flow, { iss: { secret: SECRET }, login: { userList: users }, ks: { secret: KEY_SECRET } }, keyNodes);
  }

  it('metadata nested too deep for JSON.stringify → 400 AUTH_003, not 503 AUTH_011', async () => {
    const api = await loadApi();
    const jwt = (await api.post('/api/auth/login').send({ username: 'alice', password: 'correct horse' }).expect(200)).body.access_token;
    const depth = 20000;
    const body = `{"name":"x","metadata":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const res = await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).set('Content-Type', 'application/json').send(body);
    assert.deepEqual([res.status, res.body.error], [400, 'AUTH_003'], JSON.stringify(res.body));
  });
});
