'use strict';
// The "auth" sidebar (editor plugin authflow-sidebar) against a real
// Node-RED process: its admin endpoints need the editor's own permissions
// (authflow.read to look, authflow.write to change) with adminAuth on,
// return no secret, and work without adminAuth; in a real chromium the tab
// opens, shows decisions triggered over HTTP as they happen, and revokes an
// API key — proven refused over HTTP afterwards.
const assert = require('assert/strict');
const fs = require('fs');
const path = require('path');
const bcrypt = require('bcryptjs');
const { EDITOR_PASSWORDS: pw, editorAdminAuth, startEditorInstance, request, editorLogin, openSidebarEditor, until } = require('../support/editor-admin');

const ARTIFACTS = path.join(__dirname, '../../test-artifacts');
const KEY_STORE_SECRET = 'ks-secret-0123456789abcdef0123456789abcdef';
const USERS = [{ username: 'alice', password: 'alice-pw-123' }];

const basic = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

/** Routes: /b (basic, respond) and /k (API key from the key store, respond); a key store on the embedded store. */
function flows() {
  return [
    { id: 't1', type: 'tab', label: 'sidebar test' },
    { id: 'ks', type: 'authflow-key-store', name: 'partner keys', prefix: 'kapi', defaultEnv: 'prod' },
    { id: 'inb', type: 'http in', z: 't1', url: '/b', method: 'get', wires: [['basic']], x: 100, y: 60 },
    { id: 'basic', type: 'authflow-basic', z: 't1', name: 'users', userSourceType: 'cred', respond: true, lockout: false, wires: [['ok'], []], x: 300, y: 60 },
    { id: 'inl', type: 'http in', z: 't1', url: '/locked', method: 'get', wires: [['lockbasic']], x: 100, y: 220 },
    { id: 'lockbasic', type: 'authflow-basic', z: 't1', name: 'with lockout', userSourceType: 'cred', respond: true, lockout: true, maxRetries: 2, ipMaxRetries: 0, findTime: 60, banTime: 600, wires: [['ok'], []], x: 300, y: 220 },
    { id: 'ink', type: 'http in', z: 't1', url: '/k', method: 'get', wires: [['keycheck']], x: 100, y: 140 },
    { id: 'keycheck', type: 'authflow-token', z: 't1', name: 'partner key', keySource: 'keystore', keyStore: 'ks', header: 'X-API-Key', tokensType: 'cred', respond: true, wires: [['ok'], []], x: 300, y: 140 },
    { id: 'ok', type: 'http response', z: 't1', statusCode: '200', wires: [], x: 500, y: 100 },
  ];
}
function creds() {
  return {
    ks: { secret: KEY_STORE_SECRET },
    basic: { userList: JSON.stringify(USERS.map((u) => ({ username: u.username, password: bcrypt.hashSync(u.password, 4) }))) },
    lockbasic: { userList: JSON.stringify(USERS.map((u) => ({ username: u.username, password: bcrypt.hashSync(u.password, 4) }))) },
  };
}

const instance = ({ adminAuth } = {}) => startEditorInstance({ dirPrefix: 'authflow-sidebar', flows, creds: creds(), adminAuth });

/** Every key, password and secret the test used: none may appear in what the sidebar's endpoints return. */
function assertNoSecret(text, secrets) {
  for (const s of secrets) assert.ok(!text.includes(s), `a secret reached the sidebar: ${s.slice(0, 6)}…`);
}

describe('"auth" sidebar: admin endpoints and the editor tab', function () {
  this.timeout(180000);

  describe('with adminAuth: the editor\'s permissions', () => {
    let red, port;
    before(async () => {
      ({ red, port } = await instance({ adminAuth: editorAdminAuth() }));
    });
    after(() => red && red.stop());

    const token = (username) => editorLogin(port, username);

    it('no token: 401 on every endpoint; a read-only user reads but cannot change keys (401, as Node-RED answers); an admin can; nothing secret is returned', async () => {
      for (const [m, p] of [['GET', '/authflow-api-auth/sidebar/state'], ['GET', '/authflow-api-auth/sidebar/keys?store=ks&owner=alice'], ['POST', '/authflow-api-auth/sidebar/keys'], ['POST', '/authflow-api-auth/sidebar/keys/revoke'], ['POST', '/authflow-api-auth/sidebar/unlock']]) {
        assert.equal((await request(port, m, p, { body: m === 'POST' ? { store: 'ks', owner: 'alice' } : undefined })).status, 401, `${m} ${p}`);
      }
      const reader = await token('reader');
      // Decisions are recorded while an editor watches (reads /state): none before.
      await request(port, 'GET', '/b', { headers: { Authorization: basic('alice', USERS[0].password) } });
      assert.deepEqual((await request(port, 'GET', '/authflow-api-auth/sidebar/state', { headers: reader })).body.events, []);
      await request(port, 'GET', '/b', { headers: { Authorization: basic('alice', USERS[0].password) } });
      await request(port, 'GET', '/b', { headers: { Authorization: basic('alice', 'wrong-pw-777') } });
      const state = await request(port, 'GET', '/authflow-api-auth/sidebar/state', { headers: reader });
      assert.equal(state.status, 200);
      assert.ok(state.body.events.some((e) => e.nodeId === 'basic' && e.outcome === 'deny' && e.code === 'AUTH_001'));
      assert.ok(state.body.counts.some((c) => c.nodeId === 'basic' && c.allow >= 1 && c.deny >= 1 && c.perMinute.length === 30));
      assert.deepEqual(state.body.keyStores, [{ id: 'ks', name: 'partner keys' }]);
      assert.equal((await request(port, 'GET', '/authflow-api-auth/sidebar/keys?store=ks&owner=alice', { headers: reader })).status, 200);
      // Node-RED's needsPermission answers a missing permission with 401, like a missing token.
      assert.equal((await request(port, 'POST', '/authflow-api-auth/sidebar/keys', { headers: reader, body: { store: 'ks', owner: 'alice', name: 'x' } })).status, 401);
      assert.equal((await request(port, 'POST', '/authflow-api-auth/sidebar/unlock', { headers: reader, body: { id: 'ip:127.0.0.1' } })).status, 401);
      const admin = await token('admin');
      assert.equal((await request(port, 'POST', '/authflow-api-auth/sidebar/unlock', { headers: admin, body: { id: 'ip:127.0.0.1' } })).status, 404, 'no such lockout');
      const created = await request(port, 'POST', '/authflow-api-auth/sidebar/keys', { headers: admin, body: { store: 'ks', owner: 'alice', name: 'ci' } });
      assert.equal(created.status, 200, created.text);
      assert.match(created.body.key, /^kapi_prod_/);
      assert.equal(created.headers['cache-control'], 'no-store', 'an answer holding a new key is never cached');
      assert.equal((await request(port, 'GET', '/k', { headers: { 'X-API-Key': created.body.key } })).status, 200);
      assert.equal((await request(port, 'POST', '/authflow-api-auth/sidebar/keys/revoke', { headers: reader, body: { store: 'ks', owner: 'alice', id: created.body.id } })).status, 401);
      assert.equal((await request(port, 'GET', '/k', { headers: { 'X-API-Key': created.body.key } })).status, 200, 'still valid: the reader could not revoke it');
      const listed = await request(port, 'GET', '/authflow-api-auth/sidebar/keys?store=ks&owner=alice', { headers: reader });
      const after = await request(port, 'GET', '/authflow-api-auth/sidebar/state', { headers: reader });
      assertNoSecret(listed.text + after.text + state.text, [created.body.key, KEY_STORE_SECRET, USERS[0].password, 'wrong-pw-777', pw.admin, pw.reader]);
      assert.ok(after.body.events.some((e) => e.event === 'key.created' && e.keyId === created.body.id), 'creating a key from the sidebar is audited');
      const rotated = await request(port, 'POST', '/authflow-api-auth/sidebar/keys/rotate', { headers: admin, body: { store: 'ks', owner: 'alice', id: created.body.id } });
      assert.equal(rotated.status, 200, rotated.text);
      assert.match(rotated.body.key, /^kapi_prod_/);
      assert.equal(rotated.headers['cache-control'], 'no-store', 'an answer holding a rotated key is never cached');
    });

    it('bad input is a 400 with a reason, not a crash', async () => {
      const admin = await token('admin');
      assert.equal((await request(port, 'GET', '/authflow-api-auth/sidebar/keys?store=nope&owner=alice', { headers: admin })).status, 400);
      assert.equal((await request(port, 'GET', '/authflow-api-auth/sidebar/keys?store=ks', { headers: admin })).status, 400);
      assert.equal((await request(port, 'POST', '/authflow-api-auth/sidebar/keys/revoke', { headers: admin, body: { store: 'ks', owner: 'alice', id: 'not-a-key' } })).status, 404);
      assert.equal((await request(port, 'POST', '/authflow-api-auth/sidebar/keys', { headers: admin, body: { store: 'ks', owner: 'alice', name: 'x', scopes: 'a b' + ' c'.repeat(2000) } })).status, 400);
    });
  });

  describe('without adminAuth, in a real browser', () => {
    let red, port, browser, page;
    before(async () => {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      ({ red, port } = await instance());
      ({ browser, page } = await openSidebarEditor(port, 'basic'));
    });
    afterEach(async function () {
      if (this.currentTest.state === 'failed' && page) await page.screenshot({ path: path.join(ARTIFACTS, `sidebar-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) });
    });
    after(async () => {
      if (browser) await browser.close();
      if (red) await red.stop();
    });

    it('the tab opens, decisions made over HTTP appear live (and filter), a key revoked from the tab is refused over HTTP', async () => {
      await page.evaluate(() => RED.sidebar.show('authflow-auth'));
      await page.locator('#authflow-sidebar').waitFor({ state: 'visible', timeout: 20000 });

      // Decisions over HTTP appear without reloading (RED.comms stream).
      await request(port, 'GET', '/b', { headers: { Authorization: basic('alice', USERS[0].password) } });
      await request(port, 'GET', '/b', { headers: { Authorization: basic('mallory', 'guess-pw-1') } });
      await page.locator('#authflow-sb-stream li[data-node="basic"][data-outcome="deny"]').first().waitFor({ timeout: 20000 });
      await page.locator('#authflow-sb-stream li[data-node="basic"][data-outcome="allow"]').first().waitFor({ timeout: 20000 });
      await page.locator('#authflow-sb-counts tr[data-node="basic"] svg rect').first().waitFor({ state: 'attached', timeout: 20000 });
      await page.fill('#authflow-sb-filter-subject', 'alice');
      await page.selectOption('#authflow-sb-filter-outcome', 'allow');
      const shown = await page.$$eval('#authflow-sb-stream li', (els) => els.map((e) => [e.dataset.outcome, e.dataset.subject]));
      assert.ok(shown.length >= 1 && shown.every(([o, s]) => o === 'allow' && s.includes('alice')), JSON.stringify(shown));
      await page.fill('#authflow-sb-filter-subject', '');
      await page.selectOption('#authflow-sb-filter-outcome', '');

      // A key made for alice (the admin API, as a flow would); listed, then revoked from the sidebar.
      const created = await request(port, 'POST', '/authflow-api-auth/sidebar/keys', { body: { store: 'ks', owner: 'alice', name: 'browser test' } });
      assert.equal(created.status, 200, created.text);
      assert.equal((await request(port, 'GET', '/k', { headers: { 'X-API-Key': created.body.key } })).status, 200);
      await page.selectOption('#authflow-sb-keystore', 'ks');
      await page.fill('#authflow-sb-owner', 'alice');
      await page.click('#authflow-sb-list');
      const row = page.locator(`#authflow-sb-keys tr[data-key-id="${created.body.id}"]`);
      await row.waitFor({ timeout: 10000 });
      assert.equal(await row.locator('.authflow-key-state').textContent(), 'active');
      assertNoSecret(await page.locator('#authflow-sidebar').innerHTML(), [created.body.key, KEY_STORE_SECRET, USERS[0].password]);
      await row.locator('.authflow-key-revoke').click();
      await until(async () => (await row.locator('.authflow-key-state').textContent()) === 'revoked', 'the row to say revoked');
      await page.locator('#authflow-sidebar').screenshot({ path: path.join(ARTIFACTS, 'sidebar-auth.png') });

      // The effect, over HTTP: the key is refused.
      const refused = await request(port, 'GET', '/k', { headers: { 'X-API-Key': created.body.key } });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'AUTH_004');
      await until(() => page.locator('#authflow-sb-stream li[data-node="keycheck"][data-outcome="deny"]').count(), 'the refusal in the stream');
    });

    it('a lockout shows up in the tab; "unlock" there lets the user in again (proven over HTTP)', async () => {
      const right = { Authorization: basic('alice', USERS[0].password) };
      for (let i = 0; i < 2; i++) assert.equal((await request(port, 'GET', '/locked', { headers: { Authorization: basic('alice', `wrong-${i}-pw`) } })).status, 401);
      const locked = await request(port, 'GET', '/locked', { headers: right });
      assert.equal(locked.status, 429);
      assert.equal(locked.body.error, 'AUTH_007');
      const row = page.locator('#authflow-sb-lockouts li[data-ban-id="pair:alice@127.0.0.1"]');
      await row.waitFor({ timeout: 20000 });
      assert.match(await row.textContent(), /alice from 127\.0\.0\.1 until/);
      await row.locator('.authflow-unlock').click();
      await row.waitFor({ state: 'detached', timeout: 10000 });
      assert.equal((await request(port, 'GET', '/locked', { headers: right })).status, 200, 'unlocked');
      await until(() => page.locator('#authflow-sb-stream li').filter({ hasText: 'lockout.lifted' }).count(), 'the lift in the stream');
    });
  });
});
