'use strict';
/** examples/13 API keys (Kindly).json, deployed as shipped, driven by the curl lines of its comment (as HTTP requests). */
const assert = require('node:assert/strict');
const path = require('node:path');
const { helper, start, stop, loadSession } = require('./login-harness');

const FILE = path.join(__dirname, '..', '..', 'examples', '13 API keys (Kindly).json');
const extra = ['keys/authflow-key-store', 'keys/authflow-keys', 'token/authflow-token'].map((f) => require(`../../dist/nodes/${f}.js`));

describe('example 13: API keys (Kindly)', function () {
  this.timeout(30000);
  let api;
  before(async () => {
    await start();
    const flow = require(FILE).filter((n) => n.type !== 'comment').map((n) => ({ ...n }));
    const credentials = {};
    for (const n of flow) if (n.credentials) { credentials[n.id] = n.credentials; delete n.credentials; }
    api = await loadSession(flow, credentials, extra);
  });
  after(async () => { await helper.unload(); await stop(); });

  it('its comment lists the guide\'s curl lines for every step', () => {
    const comment = require(FILE).find((n) => n.type === 'comment').info;
    for (const line of ['/api/auth/register', '/api/auth/login', 'POST http', '/api/keys', 'X-API-Key: $KEY', 'curl -X DELETE', '/rotate', 'ip_whitelist', 'allowed_ips', 'denied_ips']) {
      assert.ok(comment.includes(line) || comment.includes(line.replace('POST http', '-X POST')), line);
    }
  });

  it('register → login → create → use → list → revoke → rotate with grace → per-key IP rules, as the comment shows', async () => {
    const B = '/kindly';
    await api.post(`${B}/api/auth/register`).send({ email: 'user@example.com', password: 'SecureP@ssw0rd!', name: 'John Doe' }).expect(201);
    const jwt = (await api.post(`${B}/api/auth/login`).send({ email: 'user@example.com', password: 'SecureP@ssw0rd!' }).expect(200)).body.access_token;
    const auth = { Authorization: `Bearer ${jwt}` };
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) + 'T00:00:00Z';
    const created = (await api.post(`${B}/api/keys`).set(auth).send({ name: 'Production Server', expires_at: expires }).expect(201)).body;
    assert.match(created.key, /^kapi_prod_/);
    const stats = await api.get(`${B}/api/compression/stats`).set('X-API-Key', created.key).expect(200);
    assert.deepEqual(stats.body, { compressed: 1024, saved_bytes: 73728, key_id: created.id, owner: 'user@example.com' });
    assert.deepEqual((await api.get(`${B}/api/keys`).set(auth).expect(200)).body.keys.map((k) => k.id), [created.id]);
    await api.delete(`${B}/api/keys/${created.id}`).set(auth).expect(200);
    assert.equal((await api.get(`${B}/api/compression/stats`).set('X-API-Key', created.key).expect(401)).body.error, 'AUTH_004');

    const old = (await api.post(`${B}/api/keys`).set(auth).send({ name: 'svc' }).expect(201)).body;
    const rotated = (await api.post(`${B}/api/keys/${old.id}/rotate`).set(auth).send({}).expect(201)).body;
    const during = await api.get(`${B}/api/compression/stats`).set('X-API-Key', old.key).expect(200);
    assert.equal(during.headers['x-api-key-deprecated'], 'true');
    assert.ok(during.headers['x-api-key-sunset']);
    assert.equal((await api.get(`${B}/api/compression/stats`).set('X-API-Key', rotated.key).expect(200)).headers['x-api-key-deprecated'], undefined);

    const local = (await api.post(`${B}/api/keys`).set(auth).send({ name: 'Development - Local Testing', permissions: ['read:compression'], ip_whitelist: ['127.0.0.1', '::1'] }).expect(201)).body;
    assert.deepEqual(local.scopes, ['read:compression']);
    await api.get(`${B}/api/compression/stats`).set('X-API-Key', local.key).expect(200);
    const prod = (await api.post(`${B}/api/keys`).set(auth).send({ name: 'Production Server', allowed_ips: ['203.0.113.0/24', '198.51.100.42'], denied_ips: ['192.168.0.0/16', '10.0.0.0/8'] }).expect(201)).body;
    assert.equal((await api.get(`${B}/api/compression/stats`).set('X-API-Key', prod.key).expect(403)).body.error, 'AUTH_005');
    await api.get(`${B}/api/proxied/stats`).set('X-API-Key', prod.key).set('X-Forwarded-For', '203.0.113.42').expect(200);
    assert.equal((await api.get(`${B}/api/proxied/stats`).set('X-API-Key', prod.key).set('X-Forwarded-For', '10.1.2.3').expect(403)).body.error, 'AUTH_005');
    // Least privilege: no key with more than the registered user's scopes.
    assert.equal((await api.post(`${B}/api/keys`).set(auth).send({ permissions: ['*'] }).expect(400)).body.error, 'AUTH_003');
  });
});
