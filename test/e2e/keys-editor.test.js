'use strict';
/**
 * The API key dialogs in a real browser (chromium + playwright-core) against
 * a real Node-RED, then proven over real HTTP:
 *  - the api key store config node: prefix, default env, lifetimes, grace,
 *    keys per user, and the hashing secret the dialog generates;
 *  - api keys nodes: key store, operation (create / rotate / revoke), scope
 *    policy, respond automatically;
 *  - the auth token node: header X-API-Key, keys from a key store, envs.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const supertest = require('supertest');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { launchBrowser, openEditor, editNode, deploy, recordFailure, ARTIFACTS } = require('../support/browser');
const { serviceMissing } = require('../support/services');
const { hashPasswordScrypt } = require('../../dist/lib');


describe('API key dialogs in a real browser, proven over HTTP', function () {
  this.timeout(180000);
  let red, browser, page, port, userDir, api;

  before(async function () {
    try {
      browser = await launchBrowser();
    } catch (err) {
      serviceMissing(this, err.message);
    }
    port = await freePort();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-keys-ui-'));
    const z = 'tab1';
    const chain = (id, url, method, node, y, wire = true) => [
      { id: `${id}-in`, type: 'http in', z, url, method, x: 120, y, wires: [[`${id}-bearer`]] },
      { id: `${id}-bearer`, type: 'authflow-bearer', z, keySource: 'issuer', issuer: 'iss', x: 320, y, wires: [[id], [`${id}-out`]] },
      { id, type: 'authflow-keys', z, x: 520, y, ...node, wires: [wire ? [`${id}-out`] : [], [`${id}-out`]] },
      { id: `${id}-out`, type: 'http response', z, x: 720, y, wires: [] },
    ];
    const users = JSON.stringify([{ username: 'alice', password: await hashPasswordScrypt('alice-password', { ln: 10 }), scopes: ['read'] }]);
    const flows = [
      { id: z, type: 'tab', label: 'keys UI' },
      { id: 'iss', type: 'authflow-issuer', name: 'issuer', iss: 'https://ui.example.test', aud: 'ui' },
      { id: 'ks', type: 'authflow-key-store', name: 'ui keys' },
      { id: 'login-in', type: 'http in', z, url: '/login', method: 'post', x: 120, y: 60, wires: [['login']] },
      { id: 'login', type: 'authflow-login', z, issuer: 'iss', operation: 'login', x: 320, y: 60, wires: [['login-out'], ['login-out']] },
      { id: 'login-out', type: 'http response', z, x: 520, y: 60, wires: [] },
      ...chain('create', '/keys', 'post', {}, 140, false),
      ...chain('rotate', '/keys/:id/rotate', 'post', {}, 220),
      ...chain('revoke', '/keys/:id', 'delete', {}, 300),
      { id: 'use-in', type: 'http in', z, url: '/data', method: 'get', x: 120, y: 380, wires: [['tok']] },
      { id: 'tok', type: 'authflow-token', z, x: 320, y: 380, wires: [['use-ok'], ['use-out']] },
      { id: 'use-ok', type: 'function', z, x: 520, y: 380, func: 'msg.payload = { auth: msg.auth }; return msg;', wires: [['use-out']] },
      { id: 'use-out', type: 'http response', z, x: 720, y: 380, wires: [] },
    ];
    prepareUserDir(userDir, { port, flows, creds: { iss: { secret: 'ui-issuer-secret-0123456789abcdef0123' }, login: { userList: users } } });
    red = await startNodeRed(userDir, port);
    api = supertest(`http://127.0.0.1:${port}`);
    page = await openEditor(browser, port, { node: 'tok' });
  });

  afterEach(async function () {
    await recordFailure(this, page, 'failed-keys-dialog', red);
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('every option set in the dialogs reaches the runtime', async () => {
    let generated;
    await editNode(page, 'ks', async () => {
      generated = await page.locator('#node-config-input-secret').inputValue();
      assert.match(generated, /^[A-Za-z0-9_-]{43}$/, 'a new key store gets a 256-bit secret from the dialog');
      await page.locator('#node-config-input-prefix').fill('acme');
      await page.locator('#node-config-input-defaultEnv').selectOption('test');
      await page.locator('#node-config-input-lifetimeDays').fill('30');
      await page.locator('#node-config-input-maxLifetimeDays').fill('60');
      await page.locator('#node-config-input-graceHours').fill('2');
      await page.locator('#node-config-input-maxKeysPerOwner').fill('3');
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-key-store.png') });
    });
    await editNode(page, 'create', async () => {
      await page.locator('#node-input-keyStore').selectOption('ks');
      await page.locator('#node-input-operation').selectOption('create');
      await page.locator('#node-input-scopePolicy').selectOption('any');
      await page.locator('#node-input-respond').check();
      await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-keys.png') });
    });
    await editNode(page, 'rotate', async () => {
      await page.locator('#node-input-keyStore').selectOption('ks');
      await page.locator('#node-input-operation').selectOption('rotate');
      // Rotation re-checks the key's scopes against the owner's under "creator": the '*' key below needs "any".
      await page.locator('#node-input-scopePolicy').selectOption('any');
    });
    await editNode(page, 'revoke', async () => {
      await page.locator('#node-input-keyStore').selectOption('ks');
      await page.locator('#node-input-operation').selectOption('revoke');
      assert.equal(await page.locator('#node-input-scopePolicy').isVisible(), false, 'scope policy only for create and rotate');
    });
    await editNode(page, 'tok', async () => {
      await page.locator('#node-input-header-apikey').click();
      await page.locator('#node-input-keySource').selectOption('keystore');
      assert.equal(await page.locator('#node-input-tokens').locator('xpath=..').isVisible(), false, 'the list row hides');
      await page.locator('#node-input-keyStore').selectOption('ks');
      await page.locator('#node-input-keyEnvs').fill('test');
      await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-token-keystore.png') });
    });
    await deploy(page);

    let jwt;
    for (let i = 0; i < 50 && !jwt; i++) {
      const res = await api.post('/login').send({ username: 'alice', password: 'alice-password' });
      if (res.status === 200) jwt = res.body.access_token;
      else await new Promise((r) => setTimeout(r, 100));
    }
    const auth = { Authorization: `Bearer ${jwt}` };
    // Key store: prefix acme, default env test, default lifetime 30 days, max 60.
    const created = await api.post('/keys').set(auth).send({ name: 'ui', scopes: ['*'] }).expect(201); // scope policy "any", answered by the node itself
    assert.match(created.body.key, /^acme_test_[0-9A-Za-z]{32}$/);
    assert.deepEqual(created.body.scopes, ['*']);
    assert.ok(Math.abs(Date.parse(created.body.expires_at) - (Date.now() + 30 * 86_400_000)) < 60_000, 'lifetime 30 days');
    assert.equal((await api.post('/keys').set(auth).send({ expires_at: new Date(Date.now() + 90 * 86_400_000).toISOString() }).expect(400)).body.detail, 'expires_at may be at most 60 days ahead');
    // Token node: header X-API-Key, key store, envs test only.
    const used = await api.get('/data').set('X-API-Key', created.body.key).expect(200);
    assert.equal(used.body.auth.method, 'api_key');
    assert.equal(used.body.auth.keyId, created.body.id);
    const prod = await api.post('/keys').set(auth).send({ env: 'prod' }).expect(201);
    assert.equal((await api.get('/data').set('X-API-Key', prod.body.key).expect(401)).body.error, 'AUTH_004', 'envs: test only');
    await api.post('/keys').set(auth).send({}).expect(201);
    assert.match((await api.post('/keys').set(auth).send({}).expect(400)).body.detail, /at most 3 active keys/);
    // Rotate: grace 2 hours.
    const rotated = await api.post(`/keys/${created.body.id}/rotate`).set(auth).send({}).expect(201);
    assert.ok(Math.abs(Date.parse(rotated.body.previous.expires_at) - (Date.now() + 2 * 3_600_000)) < 60_000, 'grace 2 h');
    assert.equal((await api.get('/data').set('X-API-Key', created.body.key).expect(200)).headers['x-api-key-deprecated'], 'true');
    // Revoke.
    await api.delete(`/keys/${rotated.body.id}`).set(auth).expect(200);
    assert.equal((await api.get('/data').set('X-API-Key', rotated.body.key).expect(401)).body.error, 'AUTH_004');
    // The generated secret went to the encrypted credentials, not the flow.
    const flowsFile = fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8');
    assert.ok(!flowsFile.includes(generated));
    assert.ok(!red.log().includes(generated) && !red.log().includes(created.body.key));
  });
});
