'use strict';
/**
 * The new dialog options for API key signing secrets in a real browser
 * (chromium + playwright-core) against a real Node-RED, then proven over real
 * HTTP: the keys node's "issue a signing secret" (a create without
 * {"signing": true} still answers signing_secret) and the signature node's
 * secrets source "API key store" with its key store (a request signed with
 * that secret, the API key in X-Key-Id, is accepted; after a revoke, AUTH_004).
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { editNode, pickTypedInputType, deploy, ARTIFACTS } = require('../support/browser');
const { keyDialogsSetup, keysChain, loginAlice, Z } = require('../support/key-dialogs');

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** The strict canonical string (the signature node's help), the API key in X-Key-Id. */
function strictHeaders(apiKey, secret, method, target, body) {
  const ts = String(Math.floor(Date.now() / 1000));
  const n = crypto.randomBytes(16).toString('hex');
  const msg = ['AUTHFLOW-HMAC-SHA256', method, target, '', ts, n, sha(Buffer.from(body))].join('\n');
  return { 'X-Key-Id': apiKey, 'X-Timestamp': ts, 'X-Nonce': n, 'X-Signature': crypto.createHmac('sha256', secret).update(msg).digest('hex') };
}

describe('API key signing secret options in a real browser, proven over HTTP', function () {
  this.timeout(180000);
  const ui = keyDialogsSetup({
    name: 'hmac-keystore', label: 'signing keys UI', scopes: ['orders:write'], openOn: 'sig',
    nodes: [
      ...keysChain('create', '/keys', 'post', { keyStore: 'ks', operation: 'create' }, 140),
      ...keysChain('revoke', '/keys/:id', 'delete', { keyStore: 'ks', operation: 'revoke' }, 220),
      { id: 'sig-in', type: 'http in', z: Z, url: '/signed', method: 'post', skipBodyParsing: true, x: 120, y: 300, wires: [['sig']] },
      { id: 'sig', type: 'authflow-hmac', z: Z, x: 320, y: 300, respond: true, wires: [['sig-ok'], []] },
      { id: 'sig-ok', type: 'function', z: Z, x: 520, y: 300, func: 'msg.payload = { auth: msg.auth }; return msg;', wires: [['sig-out']] },
      { id: 'sig-out', type: 'http response', z: Z, x: 720, y: 300, wires: [] },
    ],
    creds: { ks: { secret: crypto.randomBytes(32).toString('base64url') } },
  });

  it('"issue a signing secret" and the "API key store" source reach the runtime', async () => {
    const { page, api, red, userDir } = ui;
    await editNode(page, 'create', async () => {
      await page.locator('#node-input-signing').check();
    });
    await editNode(page, 'revoke', async () => {
      assert.equal(await page.locator('#node-input-signing').isVisible(), false, 'only for create and rotate');
    });
    await editNode(page, 'sig', async () => {
      assert.equal(await page.locator('#node-input-keyStore').isVisible(), false, 'the key store row hides for other sources');
      const container = page.locator('#node-input-secrets + .red-ui-typedInput-container');
      await pickTypedInputType(page, container.locator('button.red-ui-typedInput-type-select'), 'keystore');
      await page.locator('#node-input-keyStore').selectOption('ks');
      // No secret list for the key store (waited for: the typedInput's change handler may run after the click).
      await page.locator('#node-input-secretList').waitFor({ state: 'hidden', timeout: 5000 });
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-hmac-keystore.png') });
    });
    await deploy(page);

    const auth = await loginAlice(api);
    const created = await api.post('/keys').set(auth).send({ name: 'ui signer' }).expect(201);
    const { key, signing_secret: secret, id } = created.body;
    assert.match(secret, /^ksig_/, 'the dialog option issues a signing secret without asking in the body');
    const body = '{"order":1}';
    const ok = await api.post('/signed').set(strictHeaders(key, secret, 'POST', '/signed', body)).set('Content-Type', 'application/json').send(body);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.auth.method, 'hmac');
    assert.equal(ok.body.auth.keyId, id);
    assert.equal(ok.body.auth.subject, 'alice');
    await api.delete(`/keys/${id}`).set(auth).expect(200);
    const revoked = await api.post('/signed').set(strictHeaders(key, secret, 'POST', '/signed', body)).set('Content-Type', 'application/json').send(body);
    assert.deepEqual([revoked.status, revoked.body.error], [401, 'AUTH_004']);
    assert.ok(!red.log().includes(secret) && !red.log().includes(key), 'neither the key nor its secret in the log');
    assert.ok(!fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8').includes(secret));
  });
});
