'use strict';
const { REDIS_URL } = require('../support/services');
/**
 * The OAuth 2.0 server behind a load balancer: two REAL Node-RED processes,
 * the same flows (authflow-store on one Redis, an issuer with rotating
 * signing keys, the oauth2 endpoints, a partner API `bearer → scope`).
 *  - a token from instance A works at instance B;
 *  - revoking a JWT access token at A is refused by B on its next request
 *    (the jti deny list in the shared store, RFC 7009);
 *  - a rotation at A: B verifies the new key's token at once and the old
 *    key's token until it expires; both publish the same JWKS.
 * Each run uses its own Redis key prefix and deletes its keys afterwards.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const { sharedRedisInstances } = require('../support/node-red-instances');
const { version } = require('../support/node-red-version');
const { ClientSecretHasher } = require('../../dist/lib/internal');

const RUN = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const PREFIX = `authflow_oauth2_${RUN}:`;
const KEY = crypto.randomBytes(32).toString('base64url');
const acme = new ClientSecretHasher(KEY).generate('acme');
const ISS = 'https://auth.example.test';

function route(id, url, method, node, next) {
  return [
    { id: `${id}-in`, type: 'http in', z: 'tab', url, method, x: 100, y: 100, wires: [[id]] },
    { id, z: 'tab', x: 300, y: 100, ...node, wires: [[next || `${id}-out`], [`${id}-out`]] },
    { id: `${id}-out`, type: 'http response', z: 'tab', x: 500, y: 100, wires: [] },
  ];
}

function oauthFlow() {
  const op = (operation) => ({ type: 'authflow-oauth2', server: 'srv', operation, respond: false });
  const flows = [
    { id: 'tab', type: 'tab', label: 'oauth2 scale-out' },
    { id: 'store', type: 'authflow-store', backend: 'redis', keyPrefix: PREFIX, timeout: 2000 },
    { id: 'iss', type: 'authflow-issuer', iss: ISS, aud: 'https://api.example.test', accessTtl: 600, store: 'store', keyMode: 'rotating', alg: 'ES256', rotateDays: 30 },
    { id: 'srv', type: 'authflow-oauth2-server', issuer: 'iss', clientsType: 'cred' },
    ...route('token', '/oauth/token', 'post', op('token')),
    ...route('revoke', '/oauth/revoke', 'post', op('revoke')),
    ...route('jwks', '/oauth/jwks', 'get', op('jwks')),
    // Test-only: over HTTP, rotate needs an authenticated caller (a real flow puts its own admin check
    // in front, or triggers it from an inject node); this function node stands in for that check.
    { id: 'rotate-in', type: 'http in', z: 'tab', url: '/test/rotate', method: 'post', x: 100, y: 300, wires: [['rotate-admin']] },
    { id: 'rotate-admin', type: 'function', z: 'tab', x: 200, y: 300, func: "msg.auth = { method: 'test-admin', subject: 'ops', scopes: [] }; return msg;", wires: [['rotate']] },
    { id: 'rotate', z: 'tab', x: 300, y: 300, ...op('rotate'), wires: [['rotate-out'], ['rotate-out']] },
    { id: 'rotate-out', type: 'http response', z: 'tab', x: 500, y: 300, wires: [] },
    ...route('api', '/api', 'get', { type: 'authflow-bearer', keySource: 'issuer', issuer: 'iss' }, 'scope'),
    { id: 'scope', type: 'authflow-scope', z: 'tab', x: 400, y: 200, scopes: 'orders:read', scopesType: 'str', wires: [['api-ok'], ['api-out']] },
    { id: 'api-ok', type: 'function', z: 'tab', x: 500, y: 200, func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', wires: [['api-out']] },
  ];
  const creds = {
    store: { redisUrl: REDIS_URL },
    iss: { dataKey: crypto.randomBytes(32).toString('base64url') },
    srv: { secretKey: KEY, clientList: JSON.stringify([{ client_id: 'acme', client_secrets: [acme.hash], scope: 'orders:read' }]) },
  };
  return { flows, creds };
}

const bounded = (req) => req.timeout({ response: 5000, deadline: 10000 });
const basic = 'Basic ' + Buffer.from(`acme:${acme.secret}`).toString('base64');
const kidOf = (t) => JSON.parse(Buffer.from(t.split('.')[0], 'base64url')).kid;

describe(`e2e: the OAuth 2.0 server on two Node-RED ${version} processes sharing one Redis`, function () {
  this.timeout(60000);
  let A;
  let B;
  // A first: it creates the signing keys; B reads them (both racing would be fine too: the first write wins).
  const instances = sharedRedisInstances({ keyPrefix: PREFIX, flow: oauthFlow, sequential: true, dirPrefix: 'authflow-oauth2' });
  before(() => { [A, B] = instances; });

  const token = async (inst) => {
    const res = await bounded(inst.api.post('/oauth/token').type('form').set('Authorization', basic).send({ grant_type: 'client_credentials' }));
    assert.equal(res.status, 200, `${inst.name}: ${res.text}`);
    return res.body.access_token;
  };
  const api = (inst, t) => bounded(inst.api.get('/api').set('Authorization', `Bearer ${t}`));

  it('a token from A works at B; revoked at A, B refuses it on its next request', async () => {
    const t = await token(A);
    assert.equal((await api(B, t)).status, 200);
    assert.equal((await api(B, t)).status, 200, 'now in B\'s verified-token cache');
    const revoked = await bounded(A.api.post('/oauth/revoke').type('form').set('Authorization', basic).send({ token: t }));
    assert.equal(revoked.status, 200);
    const res = await api(B, t);
    assert.equal(res.status, 401);
    assert.match(res.headers['www-authenticate'], /error="invalid_token"/);
    assert.equal((await api(A, t)).status, 401);
  });

  it('rotation at A: B verifies the new key at once and the old key until expiry; both publish the same keys', async () => {
    const old = await token(A);
    const rotated = await bounded(A.api.post('/test/rotate'));
    assert.equal(rotated.status, 200, rotated.text);
    assert.deepEqual(rotated.body.retiring, [kidOf(old)]);
    const fresh = await token(A);
    assert.equal(kidOf(fresh), rotated.body.active);
    assert.equal((await api(B, fresh)).status, 200);
    assert.equal((await api(B, old)).status, 200);
    // Meeting a token of what it knew as `next` tells B a rotation happened: it re-reads the keys at once
    // (not at its next 30 s refresh) and signs with the new key too.
    let fromB;
    for (let i = 0; i < 20 && kidOf(fromB = await token(B)) !== rotated.body.active; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(kidOf(fromB), rotated.body.active, 'B signs with the new key after it meets it');
    const [ja, jb] = await Promise.all([A, B].map((i) => bounded(i.api.get('/oauth/jwks'))));
    assert.deepEqual(ja.body.keys.map((k) => k.kid).sort(), jb.body.keys.map((k) => k.kid).sort());
    assert.equal(ja.body.keys.length, 3);
  });
});
