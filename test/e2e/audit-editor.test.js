'use strict';
// The authflow-audit dialog and the debug-headers checkbox, set by a user in
// a real chromium, deployed, then proven over real HTTP: the audit node
// reports only the ticked node's refusals, in OCSF; the token node sends
// the X-Auth-* headers and shows its yellow "debug headers on" status.
const assert = require('assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { launchBrowser } = require('../support/browser');

const ARTIFACTS = path.join(__dirname, '../../test-artifacts');

function request(port, urlPath, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    }).on('error', reject);
  });
}

/** Two token-protected routes on two tabs; an audit node (defaults) whose msgs a function keeps for GET /events. */
function flows() {
  const route = (tab, id, url, token) => [
    { id: `${id}-in`, type: 'http in', z: tab, url, method: 'get', wires: [[id]], x: 120, y: 80 },
    { id, type: 'authflow-token', z: tab, name: id, tokensType: 'cred', respond: true, wires: [[`${id}-ok`], []], x: 320, y: 80, _token: token },
    { id: `${id}-ok`, type: 'http response', z: tab, statusCode: '200', wires: [], x: 520, y: 80 },
  ];
  return [
    { id: 'tabA', type: 'tab', label: 'A' },
    { id: 'tabB', type: 'tab', label: 'B' },
    ...route('tabA', 'tokA', '/a'),
    ...route('tabB', 'tokB', '/b'),
    { id: 'aud', type: 'authflow-audit', z: 'tabA', wires: [['keep']], x: 120, y: 200 },
    { id: 'keep', type: 'function', z: 'tabA', func: "const all = global.get('events') || []; all.push(msg.payload); global.set('events', all); return null;", outputs: 1, wires: [[]], x: 320, y: 200 },
    { id: 'ev-in', type: 'http in', z: 'tabA', url: '/events', method: 'get', wires: [['ev']], x: 120, y: 260 },
    { id: 'ev', type: 'function', z: 'tabA', func: "msg.payload = global.get('events') || []; return msg;", outputs: 1, wires: [['ev-out']], x: 320, y: 260 },
    { id: 'ev-out', type: 'http response', z: 'tabA', wires: [], x: 520, y: 260 },
  ].map(({ _token, ...n }) => n);
}

describe('audit node dialog and debug-headers checkbox in a real browser', function () {
  this.timeout(180000);
  let red, port, browser, page, userDir;

  before(async () => {
    port = await freePort();
    userDir = prepareUserDir(fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-audit-editor-')), {
      port, flows: flows(), creds: { tokA: { tokenList: 'token-a' }, tokB: { tokenList: 'token-b' } },
    });
    red = await startNodeRed(userDir, port);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.node('aud'), null, { timeout: 60000 });
  });
  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `audit-editor-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) });
    }
  });
  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  async function dialog(id, fill) {
    await page.evaluate((i) => RED.editor.edit(RED.nodes.node(i)), id);
    await page.locator('#node-dialog-ok').waitFor({ state: 'visible', timeout: 10000 });
    await fill();
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-dialog-ok').waitFor({ state: 'detached', timeout: 10000 });
  }

  async function deploy() {
    await page.evaluate(() => document.querySelectorAll('.red-ui-notification').forEach((n) => n.remove()));
    await page.locator('#red-ui-header-button-deploy:not(.disabled)').waitFor({ timeout: 20000 });
    const posted = page.waitForResponse((r) => /\/flows$/.test(r.url()) && r.request().method() === 'POST', { timeout: 30000 });
    await page.locator('#red-ui-header-button-deploy').click();
    assert.equal((await posted).status(), 200, 'deploy accepted');
    await page.locator('.red-ui-deploy-button-spinner').waitFor({ state: 'hidden', timeout: 20000 });
    for (let i = 0; i < 50 && (await request(port, '/events')).status === 404; i++) await new Promise((r) => setTimeout(r, 100));
  }

  it('audit: "selected nodes" (ticked in the list), refusals only, OCSF, buffer size — the runtime reports exactly that', async () => {
    await dialog('aud', async () => {
      await page.locator('#node-input-scope').selectOption('selected');
      const tickB = page.locator('#authflow-audit-sources input[data-node-id="tokB"]');
      await tickB.waitFor({ state: 'visible' });
      assert.equal(await page.locator('#authflow-audit-sources input[data-node-id="tokA"]').count(), 1, 'every auth node is listed');
      await tickB.check();
      await page.locator('#node-input-outcomes').selectOption('deny');
      await page.locator('#node-input-format').selectOption('ocsf');
      await page.locator('#node-input-bufferSize').fill('50');
    });
    const saved = await page.evaluate(() => { const n = RED.nodes.node('aud'); return { scope: n.scope, sources: n.sources, outcomes: n.outcomes, format: n.format, bufferSize: n.bufferSize }; });
    assert.deepEqual(saved, { scope: 'selected', sources: 'tokB', outcomes: 'deny', format: 'ocsf', bufferSize: '50' });
    await deploy();

    assert.equal((await request(port, '/a', { 'x-auth-token': 'nope-1' })).status, 401); // not selected
    assert.equal((await request(port, '/b', { 'x-auth-token': 'token-b' })).status, 200); // selected, allowed: filtered out
    assert.equal((await request(port, '/b', { 'x-auth-token': 'nope-2', 'X-Request-Id': 'dialog-test-1' })).status, 401);
    let events = [];
    for (let i = 0; i < 50 && events.length < 1; i++) {
      events = JSON.parse((await request(port, '/events')).text);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    events = JSON.parse((await request(port, '/events')).text);
    assert.equal(events.length, 1, JSON.stringify(events));
    const [e] = events;
    assert.deepEqual([e.class_uid, e.status, e.status_code, e.unmapped.node_id, e.metadata.correlation_uid], [3002, 'Failure', 'AUTH_004', 'tokB', 'dialog-test-1']);
    const deployed = JSON.parse((await request(port, '/flows', { 'Node-RED-API-Version': 'v1' })).text).find((n) => n.id === 'aud');
    assert.equal(Number(deployed.bufferSize), 50);
  });

  it('token: the "Send X-Auth-* debug headers" checkbox turns the headers on, with a yellow status', async () => {
    assert.equal((await request(port, '/a', { 'x-auth-token': 'token-a' })).headers['x-auth-method'], undefined, 'off before');
    await dialog('tokA', async () => {
      await page.locator('#node-input-debugHeaders').check();
    });
    await deploy();
    const ok = await request(port, '/a', { 'x-auth-token': 'token-a' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-auth-method'], 'token');
    assert.ok(ok.headers['x-auth-key-id'] && ok.headers['x-auth-ip']);
    const refused = await request(port, '/a', { 'x-auth-token': 'nope-3' });
    assert.equal(refused.headers['x-auth-method'], 'token');
    assert.ok(!JSON.stringify([ok.headers, refused.headers]).includes('token-a'));
    assert.equal((await request(port, '/a', { 'x-auth-token': 'token-a' })).status, 200); // the last decision: an allowed one
    await page.evaluate(() => RED.workspaces.show('tabA'));
    const status = page.locator('[id="tokA"] .red-ui-flow-node-status-label');
    for (let i = 0; i < 50 && !/debug headers on/.test((await status.textContent().catch(() => '')) || ''); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(await status.textContent(), /debug headers on/);
    const fill = await page.locator('[id="tokA"] .red-ui-flow-node-status').getAttribute('class');
    assert.match(fill, /yellow/);
  });
});
