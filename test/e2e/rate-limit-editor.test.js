'use strict';
/**
 * The authflow-rate-limit dialog in a real browser (chromium + playwright-core)
 * against a real Node-RED: every option is set through the dialog — two
 * limits in the list, count per msg property, header switches, a Redis
 * store, fail open with a local share, respond automatically — then
 * deployed and proven over real HTTP, including a Redis outage (a TCP proxy
 * we cut) answered by the local limits chosen in the dialog.
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
const { launchBrowser, openEditor, openNode, deploy, recordFailure, ARTIFACTS } = require('../support/browser');
const { tcpProxy } = require('../support/tcp-proxy');
const { requireRedis, REDIS_URL } = require('../support/services');

const PREFIX = `authflow_rl_ui_${crypto.randomBytes(4).toString('hex')}:`;

function get(port, urlPath, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: body ? JSON.parse(body) : undefined }));
    }).on('error', reject);
  });
}

describe('authflow-rate-limit dialog in a real browser, proven over HTTP', function () {
  this.timeout(180000);
  let red, browser, page, port, proxy, userDir;

  before(async function () {
    await requireRedis(this);
    proxy = tcpProxy(Number(new URL(REDIS_URL).port || 6379));
    await proxy.start();
    port = await freePort();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-rl-ui-'));
    const flows = [
      { id: 'tab1', type: 'tab', label: 'Rate limit UI' },
      { id: 'st', type: 'authflow-store', name: 'ui redis', backend: 'redis', keyPrefix: PREFIX, timeout: 300 },
      { id: 'in', type: 'http in', z: 'tab1', url: '/rl-ui', method: 'get', x: 160, y: 200, wires: [['rl']] },
      { id: 'rl', type: 'authflow-rate-limit', z: 'tab1', x: 400, y: 200, wires: [['ok'], ['out']] },
      { id: 'ok', type: 'function', z: 'tab1', x: 600, y: 160, func: 'msg.payload = { ok: true, source: msg.rateLimit.source }; return msg;', wires: [['out']] },
      { id: 'out', type: 'http response', z: 'tab1', x: 800, y: 200, wires: [] },
    ];
    prepareUserDir(userDir, { port, flows, creds: { st: { redisUrl: `redis://127.0.0.1:${proxy.port}` } } });
    red = await startNodeRed(userDir, port);
    browser = await launchBrowser();
    page = await openEditor(browser, port, { paletteType: 'authflow-rate-limit' });
  });

  afterEach(async function () {
    await recordFailure(this, page, 'failed-rate-limit-dialog', red);
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (proxy) await proxy.stop().catch(() => {});
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    const client = new Redis(REDIS_URL);
    const keys = await client.keys(`${PREFIX}*`);
    if (keys.length) await client.del(...keys);
    client.disconnect();
  });

  it('limits list, key, headers, store, fail open with 30 %, respond: set in the dialog, deployed, proven by HTTP', async () => {
    await openNode(page, 'rl', '#node-input-limits-container .authflow-rate-limit-row >> nth=0');
    // Row 1 (the default row): "burst" 2 per 1 minute.
    const rows = page.locator('#node-input-limits-container .authflow-rate-limit-row');
    assert.equal(await rows.count(), 1, 'a new node starts with one limit');
    await rows.nth(0).locator('.authflow-rl-name').fill('burst');
    await rows.nth(0).locator('.authflow-rl-limit').fill('2');
    await rows.nth(0).locator('.authflow-rl-window').fill('1');
    await rows.nth(0).locator('.authflow-rl-unit').selectOption('m');
    // Row 2, added with the list's add button: "daily" 10 per 1 day.
    await page.locator('.red-ui-editableList-addButton').first().click();
    await rows.nth(1).locator('.authflow-rl-name').fill('daily');
    await rows.nth(1).locator('.authflow-rl-limit').fill('10');
    await rows.nth(1).locator('.authflow-rl-window').fill('1');
    await rows.nth(1).locator('.authflow-rl-unit').selectOption('d');
    await page.locator('#node-input-keyBy').selectOption('msg');
    await page.locator('#node-input-keyProperty').fill('req.headers.x-tenant');
    await page.locator('#node-input-legacyHeaders').uncheck();
    await page.locator('#node-input-quotaHeader').check();
    await page.locator('#node-input-store').selectOption('st');
    await page.locator('#node-input-onStoreError').selectOption('open');
    await page.locator('#node-input-fallbackPercent').fill('30');
    await page.locator('#node-input-respond').check();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-rate-limit.png') });
    await page.locator('#node-dialog-ok').click();
    await deploy(page);

    // The runtime received what the dialog set.
    let res;
    for (let i = 0; i < 50; i++) {
      res = await get(port, '/rl-ui', { 'x-tenant': 'acme' });
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(res.status, 200, JSON.stringify(res));
    assert.equal(res.body.source, 'redis', 'the Redis store picked in the dialog');
    assert.equal(res.headers['ratelimit-policy'], '"burst";q=2;w=60, "daily";q=10;w=86400');
    assert.equal(res.headers['x-auth-remaining-quota'], '9');
    assert.equal(res.headers['x-ratelimit-limit'], undefined, 'X-RateLimit-* unticked');
    await get(port, '/rl-ui', { 'x-tenant': 'acme' });
    const refused = await get(port, '/rl-ui', { 'x-tenant': 'acme' });
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.body, { error: 'AUTH_009', message: 'Rate limit exceeded' }, 'answered by the node itself (respond automatically)');
    assert.equal(refused.headers['retry-after'], '30');
    assert.equal((await get(port, '/rl-ui', { 'x-tenant': 'globex' })).status, 200, 'counted per msg.req.headers.x-tenant');

    // Fail open at 30 %: with Redis cut, local limits (30 % of 2 → at least 1, 30 % of 10 → 3) decide.
    await proxy.stop();
    let local;
    for (let i = 0; i < 60; i++) {
      local = await get(port, '/rl-ui', { 'x-tenant': 'initech' });
      if (local.status === 200 && local.body.source === 'local-fallback') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(local.body.source, 'local-fallback', JSON.stringify(local));
    assert.equal(local.headers['ratelimit-policy'], '"burst";q=1;w=60, "daily";q=3;w=86400');
    assert.equal((await get(port, '/rl-ui', { 'x-tenant': 'initech' })).status, 429);
    await page.waitForFunction(() => /store down · local limits 30%/.test(document.querySelector('[id="rl"]')?.textContent || ''), null, { timeout: 10000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'rate-limit-store-down-status.png') });
  });
});
