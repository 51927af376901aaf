'use strict';
/**
 * authflow-hmac with the "API key store" secrets source, in a real Node-RED
 * runtime over real HTTP: a signed-in user creates an API key with a signing
 * secret through authflow-keys ({"signing": true}, shown once), the Kindly
 * guide's own Python client signs with it (X-API-Key carries the key) and is
 * accepted with msg.auth from the key record; a replay → AUTH_010; after a
 * revoke → AUTH_004. The strict scheme (X-Key-Id carries the key) with a JS
 * signer, and the keys node's "issue a signing secret" option.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { placed, helper, start, stop, loadSession, route, TAB, getRED } = require('./login-harness');
const { hashPasswordScrypt, auditEvents } = require('../../dist/lib/internal');

const SECRET = crypto.randomBytes(32).toString('base64url');
const KEY_SECRET = crypto.randomBytes(32).toString('base64url');
const CLIENT = path.join(__dirname, '../fixtures/kindly_client.py');
const nodeModules = ['keys/authflow-key-store', 'keys/authflow-keys', 'hmac/authflow-hmac'].map((f) => require(`../../dist/nodes/${f}.js`));
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

function python(args) {
  return new Promise((resolve, reject) => {
    execFile('python3', [CLIENT, ...args], { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(stdout.trim().split('\n').map((l) => JSON.parse(l)));
    });
  });
}

/** The strict canonical string (see the node's help), signed with node:crypto. */
function strictHeaders(apiKey, secret, method, target, body = '') {
  const [p, q = ''] = target.split('?');
  const ts = String(Math.floor(Date.now() / 1000));
  const n = crypto.randomBytes(16).toString('hex');
  const msg = ['AUTHFLOW-HMAC-SHA256', method, p, q, ts, n, sha(Buffer.from(body))].join('\n');
  return { 'X-Key-Id': apiKey, 'X-Timestamp': ts, 'X-Nonce': n, 'X-Signature': crypto.createHmac('sha256', secret).update(msg).digest('hex') };
}

describe('authflow-hmac with the API key store as its secrets source', function () {
  this.timeout(30000);
  const logs = [];
  const events = [];
  const onEvent = (e) => events.push(e);
  let users;
  let server;
  let base;

  before(async () => {
    await start();
    users = JSON.stringify([{ username: 'alice', password: await hashPasswordScrypt('correct horse'), scopes: ['orders:write'] }]);
    auditEvents.on('decision', onEvent);
    server = http.createServer((req, res) => getRED().httpNode(req, res));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(async () => {
    auditEvents.off('decision', onEvent);
    await new Promise((r) => server.close(r));
    await stop();
  });
  afterEach(() => helper.unload());

  async function deploy({ scheme = 'kindly', keysOption = {} } = {}) {
    const flow = [
      TAB,
      { id: 'iss', type: 'authflow-issuer', name: 'kindly', iss: 'https://api.kindly.test', aud: 'kindly' },
      { id: 'ks', type: 'authflow-key-store', name: 'keys' },
      ...route('login', '/api/auth/login', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'login' }),
      ...[['create', 'post', '/api/keys'], ['revoke', 'delete', '/api/keys/:id'], ['list', 'get', '/api/keys']].flatMap(([op, method, url]) => [
        { id: `${op}-in`, type: 'http in', z: 'f1', url, method, wires: [[`${op}-bearer`]] },
        { id: `${op}-bearer`, type: 'authflow-bearer', z: 'f1', keySource: 'issuer', issuer: 'iss', wires: [[`${op}-keys`], [`${op}-out`]] },
        { id: `${op}-keys`, type: 'authflow-keys', z: 'f1', keyStore: 'ks', operation: op, ...keysOption, wires: [[`${op}-out`], [`${op}-out`]] },
        { id: `${op}-out`, type: 'http response', z: 'f1', wires: [] },
      ].map(placed)),
      // The strict scheme signs the exact bytes: "Don't parse body".
      ...route('signed', '/signed', 'post', { type: 'authflow-hmac', mode: 'request', scheme, secretsType: 'keystore', keyStore: 'ks', respond: true }, { echo: true })
        .map((n) => (n.id === 'signed-in' ? { ...n, skipBodyParsing: scheme === 'strict' } : n)),
    ];
    const api = await loadSession(flow, { iss: { secret: SECRET }, login: { userList: users }, ks: { secret: KEY_SECRET } }, nodeModules);
    for (const id of ['signed', 'create-keys']) {
      const node = helper.getNode(id);
      if (!node) throw new Error(`node ${id} not deployed: ${helper.log().args.map((a) => String(a[0].msg)).join('; ')}`);
      for (const level of ['log', 'warn', 'error']) {
        const orig = node[level].bind(node);
        node[level] = (m) => { logs.push(String(m)); orig(m); };
      }
      const status = node.status.bind(node);
      node.status = (s) => { logs.push(JSON.stringify(s)); status(s); };
    }
    const jwt = (await api.post('/api/auth/login').send({ username: 'alice', password: 'correct horse' }).expect(200)).body.access_token;
    return { api, jwt };
  }

  it('Kindly: a key created with a signing secret signs with the guide\'s Python client; replay → AUTH_010; revoked → AUTH_004', async () => {
    const { api, jwt } = await deploy();
    const created = await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).send({ name: 'signer', signing: true }).expect(201);
    const { key, signing_secret: secret, id } = created.body;
    assert.match(secret, /^ksig_/);
    assert.equal(created.body.signing, true);
    const listed = await api.get('/api/keys').set('Authorization', `Bearer ${jwt}`).expect(200);
    assert.equal(listed.body.keys[0].signing, true);
    assert.ok(!JSON.stringify(listed.body).includes(secret), 'the list never shows the secret');
    assert.ok(!JSON.stringify(listed.body).includes('v1.'), 'nor its sealed form');

    const body = JSON.stringify({ order: 42, items: [{ sku: 'a', qty: 2 }] });
    const [first, again] = await python([base, 'POST', '/signed', key, secret, body, 'repeat']);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.auth.method, 'hmac');
    assert.equal(first.body.auth.keyId, id);
    assert.equal(first.body.auth.subject, 'alice');
    assert.deepEqual(first.body.auth.scopes, ['orders:write']);
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'AUTH_010', 'an exact replay');

    const [wrong] = await python([base, 'POST', '/signed', key, 'ksig_not-the-secret', body]);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'AUTH_010');

    await api.delete(`/api/keys/${id}`).set('Authorization', `Bearer ${jwt}`).expect(200);
    const [revoked] = await python([base, 'POST', '/signed', key, secret, body]);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error, 'AUTH_004');

    const text = logs.join('\n') + JSON.stringify(events);
    for (const s of [secret, secret.slice(5), key]) assert.ok(!text.includes(s), 'no secret or key in logs, status or audit events');
  });

  it('a key without a signing secret cannot sign (AUTH_004)', async () => {
    const { api, jwt } = await deploy();
    const { key } = (await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).send({ name: 'plain' }).expect(201)).body;
    const [res] = await python([base, 'POST', '/signed', key, 'ksig_anything', JSON.stringify({ a: 1 })]);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'AUTH_004');
  });

  it('strict scheme (X-Key-Id carries the key) with the keys node option "issue a signing secret"', async () => {
    const { api, jwt } = await deploy({ scheme: 'strict', keysOption: { signing: true } });
    const created = await api.post('/api/keys').set('Authorization', `Bearer ${jwt}`).send({ name: 'strict' }).expect(201);
    const { key, signing_secret: secret, id } = created.body;
    assert.match(secret, /^ksig_/, 'issued by the node option without asking in the body');
    const body = '{"a":1}';
    const headers = strictHeaders(key, secret, 'POST', '/signed', body);
    const ok = await api.post('/signed').set(headers).set('Content-Type', 'application/json').send(body);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.auth.keyId, id);
    const replay = await api.post('/signed').set(headers).set('Content-Type', 'application/json').send(body);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, 'AUTH_010');
    await api.delete(`/api/keys/${id}`).set('Authorization', `Bearer ${jwt}`).expect(200);
    const after = await api.post('/signed').set(strictHeaders(key, secret, 'POST', '/signed', body)).set('Content-Type', 'application/json').send(body);
    assert.equal(after.status, 401);
    assert.equal(after.body.error, 'AUTH_004');
  });
});
