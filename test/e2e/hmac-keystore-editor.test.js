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
const os = require('node:os');
const path = require('node:path');
const supertest = require('supertest');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { launchBrowser, openEditor, editNode, deploy, recordFailure, ARTIFACTS } = require('../support/browser');
const { serviceMissing } = require('../support/services');
const { hashPasswordScrypt } = require('../../dist/lib');

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
  let red, browser, page, port, userDir, api;

  before(async function () {
    try {
      browser = await launchBrowser();
    } catch (err) {
      serviceMissing(this, err.message);
    }
    port = await freePort();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-hmac-keystore-ui-'));
    const z = 'tab1';
    const chain = (id, url, method, node, y) => [
      { id: `${id}-in`, type: 'http in', z, url, method, x: 120, y, wires: [[`${id}-bearer`]] },
      { id: `${id}-bearer`, type: 'authflow-bearer', z, keySource: 'issuer', issuer: 'iss', x: 320, y, wires: [[id], [`${id}-out`]] },
      { id, type: 'authflow-keys', z, x: 520, y, keyStore: 'ks', ...node, wires: [[`${id}-out`], [`${id}-out`]] },
      { id: `${id}-out`, type: 'http response', z, x: 720, y, wires: [] },
    ];
    const users = JSON.stringify([{ username: 'alice', password: await hashPasswordScrypt('alice-password', { ln: 10 }), scopes: ['orders:write'] }]);
    const flows = [
      { id: z, type: 'tab', label: 'signing keys UI' },
      { id: 'iss', type: 'authflow-issuer', name: 'issuer', iss: 'https://ui.example.test', aud: 'ui' },
      { id: 'ks', type: 'authflow-key-store', name: 'ui keys' },
      { id: 'login-in', type: 'http in', z, url: '/login', method: 'post', x: 120, y: 60, wires: [['login']] },
      { id: 'login', type: 'authflow-login', z, issuer: 'iss', operation: 'login', x: 320, y: 60, wires: [['login-out'], ['login-out']] },
      { id: 'login-out', type: 'http response', z, x: 520, y: 60, wires: [] },
      ...chain('create', '/keys', 'post', { operation: 'create' }, 140),
      ...chain('revoke', '/keys/:id', 'delete', { operation: 'revoke' }, 220),
      { id: 'sig-in', type: 'http in', z, url: '/signed', method: 'post', skipBodyParsing: true, x: 120, y: 300, wires: [['sig']] },
      { id: 'sig', type: 'authflow-hmac', z, x: 320, y: 300, respond: true, wires: [['sig-ok'], []] },
      { id: 'sig-ok', type: 'function', z, x: 520, y: 300, func: 'msg.payload = { auth: msg.auth }; return msg;', wires: [['sig-out']] },
      { id: 'sig-out', type: 'http response', z, x: 720, y: 300, wires: [] },
    ];
    prepareUserDir(userDir, {
      port, flows,
      creds: { iss: { secret: 'ui-issuer-secret-0123456789abcdef0123' }, login: { userList: users }, ks: { secret: crypto.randomBytes(32).toString('base64url') } },
    });
    red = await startNodeRed(userDir, port);
    api = supertest(`http://127.0.0.1:${port}`);
    page = await openEditor(browser, port, { node: 'sig' });
  });

  afterEach(async function () {
    await recordFailure(this, page, 'failed-hmac-keystore-dialog', red);
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('"issue a signing secret" and the "API key store" source reach the runtime', async () => {
    await editNode(page, 'create', async () => {
      await page.locator('#node-input-signing').check();
    });
    await editNode(page, 'revoke', async () => {
      assert.equal(await page.locator('#node-input-signing').isVisible(), false, 'only for create and rotate');
    });
    await editNode(page, 'sig', async () => {
      assert.equal(await page.locator('#node-input-keyStore').isVisible(), false, 'the key store row hides for other sources');
      const container = page.locator('#node-input-secrets + .red-ui-typedInput-container');
      await container.locator('button.red-ui-typedInput-type-select').click();
      await page.locator('.red-ui-typedInput-options:visible a[value="keystore"]').click();
      await page.locator('#node-input-keyStore').selectOption('ks');
      assert.equal(await page.locator('#node-input-secretList').isVisible(), false, 'no secret list for the key store');
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-hmac-keystore.png') });
    });
    await deploy(page);

    let jwt;
    for (let i = 0; i < 50 && !jwt; i++) {
      const res = await api.post('/login').send({ username: 'alice', password: 'alice-password' });
      if (res.status === 200) jwt = res.body.access_token;
      else await new Promise((r) => setTimeout(r, 100));
    }
    const auth = { Authorization: `Bearer ${jwt}` };
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
