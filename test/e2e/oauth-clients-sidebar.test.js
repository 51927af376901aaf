'use strict';
// OAuth clients kept in the store, managed from the "auth" sidebar, against a
// real Node-RED process: the admin endpoints need authflow.read to list and
// authflow.write to create/rotate/disable (adminAuth on), a created client's
// secret is returned once and never listed; in a real chromium the tab
// creates a client (secret shown once), which gets a token over HTTP, then
// rotates its secret and disables it — each proven at the token endpoint.
const assert = require('assert/strict');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { editNode, setTypedInput, deploy } = require('../support/browser');
const { editorAdminAuth, startEditorInstance, request, editorLogin, openSidebarEditor, until } = require('../support/editor-admin');

const ARTIFACTS = path.join(__dirname, '../../test-artifacts');
const SECRET_KEY = crypto.randomBytes(32).toString('base64url');
const SIDEBAR = '/authflow-api-auth/sidebar';

const formEncode = (v) => encodeURIComponent(v).replace(/%20/g, '+');
const clientBasic = (id, secret) => 'Basic ' + Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64');
const tokenFor = (port, id, secret) => request(port, 'POST', '/oauth/token', { headers: { Authorization: clientBasic(id, secret) }, body: 'grant_type=client_credentials' });

function flows(port) {
  return [
    { id: 't1', type: 'tab', label: 'oauth clients' },
    { id: 'iss1', type: 'authflow-issuer', iss: `http://127.0.0.1:${port}`, aud: 'https://api.example.com', format: 'jwt', alg: 'ES256', accessTtl: 600 },
    { id: 'srv', type: 'authflow-oauth2-server', name: 'partners', issuer: 'iss1', clientsType: 'store', clients: '' },
    { id: 'tin', type: 'http in', z: 't1', url: '/oauth/token', method: 'post', wires: [['tok']], x: 100, y: 60 },
    { id: 'tok', type: 'authflow-oauth2', z: 't1', server: 'srv', operation: 'token', respond: true, wires: [[], []], x: 300, y: 60 },
  ];
}
function creds() {
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { iss1: { privateKey: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) }, srv: { secretKey: SECRET_KEY } };
}

const instance = ({ adminAuth } = {}) => startEditorInstance({ dirPrefix: 'authflow-oauth-clients', flows, creds: creds(), adminAuth });

describe('OAuth clients in the store, from the "auth" sidebar', function () {
  this.timeout(180000);

  describe('with adminAuth: authflow.read lists, authflow.write changes', () => {
    let red, port;
    before(async () => {
      ({ red, port } = await instance({ adminAuth: editorAdminAuth() }));
    });
    after(() => red && red.stop());

    const login = (username) => editorLogin(port, username);

    it('no token: 401; a reader lists but cannot create, rotate or disable; an admin can; the secret is returned once, never listed', async () => {
      for (const [m, p] of [['GET', `${SIDEBAR}/oauth-clients?server=srv`], ['POST', `${SIDEBAR}/oauth-clients`], ['POST', `${SIDEBAR}/oauth-clients/rotate`], ['POST', `${SIDEBAR}/oauth-clients/enable`]]) {
        assert.equal((await request(port, m, p, { body: m === 'POST' ? { server: 'srv' } : undefined })).status, 401, `${m} ${p}`);
      }
      const reader = await login('reader');
      const admin = await login('admin');
      const state = await request(port, 'GET', `${SIDEBAR}/state`, { headers: reader });
      assert.deepEqual(state.body.oauthServers, [{ id: 'srv', name: 'partners' }]);
      assert.equal((await request(port, 'POST', `${SIDEBAR}/oauth-clients`, { headers: reader, body: { server: 'srv', client: { scope: 'a' } } })).status, 401);
      const created = await request(port, 'POST', `${SIDEBAR}/oauth-clients`, { headers: admin, body: { server: 'srv', client: { client_name: 'ACME', scope: 'orders:read' } } });
      assert.equal(created.status, 200, created.text);
      assert.equal(created.headers['cache-control'], 'no-store');
      const id = created.body.client.client_id;
      const secret = created.body.client_secret;
      assert.match(secret, /^afcs_/);
      assert.equal((await tokenFor(port, id, secret)).status, 200);
      assert.equal((await request(port, 'POST', `${SIDEBAR}/oauth-clients/enable`, { headers: reader, body: { server: 'srv', id, enabled: false } })).status, 401);
      assert.equal((await request(port, 'POST', `${SIDEBAR}/oauth-clients/rotate`, { headers: reader, body: { server: 'srv', id } })).status, 401);
      assert.equal((await tokenFor(port, id, secret)).status, 200, 'the reader changed nothing');
      const listed = await request(port, 'GET', `${SIDEBAR}/oauth-clients?server=srv`, { headers: reader });
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.clients.map((c) => [c.client_id, c.client_name, c.secrets.length]), [[id, 'ACME', 1]]);
      const after = await request(port, 'GET', `${SIDEBAR}/state`, { headers: reader });
      for (const text of [listed.text, after.text]) {
        assert.ok(!text.includes(secret.slice(5)) && !text.includes('hmac-sha256') && !text.includes(SECRET_KEY), 'no secret or hash listed');
      }
      const disabled = await request(port, 'POST', `${SIDEBAR}/oauth-clients/enable`, { headers: admin, body: { server: 'srv', id, enabled: false } });
      assert.equal(disabled.status, 200, disabled.text);
      assert.equal((await tokenFor(port, id, secret)).body.error, 'invalid_client');
    });

    it('bad input is a 4xx with a reason, not a crash', async () => {
      const admin = await login('admin');
      assert.equal((await request(port, 'GET', `${SIDEBAR}/oauth-clients?server=nope`, { headers: admin })).status, 400);
      assert.equal((await request(port, 'POST', `${SIDEBAR}/oauth-clients`, { headers: admin, body: { server: 'srv', client: { scope: 'bad"scope' } } })).status, 400);
      assert.equal((await request(port, 'POST', `${SIDEBAR}/oauth-clients/rotate`, { headers: admin, body: { server: 'srv', id: 'afc_nobody' } })).status, 404);
      assert.equal((await request(port, 'POST', `${SIDEBAR}/oauth-clients/rotate`, { headers: admin, body: { server: 'srv' } })).status, 400);
      assert.equal((await request(port, 'POST', `${SIDEBAR}/oauth-clients/enable`, { headers: admin, body: { server: 'srv', id: 'x', enabled: 'no' } })).status, 400);
    });
  });

  describe('without adminAuth, in a real browser', () => {
    let red, port, browser, page;
    before(async () => {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      ({ red, port } = await instance());
      ({ browser, page } = await openSidebarEditor(port, 'tok'));
    });
    afterEach(async function () {
      if (this.currentTest.state === 'failed' && page) await page.screenshot({ path: path.join(ARTIFACTS, `oauth-clients-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) });
    });
    after(async () => {
      if (browser) await browser.close();
      if (red) await red.stop();
    });

    it('the tab creates a client (secret shown once) that gets a token, rotates its secret, and disables it — each proven over HTTP', async () => {
      await page.evaluate(() => RED.sidebar.show('authflow-auth'));
      await page.locator('#authflow-sb-clients-section').waitFor({ state: 'visible', timeout: 20000 });
      await page.selectOption('#authflow-sb-oauthserver', 'srv');
      await page.fill('#authflow-sb-clientname', 'Browser partner');
      await page.fill('#authflow-sb-clientscope', 'orders:read');
      await page.click('#authflow-sb-client-create');
      const shown = page.locator('#authflow-sb-newsecret code');
      await until(async () => /^afcs_/.test(await shown.textContent()), 'the new secret');
      const secret = await shown.textContent();
      const id = await page.locator('#authflow-sb-newsecret .authflow-sb-newsecret-id').textContent();
      const row = page.locator(`#authflow-sb-clients tr[data-client-id="${id}"]`);
      await row.waitFor({ timeout: 10000 });
      assert.match(await row.locator('.authflow-client-state').textContent(), /^enabled · 1 secret/);
      const ok = await tokenFor(port, id, secret);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.scope, 'orders:read');

      // Rotate with a one-hour grace: both secrets work, the row shows the old one expiring.
      await page.fill('#authflow-sb-grace', '3600');
      await row.locator('.authflow-client-rotate').click();
      await until(async () => (await shown.textContent()) !== secret, 'the rotated secret');
      const rotated = await shown.textContent();
      await until(async () => /2 secret\(s\), one expires/.test(await row.locator('.authflow-client-state').textContent()), 'the row to show the grace');
      assert.equal((await tokenFor(port, id, rotated)).status, 200, 'new secret');
      assert.equal((await tokenFor(port, id, secret)).status, 200, 'old secret during its grace');
      assert.ok(!(await page.locator('#authflow-sb-clients').innerHTML()).includes('hmac-sha256'), 'no hash in the list');

      await row.locator('.authflow-client-toggle').click();
      await until(async () => /^disabled/.test(await row.locator('.authflow-client-state').textContent()), 'the row to say disabled');
      await page.locator('#authflow-sidebar').screenshot({ path: path.join(ARTIFACTS, 'sidebar-oauth-clients.png') });
      const refused = await tokenFor(port, id, rotated);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_client');
    });

    it('the oauth2 server dialog\'s clients source "issuer\'s store", chosen in its menu and deployed, is what the token endpoint uses', async () => {
      const made = await request(port, 'POST', `${SIDEBAR}/oauth-clients`, { body: { server: 'srv', client: { scope: 'orders:read' } } });
      const { client_id: id } = made.body.client;
      const secret = made.body.client_secret;
      assert.equal((await tokenFor(port, id, secret)).status, 200);
      // The list typed into the dialog (empty): the store's client is unknown there.
      await editNode(page, 'srv', async () => {
        // The dialog builds its typedInputs after the tray shows (read too early on a loaded machine: not one yet).
        await until(async () => (await page.evaluate(() => $('#node-config-input-clients').typedInput('type'))) === 'store', 'the saved source is shown');
        assert.equal(await page.locator('#node-config-input-clients-cred-row').isVisible(), false, 'no typed-in list for the store');
        await setTypedInput(page, 'node-config-input-clients', 'cred');
        await page.fill('#node-config-input-clientList', '[]');
      });
      await deploy(page);
      await until(async () => (await tokenFor(port, id, secret)).body?.error === 'invalid_client', 'the typed-in list to apply');
      // Back to the store through the menu: the client gets tokens again.
      await editNode(page, 'srv', async () => {
        await setTypedInput(page, 'node-config-input-clients', 'store');
        // The dialog hides the typed-in list when the type changes (waited for: the change handler runs after the click).
        await page.locator('#node-config-input-clients-cred-row').waitFor({ state: 'hidden', timeout: 5000 });
      });
      assert.equal(await page.evaluate(() => RED.nodes.node('srv').clientsType), 'store');
      await deploy(page);
      await until(async () => (await tokenFor(port, id, secret)).status === 200, 'the store source to apply');
    });
  });
});
