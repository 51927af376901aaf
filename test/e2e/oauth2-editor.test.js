'use strict';
/**
 * The oauth2 and scope dialogs in a real browser (chromium + playwright-core)
 * against a real Node-RED: a new authflow-oauth2-server is created from the
 * oauth2 node's dialog (issuer, paths, client auth methods, scopes, realm,
 * secret key, client list), two endpoints get their operation, two scope
 * nodes get typed-in and msg-sourced requirements, all/any and a realm; after
 * the deploy, real HTTP proves what the runtime received. Then a client
 * secret is generated with the dialog's button (the deployed server hashes
 * it), its hash added to the list, redeployed, and the new secret works.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { launchBrowser, openEditor, openNode, openConfigDialog, setTypedInput, deploy, recordFailure, ARTIFACTS } = require('../support/browser');
const { ClientSecretHasher } = require('../../dist/lib/internal');

const KEY = crypto.randomBytes(32).toString('base64url');
const acme = new ClientSecretHasher(KEY).generate('acme');
const CLIENTS = [{ client_id: 'acme', client_secrets: [acme.hash], scope: 'orders:read orders:write orders:admin' }];
// One client per credential source, so a token proves which source the runtime read.
const hasher = new ClientSecretHasher(KEY);
const SOURCES = Object.fromEntries(['flow', 'global', 'env', 'msg'].map((t) => {
  const made = hasher.generate(`from-${t}`);
  return [t, { secret: made.secret, clients: [{ client_id: `from-${t}`, client_secrets: [made.hash], scope: 'orders:read' }] }];
}));

function request(port, method, urlPath, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('oauth2 and scope dialogs in a real browser, proven over HTTP', function () {
  this.timeout(180000);
  let red, browser, page, port, userDir, iss;

  before(async () => {
    port = await freePort();
    iss = `http://127.0.0.1:${port}`;
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-oauth2-ui-'));
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const n = (id, extra) => ({ id, z: 'tab1', ...extra });
    const flows = [
      { id: 'tab1', type: 'tab', label: 'OAuth2 UI' },
      { id: 'iss', type: 'authflow-issuer', name: 'partner issuer', iss, aud: 'https://api.example.com/orders', format: 'jwt', alg: 'ES256', accessTtl: 600 },
      n('tok-in', { type: 'http in', url: '/oauth/token', method: 'post', x: 140, y: 80, wires: [['load']] }),
      // What a database node would do: the client list on the msg (used once the server reads "msg.clients").
      n('load', { type: 'function', func: `msg.clients = ${JSON.stringify(SOURCES.msg.clients)}; return msg;`, x: 260, y: 40, wires: [['tok']] }),
      n('init', { type: 'inject', once: true, onceDelay: 0.1, props: [], repeat: '', x: 140, y: 460, wires: [['ctx']] }),
      n('ctx', { type: 'function', func: `flow.set('oauthClients', ${JSON.stringify(SOURCES.flow.clients)}); global.set('oauthClients', ${JSON.stringify(SOURCES.global.clients)}); return null;`, x: 340, y: 460, wires: [[]] }),
      n('tok', { type: 'authflow-oauth2', x: 380, y: 80, wires: [[], []] }),
      n('md-in', { type: 'http in', url: '/.well-known/oauth-authorization-server', method: 'get', x: 140, y: 160, wires: [['md']] }),
      n('md', { type: 'authflow-oauth2', x: 380, y: 160, wires: [[], []] }),
      n('api-in', { type: 'http in', url: '/partner', method: 'get', x: 140, y: 260, wires: [['bearer']] }),
      n('bearer', { type: 'authflow-bearer', keySource: 'issuer', issuer: 'iss', x: 340, y: 260, wires: [['sc'], ['out']] }),
      n('sc', { type: 'authflow-scope', x: 540, y: 260, wires: [['ok'], ['out']] }),
      n('api2-in', { type: 'http in', url: '/partner-admin', method: 'get', x: 140, y: 360, wires: [['bearer2']] }),
      n('bearer2', { type: 'authflow-bearer', keySource: 'issuer', issuer: 'iss', x: 340, y: 360, wires: [['need'], ['out']] }),
      n('need', { type: 'function', func: 'msg.need = ["orders:admin"]; return msg;', x: 500, y: 360, wires: [['sc2']] }),
      n('sc2', { type: 'authflow-scope', x: 660, y: 360, wires: [['ok'], ['out']] }),
      n('ok', { type: 'function', func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', x: 800, y: 300, wires: [['out']] }),
      n('out', { type: 'http response', x: 960, y: 300, wires: [] }),
    ];
    prepareUserDir(userDir, { port, flows, creds: { iss: { privateKey: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) } } });
    red = await startNodeRed(userDir, port, { env: { OAUTH_CLIENTS: JSON.stringify(SOURCES.env.clients) } });
    browser = await launchBrowser();
    page = await openEditor(browser, port, { paletteType: 'authflow-oauth2' });
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="authflow-scope"]', { timeout: 60000 });
  });

  afterEach(async function () {
    await recordFailure(this, page, `failed-oauth2-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`, red);
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  const token = (auth, body = 'grant_type=client_credentials') => request(port, 'POST', '/oauth/token', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(auth ? { Authorization: auth } : {}) }, body,
  });
  const basic = (id, secret) => 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

  it('server, endpoints and scope checks set in the dialogs, deployed, proven by HTTP', async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // The token endpoint, and a new server created from its dialog.
    await openNode(page, 'tok');
    await page.locator('#node-input-operation').waitFor();
    await page.locator('#node-input-btn-server-add').click();
    await page.locator('#node-config-input-issuer').waitFor();
    await page.locator('#node-config-input-issuer').selectOption('iss');
    await page.locator('#node-config-input-jwksPath').fill('/keys');
    await page.locator('#node-config-input-revocationPath').fill('');
    await page.locator('#node-config-input-introspectionPath').fill('/oauth/introspect');
    await page.locator('#node-config-input-allowPost').uncheck();
    await page.locator('#node-config-input-scopesSupported').fill('orders:read orders:write');
    await page.locator('#node-config-input-realm').fill('partners');
    await page.locator('#node-config-input-secretKey').fill(KEY);
    await page.locator('#node-config-input-clientList').fill(JSON.stringify(CLIENTS, null, 2));
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-oauth2-server.png') });
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-input-operation').selectOption('token');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-oauth2.png') });
    await page.locator('#node-dialog-ok').click();
    // The metadata endpoint on the same server.
    const serverId = await page.evaluate(() => {
      let id;
      RED.nodes.eachConfig((c) => { if (c.type === 'authflow-oauth2-server') id = c.id; });
      return id;
    });
    assert.ok(serverId, 'the server made in the dialog exists');
    await openNode(page, 'md');
    await page.locator('#node-input-server').selectOption(serverId);
    await page.locator('#node-input-operation').selectOption('metadata');
    await page.locator('#node-input-respond').uncheck();
    await page.locator('#node-input-respond').check();
    await page.locator('#node-dialog-ok').click();
    // Scope checks: typed in, any of, a realm, respond automatically…
    await openNode(page, 'sc');
    await setTypedInput(page, 'scopes', 'str', 'orders:read orders:admin');
    await page.locator('#node-input-scopeMatch').selectOption('any');
    await page.locator('#node-input-realm').fill('partner-api');
    await page.locator('#node-input-respond').check();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-scope.png') });
    await page.locator('#node-dialog-ok').click();
    // …and from a msg property, all of, plus a role list.
    await openNode(page, 'sc2');
    await setTypedInput(page, 'scopes', 'msg', 'need');
    await page.locator('#node-input-scopeMatch').selectOption('all');
    await setTypedInput(page, 'roles', 'str', 'partner');
    await page.locator('#node-input-roleMatch').selectOption('any');
    await page.locator('#node-dialog-ok').click();
    await deploy(page);

    let md;
    for (let i = 0; i < 50; i++) {
      md = await request(port, 'GET', '/.well-known/oauth-authorization-server');
      if (md.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(md.status, 200, JSON.stringify(md.body));
    assert.equal(md.body.issuer, iss);
    assert.equal(md.body.token_endpoint, `${iss}/oauth/token`);
    assert.equal(md.body.jwks_uri, `${iss}/keys`, 'the JWKS path set in the dialog');
    assert.equal(md.body.revocation_endpoint, undefined, 'the revocation path emptied in the dialog');
    assert.equal(md.body.introspection_endpoint, `${iss}/oauth/introspect`);
    assert.deepEqual(md.body.token_endpoint_auth_methods_supported, ['client_secret_basic', 'private_key_jwt'], 'client_secret_post unticked');
    assert.deepEqual(md.body.scopes_supported, ['orders:read', 'orders:write']);

    const post = await token(undefined, `grant_type=client_credentials&client_id=acme&client_secret=${acme.secret}`);
    assert.equal(post.status, 401, 'client_secret_post is off');
    assert.equal(post.headers['www-authenticate'], 'Basic realm="partners", charset="UTF-8"', 'the realm set in the dialog');

    const read = await token(basic('acme', acme.secret), 'grant_type=client_credentials&scope=orders:read');
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.headers['cache-control'], 'no-store');
    const ok = await request(port, 'GET', '/partner', { headers: { Authorization: `Bearer ${read.body.access_token}` } });
    assert.equal(ok.status, 200, 'any of orders:read orders:admin');
    assert.equal(ok.body.auth.clientId, 'acme');
    const write = await token(basic('acme', acme.secret), 'grant_type=client_credentials&scope=orders:write');
    const refused = await request(port, 'GET', '/partner', { headers: { Authorization: `Bearer ${write.body.access_token}` } });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers['www-authenticate'], 'Bearer realm="partner-api", error="insufficient_scope", error_description="Insufficient scope", scope="orders:read orders:admin"');
    // sc2: scopes from msg.need (orders:admin) and role "partner", which a client token has not.
    const admin = await token(basic('acme', acme.secret), 'grant_type=client_credentials&scope=orders:admin');
    const noRole = await request(port, 'GET', '/partner-admin', { headers: { Authorization: `Bearer ${admin.body.access_token}` } });
    assert.equal(noRole.status, 403);
    assert.equal(noRole.body.error, 'AUTH_008');
    const noScope = await request(port, 'GET', '/partner-admin', { headers: { Authorization: `Bearer ${read.body.access_token}` } });
    assert.match(noScope.headers['www-authenticate'], /scope="orders:admin"/, 'the scopes read from msg.need');
  });

  it('a client secret generated with the dialog button (hashed by the deployed server) works after the redeploy', async () => {
    await openNode(page, 'tok');
    await openConfigDialog(page, '#node-input-btn-server-edit');
    await page.locator('#authflow-oauth2-client-id').fill('newbie');
    await page.locator('#authflow-oauth2-generate').click();
    await page.waitForFunction(() => document.querySelector('#authflow-oauth2-hash')?.value.startsWith('hmac-sha256$'), null, { timeout: 10000 });
    const secret = await page.locator('#authflow-oauth2-secret').inputValue();
    const hash = await page.locator('#authflow-oauth2-hash').inputValue();
    assert.match(secret, /^afcs_/);
    const list = JSON.parse(await page.locator('#node-config-input-clientList').inputValue());
    list.push({ client_id: 'newbie', client_secrets: [hash], scope: 'orders:read' });
    await page.locator('#node-config-input-clientList').fill(JSON.stringify(list));
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-oauth2-generated-secret.png') });
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-dialog-ok').click();
    await deploy(page);
    let res;
    for (let i = 0; i < 50; i++) {
      res = await token(basic('newbie', secret));
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.doesNotMatch(red.log(), new RegExp(secret), 'the secret is never logged');
    const flowsFile = fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8') + fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8');
    assert.ok(!flowsFile.includes(secret), 'the secret is not saved with the flow');
  });

  it('the client list from each credential source set in the server dialog (flow, global, env, msg) reaches the runtime', async () => {
    for (const [type, value] of [['flow', 'oauthClients'], ['global', 'oauthClients'], ['env', 'OAUTH_CLIENTS'], ['msg', 'clients']]) {
      await openNode(page, 'tok');
      await openConfigDialog(page, '#node-input-btn-server-edit');
      await setTypedInput(page, 'node-config-input-clients', type, value);
      await page.locator('#node-config-dialog-ok').click();
      await page.locator('#node-dialog-ok').click();
      await deploy(page);
      let res;
      for (let i = 0; i < 50; i++) {
        res = await token(basic(`from-${type}`, SOURCES[type].secret));
        if (res.status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(res.status, 200, `${type}: ${JSON.stringify(res.body)}`);
      assert.equal((await token(basic('acme', acme.secret))).status, 401, `${type}: the typed-in list is no longer read`);
    }
  });

  it("rotating signing keys set in the issuer's dialog: generated keys sign, the bearer node of the issuer verifies them", async () => {
    await openNode(page, 'tok');
    await openConfigDialog(page, '#node-input-btn-server-edit');
    await page.locator('#node-config-input-btn-issuer-edit').click();
    await page.locator('#node-config-input-keyMode').waitFor();
    await page.locator('#node-config-input-keyMode').selectOption('rotating');
    await page.locator('#node-config-input-rotateDays').fill('7');
    await page.locator('#node-config-input-dataKey').fill(crypto.randomBytes(32).toString('base64url'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-issuer-rotating.png') });
    await page.locator('#node-config-dialog-ok').last().click();
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-dialog-ok').click();
    await deploy(page);
    let res;
    for (let i = 0; i < 50; i++) {
      res = await token(basic('from-msg', SOURCES.msg.secret), 'grant_type=client_credentials&scope=orders:read');
      if (res.status === 200 && JSON.parse(Buffer.from(res.body.access_token.split('.')[0], 'base64url')).kid) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const header = JSON.parse(Buffer.from(res.body.access_token.split('.')[0], 'base64url'));
    assert.equal(header.alg, 'ES256');
    assert.match(header.kid, /^[A-Za-z0-9_-]{43}$/, 'an RFC 7638 thumbprint: a generated key, not the configured one (which has no kid)');
    const ok = await request(port, 'GET', '/partner', { headers: { Authorization: `Bearer ${res.body.access_token}` } });
    assert.equal(ok.status, 200, 'the bearer node of the same issuer verifies the rotating key');
    assert.doesNotMatch(red.log(), /\[error\].*signing keys/, red.log());
  });
});
