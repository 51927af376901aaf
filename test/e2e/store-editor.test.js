'use strict';
const { serviceMissing } = require('../support/services');
/**
 * The authflow-store dialog in a real browser (Debian chromium +
 * playwright-core) against a real Node-RED process: one backend at a time
 * shows its own fields, the context-store list comes from settings.js,
 * secrets are password fields, the help has its four sections, and Node-RED
 * counts the nodes that use the store (the "users" badge) — here two
 * test-only nodes that select it the way login/bearer do, through a
 * `store` property of type authflow-store.
 *
 * Without chromium the suite is skipped with a note, except under CI=true.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { prepareUserDir, root } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { launchBrowser } = require('../support/browser');

const registered = Object.keys(require('../../package.json')['node-red'].nodes).includes('authflow-store');

// A node whose editor selects a store like the stateful nodes do.
const USER_NODE_JS = `module.exports = function (RED) {
  function TestStoreUser(config) { RED.nodes.createNode(this, config); }
  RED.nodes.registerType('test-store-user', TestStoreUser);
};\n`;
const USER_NODE_HTML = `<script type="text/javascript">
  RED.nodes.registerType('test-store-user', {
    category: 'function', color: '#ddd', inputs: 1, outputs: 1,
    defaults: { name: { value: '' }, store: { value: '', type: 'authflow-store', required: false } },
    label: function () { return this.name || 'store user'; }
  });
</script>
<script type="text/html" data-template-name="test-store-user">
  <div class="form-row"><label for="node-input-store">Store</label><input type="text" id="node-input-store"></div>
</script>\n`;

const flows = [
  { id: 'tab1', type: 'tab', label: 'store editor test' },
  { id: 'storeA', type: 'authflow-store', name: 'shared state', backend: 'context', contextStore: 'file' },
  { id: 'storeB', type: 'authflow-store', name: 'unused', backend: 'redis' },
  { id: 'u1', type: 'test-store-user', z: 'tab1', name: 'login', store: 'storeA', x: 200, y: 100, wires: [[]] },
  { id: 'u2', type: 'test-store-user', z: 'tab1', name: 'bearer', store: 'storeA', x: 200, y: 180, wires: [[]] },
];

describe('authflow-store dialog in a real browser', function () {
  this.timeout(120000);
  let red, browser, page, userDir;

  before(async function () {
    try {
      browser = await launchBrowser();
    } catch (err) {
      serviceMissing(this, err.message);
    }
    const port = await freePort();
    userDir = prepareUserDir(fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-store-editor-')), { port, flows, creds: {} });
    const nodesDir = path.join(userDir, 'nodes');
    fs.mkdirSync(nodesDir, { recursive: true });
    fs.writeFileSync(path.join(nodesDir, 'test-store-user.js'), USER_NODE_JS);
    fs.writeFileSync(path.join(nodesDir, 'test-store-user.html'), USER_NODE_HTML);
    if (!registered) {
      // Until package.json registers it: a stand-in package around the built node, so Node-RED loads
      // its editor, locales and help exactly as it does for a registered node.
      const shim = path.join(userDir, 'node_modules', 'authflow-store-under-test');
      fs.mkdirSync(shim, { recursive: true });
      fs.writeFileSync(path.join(shim, 'package.json'), JSON.stringify({
        name: 'authflow-store-under-test', version: '0.0.0', keywords: ['node-red'], 'node-red': { nodes: { 'authflow-store': 'store/authflow-store.js' } },
      }));
      fs.symlinkSync(path.join(root, 'dist', 'nodes', 'store'), path.join(shim, 'store'), 'dir');
    }
    red = await startNodeRed(userDir, port);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.node('storeA') && RED.nodes.node('u1'), null, { timeout: 60000 });
  });

  after(async function () {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('Node-RED counts the nodes using each store in the Configuration nodes sidebar', async function () {
    await page.evaluate(() => RED.sidebar.show('config'));
    const counts = await page.evaluate(() => {
      const out = {};
      document.querySelectorAll('.red-ui-palette-node-config').forEach((el) => {
        const label = el.querySelector('.red-ui-palette-label');
        const count = el.querySelector('.red-ui-palette-icon-container-right');
        if (label && count) out[label.textContent.trim()] = count.textContent.trim();
      });
      return out;
    });
    assert.equal(counts['shared state'], '2', JSON.stringify(counts));
    assert.equal(counts.unused, '0', JSON.stringify(counts));
  });

  it('the dialog shows only the chosen backend\'s fields, secrets as password fields, and the user count', async function () {
    await page.evaluate(() => RED.editor.editConfig('', 'authflow-store', 'storeA'));
    await page.locator('#node-config-input-backend').waitFor({ state: 'visible', timeout: 10000 });
    assert.equal((await page.locator('#red-ui-editor-config-user-count').textContent()).trim(), '2');
    // Labels come from the locale catalogue, not raw keys.
    assert.equal((await page.locator('label[for="node-config-input-backend"]').textContent()).trim(), 'Backend');

    const visible = (sel) => page.locator(sel).first().isVisible();
    const shown = async () => ({
      context: await visible('.authflow-store-context'),
      redis: await visible('.authflow-store-redis'),
      postgres: await visible('.authflow-store-postgres'),
      prefix: await visible('.authflow-store-prefix'),
    });
    assert.deepEqual(await shown(), { context: true, redis: false, postgres: false, prefix: true });
    // The context stores from settings.js, "file" selected as saved.
    const options = await page.$$eval('#node-config-input-contextStore option', (os) => os.map((o) => o.value));
    assert.deepEqual(options, ['', 'default', 'file']);
    assert.equal(await page.locator('#node-config-input-contextStore').inputValue(), 'file');

    await page.locator('#node-config-input-backend').selectOption('redis');
    assert.deepEqual(await shown(), { context: false, redis: true, postgres: false, prefix: true });
    assert.equal(await page.locator('#node-config-input-keyPrefix').getAttribute('placeholder'), 'authflow:');
    assert.equal(await page.locator('#node-config-input-redisUrl').getAttribute('type'), 'password');
    assert.equal(await page.locator('#node-config-input-redisPassword').getAttribute('type'), 'password');
    assert.equal(await page.locator('#node-config-row-redisSentinelPassword').isVisible(), false);

    await page.locator('#node-config-input-backend').selectOption('postgres');
    assert.deepEqual(await shown(), { context: false, redis: false, postgres: true, prefix: false });
    assert.equal(await page.locator('#node-config-input-pgConnectionString').getAttribute('type'), 'password');

    await page.locator('#node-config-dialog-cancel').click();
  });

  it('the help has Inputs, Outputs, Details and References', async function () {
    await page.evaluate(() => RED.sidebar.help.show('authflow-store'));
    const help = page.locator('.red-ui-help');
    await help.locator('h3').first().waitFor({ timeout: 10000 });
    assert.deepEqual((await help.locator('h3').allTextContents()).map((t) => t.trim()), ['Inputs', 'Outputs', 'Details', 'References']);
  });
});
