'use strict';
// The editor in a real browser against a real Node-RED with the packed
// package installed: palette, drag-wire-edit-deploy, Import > Examples.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const http = require('http');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { installedUserDir } = require('../support/packed-install');
const { launchBrowser, clearNotifications, deploy, routeReady, ARTIFACTS } = require('../support/browser');

const pkg = require('../../package.json');
const ourTypes = Object.keys(pkg['node-red'].nodes);
let checkTypes; // every type but the config nodes (no palette entry, no ports): read from the editor once it has loaded
const examples = fs.readdirSync(path.join(__dirname, '../../examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();

function get(port, urlPath, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

async function center(locator) {
  const b = await locator.boundingBox();
  assert.ok(b, 'element not visible');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

async function dragMouse(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 8 });
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
}

const linkExists = (page, from, port, to) =>
  page.evaluate(([f, p, t]) => RED.nodes.filterLinks({}).some((l) => l.source.id === f && l.sourcePort === p && l.target.id === t), [from, port, to]);

/** Drags a wire from an output port to an input port; a drag that lands badly (a busy machine drops mouse moves) is redone. */
async function wire(page, from, port, to) {
  for (let attempt = 0; attempt < 3 && !(await linkExists(page, from, port, to)); attempt++) {
    await clearNotifications(page);
    const out = page.locator(`[id="${from}"] .red-ui-flow-port-output .red-ui-flow-port`).nth(port);
    const input = page.locator(`[id="${to}"] .red-ui-flow-port-input .red-ui-flow-port`).first();
    await dragMouse(page, await center(out), await center(input));
  }
  assert.ok(await linkExists(page, from, port, to), `wire ${from}:${port} -> ${to}`);
}

describe('editor in a real browser (chromium + playwright-core)', function () {
  this.timeout(300000);
  let red, browser, page, port;

  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    port = await freePort();
    red = await startNodeRed(installedUserDir(port, { flows: [{ id: 'tab1', type: 'tab', label: 'Editor test' }] }), port);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector(`.red-ui-palette-node[data-palette-type="${ourTypes[0]}"]`, { timeout: 60000 });
    checkTypes = await page.evaluate((types) => types.filter((t) => RED.nodes.getType(t) && RED.nodes.getType(t).category !== 'config'), ourTypes);
    assert.ok(checkTypes.length > 0);
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) {
      await page.screenshot({ path: path.join(ARTIFACTS, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) });
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  it('the "auth" palette category lists every node of the package', async () => {
    const listed = await page.$$eval('#red-ui-palette-container-auth .red-ui-palette-node', (els) => els.map((e) => e.getAttribute('data-palette-type')));
    for (const type of checkTypes) assert.ok(listed.includes(type), `${type} missing from the auth palette: ${listed}`);
    await page.locator('#red-ui-palette-container-auth').scrollIntoViewIfNeeded();
    await page.locator('#red-ui-palette-container-auth').screenshot({ path: path.join(ARTIFACTS, 'palette-auth.png') });
  });

  it('drag auth token into the workspace, wire it, fill its dialog, deploy: the endpoint refuses and accepts as configured', async () => {
    // Placed directly at fixed positions (view.importNodes would make them follow the mouse until a click).
    await page.evaluate(() => {
      const z = RED.workspaces.active();
      RED.nodes.import(
        [
          { id: 'ui-in', type: 'http in', url: '/ui-test', method: 'get', x: 160, y: 260, z, wires: [[]] },
          { id: 'ui-out', type: 'http response', x: 620, y: 260, z, wires: [] },
        ],
        { generateIds: false },
      );
      RED.nodes.dirty(true);
      RED.view.redraw(true);
    });
    await clearNotifications(page);
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    const source = page.locator('.red-ui-palette-node[data-palette-type="authflow-token"]');
    await source.scrollIntoViewIfNeeded();
    await dragMouse(page, await center(source), { x: chart.x + 420, y: chart.y + 320 });
    const tokenId = await page.evaluate(() => RED.nodes.filterNodes({ type: 'authflow-token' })[0]?.id);
    assert.ok(tokenId, 'the dropped node exists in the workspace');

    // Wires drawn with the mouse, port to port, as a user does it.
    await wire(page, 'ui-in', 0, tokenId);
    await wire(page, tokenId, 0, 'ui-out');
    await wire(page, tokenId, 1, 'ui-out');
    const wires = await page.evaluate((id) => RED.nodes.filterLinks({}).map((l) => `${l.source.id}:${l.sourcePort}->${l.target.id}`).filter((w) => w.includes(id)), tokenId);
    assert.deepStrictEqual(wires.sort(), [`${tokenId}:0->ui-out`, `${tokenId}:1->ui-out`, `ui-in:0->${tokenId}`].sort());

    await page.locator(`[id="${tokenId}"] .red-ui-flow-node`).dblclick();
    await page.locator('#node-input-header').waitFor();
    await page.locator('#node-input-header-apikey').click(); // the one-click X-API-Key
    await page.locator('#node-input-tokenList').fill('ui-secret-1');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-auth-token.png') });
    await page.locator('#node-dialog-ok').click();
    await deploy(page);
    await routeReady(port, '/ui-test');

    const refused = await get(port, '/ui-test');
    assert.strictEqual(refused.status, 401);
    assert.strictEqual(JSON.parse(refused.body).error, 'AUTH_001');
    const wrong = await get(port, '/ui-test', { 'X-API-Key': 'nope' });
    assert.strictEqual(JSON.parse(wrong.body).error, 'AUTH_004');
    const ok = await get(port, '/ui-test', { 'X-API-Key': 'ui-secret-1' });
    assert.strictEqual(ok.status, 200);
  });

  it('every node dialog opens with help text (Inputs, Outputs, Details, References)', async () => {
    for (const type of checkTypes) {
      const help = await page.evaluate((t) => RED.nodes.getType(t) && $(`script[data-help-name="${t}"]`).html(), type);
      assert.ok(help, `${type} help`);
      for (const section of ['Inputs', 'Outputs', 'Details', 'References']) assert.match(help, new RegExp(`<h3>${section}</h3>`), `${type} help lacks ${section}`);
    }
  });

  it('Import > Examples lists every example of the package; each imports and deploys without an error or unknown node', async () => {
    await page.keyboard.press('Escape');
    for (const name of examples) {
      await clearNotifications(page);
      await page.evaluate(() => RED.actions.invoke('core:show-import-dialog'));
      await page.locator('.red-ui-clipboard-dialog-tabs li:visible, .red-ui-tab:visible, span:visible', { hasText: /^\s*Examples\s*$/ }).first().click();
      await page.locator('.red-ui-treeList-label:visible', { hasText: pkg.name }).first().click();
      const entry = page.locator('.red-ui-treeList-label:visible', { hasText: name }).first();
      await entry.waitFor({ timeout: 10000 });
      await entry.click();
      await page.locator('#red-ui-clipboard-dialog-ok').click();
      // Imported nodes follow the mouse until placed: click an empty spot of the workspace.
      const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
      await page.mouse.click(chart.x + 60, chart.y + chart.height - 60);
      const unknown = await page.evaluate(() => RED.nodes.filterNodes({ type: 'unknown' }).length);
      assert.strictEqual(unknown, 0, `${name}: unknown node types`);
    }
    // One deploy of everything imported: a node that fails to start logs an error either way.
    await deploy(page);
    const imported = await page.evaluate(() => RED.nodes.filterNodes({}).filter((n) => n.type.startsWith('authflow-')).map((n) => n.type));
    for (const type of checkTypes) assert.ok(imported.includes(type), `no example uses ${type}`);
    assert.doesNotMatch(red.log(), /\[error\]/, 'a node reported an error at deploy');
  });
});
