'use strict';
/**
 * authflow-oauth2-server with clients source "store" (lib/oauth2/client-store.ts)
 * over real HTTP: a client created in the issuer's store gets a token with
 * client_secret_basic and calls the partner API with it; a rotated-out
 * secret keeps working during its grace and stops when the grace is over;
 * a revoked secret and a disabled client get invalid_client; revoke and
 * introspect find the store's clients too.
 */
const assert = require('node:assert/strict');
const { start, stop, helper } = require('../support/flow-harness');
const { loadOAuthFlow, listen, freePort, basic } = require('./oauth2-harness');

const FORM = 'application/x-www-form-urlencoded';

describe('authflow-oauth2 with clients in the store, over real HTTP', function () {
  this.timeout(30000);
  let port; let iss; let http; let registry;

  before(async () => {
    await start();
    port = await freePort();
    ({ iss } = await loadOAuthFlow({ port, server: { clientsType: 'store' } }));
    http = await listen(port);
    registry = helper.getNode('srv').oauth().registry;
  });
  after(async () => {
    await http?.close();
    await helper.unload();
    await stop();
  });

  const post = (path, body, auth) => fetch(iss + path, {
    method: 'POST', body, headers: { 'Content-Type': FORM, ...(auth ? { Authorization: auth } : {}) },
  }).then(async (res) => ({ status: res.status, headers: res.headers, body: await res.json().catch(() => undefined) }));
  const token = (id, secret, body = 'grant_type=client_credentials') => post('/oauth/token', body, basic(id, secret));

  it('a client created in the store gets a token with client_secret_basic and calls the API with it; introspect and revoke know it', async () => {
    const { client, client_secret: secret } = await registry.create({ client_name: 'ACME', scope: 'orders:read orders:write', default_scope: 'orders:read' });
    const res = await token(client.client_id, secret);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.scope, 'orders:read');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const api = await fetch(`${iss}/api/orders`, { headers: { Authorization: `Bearer ${res.body.access_token}` } });
    assert.equal(api.status, 200);
    assert.equal((await api.json()).auth.clientId, client.client_id);
    const seen = await post('/oauth/introspect', `token=${res.body.access_token}`, basic(client.client_id, secret));
    assert.equal(seen.body.active, true);
    assert.equal(seen.body.client_id, client.client_id);
    assert.equal((await post('/oauth/revoke', `token=${res.body.access_token}`, basic(client.client_id, secret))).status, 200);
    const after = await fetch(`${iss}/api/orders`, { headers: { Authorization: `Bearer ${res.body.access_token}` } });
    assert.equal(after.status, 401, 'revoked through the store client');
  });

  it('rotation: the old secret works during its grace, the new one at once; grace 0 ends the old one; a revoked secret is refused', async () => {
    const { client, client_secret: first } = await registry.create({ scope: 'orders:read' });
    const id = client.client_id;
    const second = await registry.addSecret(id, 3600);
    assert.equal((await token(id, first)).status, 200, 'old secret inside its grace');
    assert.equal((await token(id, second.client_secret)).status, 200, 'new secret');
    const third = await registry.addSecret(id, 0);
    for (const old of [first, second.client_secret]) {
      const res = await token(id, old);
      assert.equal(res.status, 401, 'grace over');
      assert.equal(res.body.error, 'invalid_client');
      assert.match(res.headers.get('www-authenticate'), /^Basic realm="oauth"/);
    }
    assert.equal((await token(id, third.client_secret)).status, 200);
    await registry.revokeSecret(id, third.secret_id);
    assert.equal((await token(id, third.client_secret)).body.error, 'invalid_client');
  });

  it('a disabled client gets invalid_client at once, and a token again when enabled; an unknown client is invalid_client', async () => {
    const { client, client_secret: secret } = await registry.create({ scope: 'orders:read' });
    await registry.setEnabled(client.client_id, false);
    const res = await token(client.client_id, secret);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
    assert.ok(!JSON.stringify(res.body).includes(secret), 'the secret is never echoed');
    await registry.setEnabled(client.client_id, true);
    assert.equal((await token(client.client_id, secret)).status, 200);
    assert.equal((await token('afc_nobody', secret)).body.error, 'invalid_client');
  });
});
