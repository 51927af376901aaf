'use strict';
/**
 * authflow-keys and the auth token node's "key store" source in a real
 * Node-RED runtime over real HTTP: the Kindly key API (login → POST/GET/
 * DELETE /api/keys), a route protected by X-API-Key, rotation with grace,
 * per-key IP rules behind a trusted proxy, and nothing secret in responses,
 * node status, logs or audit events.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { placed, helper, start, stop, loadSession, route, TAB } = require('./login-harness');
const { hashPasswordScrypt, auditEvents } = require('../../dist/lib/internal');

const SECRET = crypto.randomBytes(32).toString('base64url');
const KEY_SECRET = crypto.randomBytes(32).toString('base64url');
const keyNodes = ['keys/authflow-key-store', 'keys/authflow-keys', 'token/authflow-token'].map((f) => require(`../../dist/nodes/${f}.js`));

describe('authflow-keys + auth token (key store) nodes', function () {
  this.timeout(20000);
  let api;
  let users;
  const events = [];
  const logs = [];
  const onEvent = (e) => events.push(e);

  before(async () => {
    await start();
    users = JSON.stringify([
      { username: 'alice', password: await hashPasswordScrypt('correct horse'), scopes: ['read:compression', 'write:compression'] },
      { username: 'bob', password: await hashPasswordScrypt('battery staple'), scopes: ['*'] },
    ]);
    auditEvents.on('decision', onEvent);
  });
  after(async () => {
    auditEvents.off('decision', onEvent);
    await stop();
  });
  afterEach(() => helper.unload());

  async function kindly({ keyStore = {}, token = {}, extra = [] } = {}) {
    const flow = [
      TAB,
      { id: 'iss', type: 'authflow-issuer', name: 'kindly', iss: 'https://api.kindly.test', aud: 'kindly' },
      { id: 'ks', type: 'authflow-key-store', name: 'keys', graceHours: 24, ...keyStore },
      ...route('login', '/api/auth/login', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'login' }),
      ...[['create', 'post', '/api/keys'], ['list', 'get', '/api/keys'], ['get', 'get', '/api/keys/:id'], ['revoke', 'delete', '/api/keys/:id'], ['rotate', 'post', '/api/keys/:id/rotate']]
        .flatMap(([op, method, url]) => [
          { id: `${op}-in`, type: 'http in', z: 'f1', url, method, wires: [[`${op}-bearer`]] },
          { id: `${op}-bearer`, type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: 'iss', wires: [[`${op}-keys`], [`${op}-out`]] },
          { id: `${op}-keys`, type: 'authflow-keys', z: 'f1', keyStore: 'ks', operation: op, wires: [[`${op}-out`], [`${op}-out`]] },
          { id: `${op}-out`, type: 'http response', z: 'f1', wires: [] },
        ].map(placed)),
      ...route('stats', '/api/compression/stats', 'get', { type: 'authflow-token', keySource: 'keystore', keyStore: 'ks', header: 'X-API-Key', ...token }, { echo: true }),
      ...extra.map(placed),
    ];
    const loaded = await loadSession(flow, { iss: { secret: SECRET }, 'login': { userList: users }, ks: { secret: KEY_SECRET } }, keyNodes);
    for (const n of ['ks', 'create-keys', 'stats']) {
      const node = helper.getNode(n);
      if (!node) throw new Error('node ' + n + ' not deployed: ' + helper.log().args.filter((a) => a[0].level <= 30).map((a) => String(a[0].msg && (a[0].msg.stack || a[0].msg))).join('; '));
      for (const level of ['log', 'warn', 'error']) {
        const orig = node[level].bind(node);
        node[level] = (m) => { logs.push(String(m)); orig(m); };
      }
      const status = node.status.bind(node);
      node.status = (s) => { logs.push(JSON.stringify(s)); status(s); };
    }
    return loaded;
  }

  async function login(agent, username = 'alice', password = 'correct horse') {
    const res = await agent.post('/api/auth/login').send({ username, password }).expect(200);
    return res.body.access_token;
  }

  it('the Kindly key API: create (key once), use with X-API-Key, list, revoke → AUTH_004 on the next request', async () => {
    api = await kindly();
    const jwt = await login(api);
    const expires = new Date(Date.now() + 100 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const created = await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).send({ name: 'Production Server', expires_at: expires }).expect(201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const { id, key } = created.body;
    assert.match(key, /^kapi_prod_[0-9A-Za-z]{32}$/);
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(created.body.name, 'Production Server');
    assert.equal(created.body.expires_at, expires.replace('Z', '.000Z'));
    assert.deepEqual(created.body.scopes, ['read:compression', 'write:compression'], "the creator's scopes");

    const used = await api.get('/api/compression/stats').set('X-API-Key', key).expect(200);
    assert.deepEqual({ ...used.body.auth, expiresAt: undefined }, {
      method: 'api_key', subject: 'alice', keyId: id, scopes: ['read:compression', 'write:compression'], ip: '127.0.0.1',
      claims: { key_name: 'Production Server', env: 'prod' }, expiresAt: undefined,
    });

    const list = await api.get('/api/keys').set('Authorization', `Bearer ${jwt}`).expect(200);
    assert.deepEqual(list.body.keys.map((k) => k.id), [id]);
    assert.equal(list.body.keys[0].prefix, key.slice(0, 14));
    assert.ok(!('key' in list.body.keys[0]));
    assert.ok(!JSON.stringify(list.body).includes(key.slice(14)));
    const one = await api.get(`/api/keys/${id}`).set('Authorization', `Bearer ${jwt}`).expect(200);
    assert.equal(one.body.status, 'active');

    // Another user sees nothing of alice's keys and cannot revoke them.
    const bobJwt = await login(api, 'bob', 'battery staple');
    assert.deepEqual((await api.get('/api/keys').set('Authorization', `Bearer ${bobJwt}`).expect(200)).body.keys, []);
    const foreign = await api.delete(`/api/keys/${id}`).set('Authorization', `Bearer ${bobJwt}`).expect(404);
    assert.equal(foreign.body.error, 'AUTH_004');

    const revoked = await api.delete(`/api/keys/${id}`).set('Authorization', `Bearer ${jwt}`).expect(200);
    assert.equal(revoked.body.status, 'revoked');
    const refused = await api.get('/api/compression/stats').set('X-API-Key', key).expect(401);
    assert.deepEqual(refused.body, { error: 'AUTH_004', message: 'API key not found, revoked or expired' });
    assert.match(refused.headers['www-authenticate'], /^ApiKey realm="api", header="X-API-Key"/);

    // Key management needs a signed-in user.
    await api.post('/api/keys').send({ name: 'x' }).expect(401);
    const bad = await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).send({ expires_at: '2001-01-01T00:00:00Z' }).expect(400);
    assert.deepEqual(bad.body, { error: 'AUTH_003', message: 'Malformed credentials', detail: 'expires_at must be in the future' });
    const escalate = await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).send({ scopes: ['*'] }).expect(400);
    assert.equal(escalate.body.detail, 'scopes may not exceed your own');

    // A mistyped key: AUTH_004, an unknown one too; a key of another grammar as well.
    const typo = key.slice(0, 20) + (key[20] === 'a' ? 'b' : 'a') + key.slice(21);
    assert.equal((await api.get('/api/compression/stats').set('X-API-Key', typo).expect(401)).body.error, 'AUTH_004');
    assert.equal((await api.get('/api/compression/stats').expect(401)).body.error, 'AUTH_001');

    // Nothing secret in node logs, status, or audit events.
    const seen = JSON.stringify([logs, events]);
    for (const secret of [key, key.slice(14), KEY_SECRET, crypto.createHmac('sha256', KEY_SECRET).update(key).digest('base64url')]) assert.ok(!seen.includes(secret));
    assert.ok(events.some((e) => e.method === 'api_key' && e.outcome === 'deny' && /revoked/.test(e.reason) && e.code === 'AUTH_004'));
  });

  it('a keys node reached without a signed-in user answers 401 AUTH_001 with a Bearer challenge (RFC 9110 §15.5.2)', async () => {
    const api = await kindly({ extra: route('open', '/api/open-keys', 'get', { type: 'authflow-keys', keyStore: 'ks', operation: 'list' }) });
    const res = await api.get('/api/open-keys').expect(401);
    assert.equal(res.body.error, 'AUTH_001');
    // No error attribute: no token was presented (RFC 6750 §3.1).
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="api"');
  });

  it('an API key cannot manage API keys: behind a key-store token check every operation is 403 AUTH_008, and nothing is minted', async () => {
    // The key API behind an X-API-Key check instead of a bearer node: a leaked key must not mint keys that outlive its revocation.
    const byKey = [['create', 'post', '/api/key/keys'], ['list', 'get', '/api/key/keys'], ['rotate', 'post', '/api/key/keys/:id/rotate'], ['revoke', 'delete', '/api/key/keys/:id']]
      .flatMap(([op, method, url]) => [
        { id: `k${op}-in`, type: 'http in', z: 'f1', url, method, wires: [[`k${op}-check`]] },
        { id: `k${op}-check`, type: 'authflow-token', z: 'f1', keySource: 'keystore', keyStore: 'ks', header: 'X-API-Key', wires: [[`k${op}-keys`], [`k${op}-out`]] },
        { id: `k${op}-keys`, type: 'authflow-keys', z: 'f1', keyStore: 'ks', operation: op, wires: [[`k${op}-out`], [`k${op}-out`]] },
        { id: `k${op}-out`, type: 'http response', z: 'f1', wires: [] },
      ]);
    api = await kindly({ extra: byKey });
    const jwt = await login(api);
    const { id, key } = (await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).send({ name: 'leaked' }).expect(201)).body;
    await api.get('/api/compression/stats').set('X-API-Key', key).expect(200); // the key itself works

    const refusals = [
      api.post('/api/key/keys').set('X-API-Key', key).send({ name: 'successor' }),
      api.get('/api/key/keys').set('X-API-Key', key),
      api.post(`/api/key/keys/${id}/rotate`).set('X-API-Key', key).send({}),
      api.delete(`/api/key/keys/${id}`).set('X-API-Key', key),
    ];
    for (const res of await Promise.all(refusals)) {
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { error: 'AUTH_008', message: 'Insufficient scope', detail: "API keys cannot manage API keys: use a signed-in user's token" });
    }
    const left = (await api.get('/api/keys').set('Authorization', `Bearer ${jwt}`).expect(200)).body.keys;
    assert.deepEqual(left.map((k) => [k.id, k.status]), [[id, 'active']], 'no key minted, rotated or revoked by a key');
    assert.ok(events.some((e) => e.outcome === 'deny' && e.code === 'AUTH_008' && /authenticated with an API key/.test(e.reason)));
  });

  it('rotation with grace: the old key keeps working with X-API-Key-Deprecated / X-API-Key-Sunset and an audit event; the new one plainly', async () => {
    api = await kindly();
    const jwt = await login(api);
    const { body: first } = await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).send({ name: 'svc', scopes: ['read:compression'] }).expect(201);
    const rotated = await api.post(`/api/keys/${first.id}/rotate`).set('Authorization', `Bearer ${jwt}`).send({}).expect(201);
    assert.notEqual(rotated.body.key, first.key);
    assert.equal(rotated.body.name, 'svc');
    assert.deepEqual(rotated.body.scopes, ['read:compression']);
    assert.equal(rotated.body.rotated_from, first.id);
    const sunset = Date.parse(rotated.body.previous.expires_at);
    assert.ok(Math.abs(sunset - (Date.now() + 86_400_000)) < 10_000, '24 h grace');
    events.length = 0;
    const old = await api.get('/api/compression/stats').set('X-API-Key', first.key).expect(200);
    assert.equal(old.headers['x-api-key-deprecated'], 'true');
    assert.equal(Date.parse(old.headers['x-api-key-sunset']), Math.floor(sunset / 1000) * 1000);
    assert.ok(events.some((e) => e.keyId === first.id && /grace period/.test(e.reason)));
    const fresh = await api.get('/api/compression/stats').set('X-API-Key', rotated.body.key).expect(200);
    assert.equal(fresh.headers['x-api-key-deprecated'], undefined);
    const list = await api.get('/api/keys').set('Authorization', `Bearer ${jwt}`).expect(200);
    assert.deepEqual(list.body.keys.map((k) => k.status).sort(), ['active', 'rotating']);
  });

  it('per-key IP rules use the address an ip node resolved behind a trusted proxy (403 AUTH_005 outside them)', async () => {
    api = await kindly({
      extra: [
        { id: 'p-in', type: 'http in', z: 'f1', url: '/api/proxied', method: 'get', wires: [['p-ip']] },
        { id: 'p-ip', type: 'authflow-ip', z: 'f1', allow: '0.0.0.0/0, ::/0', trustedProxies: '127.0.0.1, ::1', wires: [['p-token'], ['p-out']] },
        { id: 'p-token', type: 'authflow-token', z: 'f1', keySource: 'keystore', keyStore: 'ks', header: 'X-API-Key', wires: [['p-ok'], ['p-out']] },
        { id: 'p-ok', type: 'function', z: 'f1', func: 'msg.payload = { ip: msg.auth.ip }; return msg;', wires: [['p-out']] },
        { id: 'p-out', type: 'http response', z: 'f1', wires: [] },
      ],
    });
    const jwt = await login(api);
    const { body } = await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`)
      .send({ name: 'office', allowed_ips: ['203.0.113.0/24', '198.51.100.42'], denied_ips: ['203.0.113.66'] }).expect(201);
    const ok = await api.get('/api/proxied').set('X-API-Key', body.key).set('X-Forwarded-For', '203.0.113.5').expect(200);
    assert.equal(ok.body.ip, '203.0.113.5');
    const denied = await api.get('/api/proxied').set('X-API-Key', body.key).set('X-Forwarded-For', '203.0.113.66').expect(403);
    assert.equal(denied.body.error, 'AUTH_005');
    assert.equal((await api.get('/api/proxied').set('X-API-Key', body.key).set('X-Forwarded-For', '192.0.2.1').expect(403)).body.error, 'AUTH_005');
    // Without the ip node, the socket peer counts: 127.0.0.1 is not allowed.
    assert.equal((await api.get('/api/compression/stats').set('X-API-Key', body.key).expect(403)).body.error, 'AUTH_005');
  });

  it('envs: a route taking prod keys refuses a test key (AUTH_004); a broken key store fails closed (503 AUTH_011)', async () => {
    api = await kindly({ token: { keyEnvs: 'prod' } });
    const jwt = await login(api);
    const { body } = await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).send({ env: 'test' }).expect(201);
    assert.match(body.key, /^kapi_test_/);
    assert.equal((await api.get('/api/compression/stats').set('X-API-Key', body.key).expect(401)).body.error, 'AUTH_004');
    await helper.unload();
    api = await loadSession([
      TAB, { id: 'ks', type: 'authflow-key-store', name: 'no secret' },
      ...route('stats', '/api/x', 'get', { type: 'authflow-token', keySource: 'keystore', keyStore: 'ks', header: 'X-API-Key' }, { echo: true }),
    ], { ks: { secret: 'too short' } }, keyNodes);
    const res = await api.get('/api/x').set('X-API-Key', body.key).expect(503);
    assert.equal(res.body.error, 'AUTH_011');
  });
});
