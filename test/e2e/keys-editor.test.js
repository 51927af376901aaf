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
const path = require('node:path');
const { editNode, deploy, ARTIFACTS } = require('../support/browser');
const { keyDialogsSetup, keysChain, loginAlice, Z } = require('../support/key-dialogs');

describe('API key dialogs in a real browser, proven over HTTP', function () {
  this.timeout(180000);
  const ui = keyDialogsSetup({
    name: 'keys', label: 'keys UI', scopes: ['read'], openOn: 'tok',
    nodes: [
      ...keysChain('create', '/keys', 'post', {}, 140, false),
      ...keysChain('rotate', '/keys/:id/rotate', 'post', {}, 220),
      ...keysChain('revoke', '/keys/:id', 'delete', {}, 300),
      { id: 'use-in', type: 'http in', z: Z, url: '/data', method: 'get', x: 120, y: 380, wires: [['tok']] },
      { id: 'tok', type: 'authflow-token', z: Z, x: 320, y: 380, wires: [['use-ok'], ['use-out']] },
      { id: 'use-ok', type: 'function', z: Z, x: 520, y: 380, func: 'msg.payload = { auth: msg.auth }; return msg;', wires: [['use-out']] },
      { id: 'use-out', type: 'http response', z: Z, x: 720, y: 380, wires: [] },
    ],
  });

  it('every option set in the dialogs reaches the runtime', async () => {
    const { page, api, red, userDir } = ui;
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

    const auth = await loginAlice(api);
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
