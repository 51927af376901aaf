'use strict';
/**
 * Signing-key rotation through the nodes: an issuer with "generated and
 * rotated in the store" keys, the oauth2 token endpoint, the JWKS, a bearer
 * node on the same issuer, and an oauth2 node with operation "rotate"
 * triggered from the flow. A token of the old key keeps verifying after the
 * rotation; a token of the new key verifies at once; the JWKS publishes
 * next, active and retiring (checked with jose's remote JWK Set).
 */
const assert = require('node:assert/strict');
const { start, stop, helper } = require('../support/flow-harness');
const { loadOAuthFlow, listen, freePort, client, basic } = require('./oauth2-harness');

const ACME = client('acme', { scope: 'orders:read' });
const kidOf = (t) => JSON.parse(Buffer.from(t.split('.')[0], 'base64url')).kid;

describe('authflow-oauth2 with rotating signing keys', function () {
  this.timeout(30000);
  let request; let iss; let server; let jose;

  before(async () => {
    jose = await import('jose');
    await start();
    const port = await freePort();
    ({ request, iss } = await loadOAuthFlow({
      port,
      clients: [ACME.record],
      issuer: { keyMode: 'rotating', rotateDays: 30, alg: 'EdDSA' },
      issuerCreds: { dataKey: 'a-data-key-of-at-least-thirty-two-bytes!' },
      extraNodes: [
        { id: 'rotate', type: 'authflow-oauth2', server: 'srv', operation: 'rotate', respond: false, wires: [['rotated'], ['rotated']] },
        { id: 'rotated', type: 'helper', wires: [] },
      ],
    }));
    server = await listen(port);
  });
  after(async () => {
    await server?.close();
    await stop();
  });

  const token = async () => {
    const res = await request.post('/oauth/token').type('form').set('Authorization', basic('acme', ACME.secret)).send({ grant_type: 'client_credentials' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token;
  };
  const api = (t) => request.get('/api/orders').set('Authorization', `Bearer ${t}`);
  const rotate = () => new Promise((resolve) => {
    helper.getNode('rotated').once('input', (msg) => resolve(msg));
    helper.getNode('rotate').receive({ payload: 'now' });
  });

  it('publishes the next key before it signs; rotation by hand keeps old tokens valid and new ones verify at once', async () => {
    const before = await token();
    assert.equal((await api(before)).status, 200);
    const jwks1 = (await request.get('/oauth/jwks')).body.keys;
    assert.equal(jwks1.length, 2, 'active + next');
    assert.ok(jwks1.every((k) => k.alg === 'EdDSA' && k.d === undefined && k.kid));
    const nextKid = jwks1.map((k) => k.kid).find((k) => k !== kidOf(before));

    const msg = await rotate();
    assert.equal(msg.statusCode, 200);
    assert.equal(msg.payload.active, nextKid, 'the published next key signs now');
    assert.deepEqual(msg.payload.retiring, [kidOf(before)]);

    const after = await token();
    assert.equal(kidOf(after), nextKid);
    assert.equal((await api(after)).status, 200, 'new key verifies at once');
    assert.equal((await api(before)).status, 200, 'old key verifies until its tokens expire');

    const JWKS = jose.createRemoteJWKSet(new URL(`${iss}/oauth/jwks`));
    for (const t of [before, after]) await jose.jwtVerify(t, JWKS, { issuer: iss, typ: 'at+jwt' });
    assert.equal((await request.get('/oauth/jwks')).body.keys.length, 3, 'next, active, retiring');
  });
});
