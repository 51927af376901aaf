'use strict';
/**
 * The authflow-hmac dialog in a real browser (chromium + playwright-core)
 * against a real Node-RED: every option is set through the dialog, deployed,
 * and proven over real HTTP.
 *  - node 1, signed requests: scheme Kindly, window 600 s, body limit 100
 *    bytes, keys typed into the credential box, a Redis replay store picked
 *    from the list, respond automatically;
 *  - node 2, webhooks: sender "other", header, base64, prefix,
 *    the secret from an environment variable (typedInput "env").
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const Redis = require('ioredis');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { launchBrowser, openEditor, openNode, setTypedInput, deploy, recordFailure, ARTIFACTS } = require('../support/browser');
const { requireRedis, REDIS_URL } = require('../support/services');

const PREFIX = `authflow_hmac_ui_${crypto.randomBytes(4).toString('hex')}:`;
const API_KEY = 'kapi_test_ui_0123456789abcdef0123456789';
const SECRET = crypto.randomBytes(32).toString('hex');
const HOOK_SECRET = crypto.randomBytes(32).toString('hex');

function request(port, method, urlPath, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What the Kindly guide's client sends (tested verbatim in test/nodes/hmac.test.js). */
function kindly(method, target, bodyText, { ts = Math.floor(Date.now() / 1000) } = {}) {
  const nonce = crypto.randomBytes(16).toString('hex');
  const sorted = bodyText ? JSON.stringify(JSON.parse(bodyText), Object.keys(JSON.parse(bodyText)).sort()).replace(/":/g, '": ').replace(/,"/g, ', "') : '';
  const sig = crypto.createHmac('sha256', SECRET).update(method + target + ts + nonce + sorted).digest('hex');
  return { 'X-API-Key': API_KEY, 'X-Timestamp': String(ts), 'X-Nonce': nonce, 'X-Signature': sig, 'Content-Type': 'application/json' };
}

describe('authflow-hmac dialog in a real browser, proven over HTTP', function () {
  this.timeout(180000);
  let red, browser, page, port, userDir;

  before(async function () {
    await requireRedis(this);
    port = await freePort();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-hmac-ui-'));
    const flows = [
      { id: 'tab1', type: 'tab', label: 'Signature UI' },
      { id: 'st', type: 'authflow-store', name: 'ui redis', backend: 'redis', keyPrefix: PREFIX },
      { id: 'in1', type: 'http in', z: 'tab1', url: '/ui-signed', method: 'post', skipBodyParsing: true, x: 160, y: 160, wires: [['sig']] },
      { id: 'sig', type: 'authflow-hmac', z: 'tab1', x: 400, y: 160, wires: [['ok'], []] },
      { id: 'in2', type: 'http in', z: 'tab1', url: '/ui-hook', method: 'post', skipBodyParsing: true, x: 160, y: 280, wires: [['hook']] },
      { id: 'hook', type: 'authflow-hmac', z: 'tab1', x: 400, y: 280, respond: true, wires: [['ok'], []] },
      { id: 'ok', type: 'function', z: 'tab1', x: 620, y: 220, func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', wires: [['out']] },
      { id: 'out', type: 'http response', z: 'tab1', x: 820, y: 220, wires: [] },
    ];
    prepareUserDir(userDir, { port, flows, creds: { st: { redisUrl: REDIS_URL } } });
    red = await startNodeRed(userDir, port, { env: { AUTHFLOW_UI_HOOK_SECRET: HOOK_SECRET } });
    browser = await launchBrowser();
    page = await openEditor(browser, port, { paletteType: 'authflow-hmac' });
  });

  afterEach(async function () {
    await recordFailure(this, page, 'failed-hmac-dialog', red);
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    const client = new Redis(REDIS_URL);
    const keys = await client.keys(`${PREFIX}*`);
    if (keys.length) await client.del(...keys);
    client.disconnect();
  });

  it('both dialogs set every option; the runtime enforces each one', async () => {
    // Node 1: signed requests, Kindly scheme.
    await openNode(page, 'sig', '#node-input-mode');
    assert.equal(await page.locator('#node-input-preset').isVisible(), false, 'webhook rows hidden in request mode');
    await page.locator('#node-input-scheme').selectOption('kindly');
    await page.locator('#node-input-window').fill('600');
    await page.locator('#node-input-maxBody').fill('100');
    await page.locator('#node-input-store').selectOption('st');
    await page.locator('#node-input-secretList').fill(JSON.stringify([{ apiKey: API_KEY, id: 'ui-key', secret: SECRET, scopes: ['orders:write'] }]));
    await page.locator('#node-input-respond').check();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-hmac-request.png') });
    await page.locator('#node-dialog-ok').click();

    // Node 2: webhooks from another sender, secret from an environment variable.
    await openNode(page, 'hook', '#node-input-mode');
    await page.locator('#node-input-mode').selectOption('webhook');
    assert.equal(await page.locator('#node-input-scheme').isVisible(), false, 'request rows hidden in webhook mode');
    await page.locator('#node-input-preset').selectOption('generic');
    await page.locator('#node-input-sigHeader').fill('X-Hook-Sig');
    await page.locator('#node-input-sigEncoding').selectOption('base64');
    await page.locator('#node-input-sigPrefix').fill('v1=');
    await setTypedInput(page, 'secrets', 'env', 'AUTHFLOW_UI_HOOK_SECRET');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-hmac-webhook.png') });
    await page.locator('#node-dialog-ok').click();
    await deploy(page);

    // Node 1 over HTTP.
    const body = '{"b": 1, "a": "x"}';
    let ok;
    for (let i = 0; i < 50; i++) {
      ok = await request(port, 'POST', '/ui-signed', kindly('POST', '/ui-signed', body, { ts: Math.floor(Date.now() / 1000) + 500 }), body);
      if (ok.status !== 404) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ok.status, 200, `Kindly scheme, 500 s ahead inside the 600 s window: ${JSON.stringify(ok.body)}`);
    assert.deepEqual(ok.body.auth, { method: 'hmac', subject: 'ui-key', keyId: 'ui-key', scopes: ['orders:write'], ip: '127.0.0.1' });
    const client = new Redis(REDIS_URL);
    try {
      assert.equal((await client.keys(`${PREFIX}af:sn:*`)).length, 1, 'the nonce went to the Redis store picked in the dialog');
    } finally {
      client.disconnect();
    }
    const big = JSON.stringify({ data: 'x'.repeat(100) });
    assert.equal((await request(port, 'POST', '/ui-signed', kindly('POST', '/ui-signed', big), big)).status, 413, 'body limit 100');
    const stale = await request(port, 'POST', '/ui-signed', kindly('POST', '/ui-signed', body, { ts: Math.floor(Date.now() / 1000) - 700 }), body);
    assert.deepEqual([stale.status, stale.body.error], [401, 'AUTH_010'], 'answered by the node itself (respond automatically, output 2 unwired)');

    // Node 2 over HTTP.
    const event = '{"event":"ping"}';
    const sig = 'v1=' + crypto.createHmac('sha256', HOOK_SECRET).update(event).digest('base64');
    const hook = await request(port, 'POST', '/ui-hook', { 'X-Hook-Sig': sig }, event);
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    assert.equal(hook.body.auth.subject, 'webhook');
    assert.equal((await request(port, 'POST', '/ui-hook', { 'X-Hook-Sig': sig.slice(3) }, event)).status, 400, 'prefix v1= required');
    const hex = 'v1=' + crypto.createHmac('sha256', HOOK_SECRET).update(event).digest('hex');
    assert.equal((await request(port, 'POST', '/ui-hook', { 'X-Hook-Sig': hex }, event)).status, 400, 'base64, not hex');
  });
});
