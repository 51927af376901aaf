'use strict';
// Debian's chromium driven by playwright-core (never a downloaded browser),
// and the steps every editor test takes: open the editor, open a node's
// dialog, set a typedInput, deploy and wait for the routes.
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '../../test-artifacts');

function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM} (apt-get install chromium; .ci/run does it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/**
 * A new page on the Node-RED editor at `port`, once it has loaded: the palette shows
 * `paletteType`, or the workspace holds the node `node` (id).
 */
async function openEditor(browser, port, { paletteType, node, height = 1000 }) {
  const page = await browser.newPage({ viewport: { width: 1400, height } });
  await page.goto(`http://127.0.0.1:${port}/`);
  if (paletteType) await page.waitForSelector(`.red-ui-palette-node[data-palette-type="${paletteType}"]`, { timeout: 60000 });
  else await page.waitForFunction((id) => window.RED && RED.nodes && RED.nodes.node(id), node, { timeout: 60000 });
  return page;
}

/** Notifications can cover nodes at the top of the workspace and the deploy button. */
function clearNotifications(page) {
  return page.evaluate(() => document.querySelectorAll('.red-ui-notification').forEach((n) => n.remove()));
}

/** Opens a flow node's edit dialog as a user does: a double click on the node in the workspace; then waits for `waitFor` (a selector), when given. */
async function openNode(page, id, waitFor) {
  await clearNotifications(page);
  await page.locator(`[id="${id}"] .red-ui-flow-node`).dblclick();
  if (waitFor) await page.locator(waitFor).waitFor();
}

/**
 * Opens the config node dialog behind an edit (pencil) button of the open
 * node dialog, as a user does. A click that lands while the tray is still
 * sliding in can be lost (seen once in CI on a loaded machine: no config
 * dialog in 30 s); it is then simply done again, up to three times.
 */
async function openConfigDialog(page, button) {
  const dialog = page.locator('#node-config-dialog-ok');
  for (let attempt = 1; ; attempt++) {
    if (await dialog.isVisible()) return;
    await page.locator(button).click();
    try {
      await dialog.waitFor({ state: 'visible', timeout: 5000 });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

/**
 * Opens a node's (or config node's) edit dialog through RED.editor (works for nodes not on
 * the visible canvas), runs `fill(prefix)` with the dialog's input id prefix, clicks Done.
 */
async function editNode(page, id, fill) {
  const config = await page.evaluate((i) => RED.nodes.node(i)._def.category === 'config', id);
  const ok = config ? '#node-config-dialog-ok' : '#node-dialog-ok';
  await page.evaluate(([i, c]) => (c ? RED.editor.editConfig('', RED.nodes.node(i).type, i) : RED.editor.edit(RED.nodes.node(i))), [id, config]);
  await page.locator(ok).waitFor({ state: 'visible', timeout: 10000 });
  await fill(config ? 'node-config-input' : 'node-input');
  await page.locator(ok).click();
  await page.locator(ok).waitFor({ state: 'detached', timeout: 10000 });
}

/**
 * Sets a typedInput the way a user does: its type menu, then (when given) the text.
 * `field` is a property of the node dialog, or a full element id (`node-…`).
 */
async function setTypedInput(page, field, type, value) {
  const container = page.locator(field.startsWith('node-') ? `#${field}` : `#node-input-${field}`).locator('xpath=..');
  await pickTypedInputType(page, container.locator('.red-ui-typedInput-type-select'), type);
  if (value !== undefined) await container.locator('input.red-ui-typedInput-input').fill(value);
}

/**
 * Opens a typedInput's type menu with its button and picks `type`, as a user
 * would when the editor is slow: a click that lands while the edit tray is
 * still sliding in can miss the menu, and one that lands while the menu is
 * still opening can leave it open with the type unchanged (seen on a loaded
 * machine); either is simply done again, up to three times.
 */
async function pickTypedInputType(page, button, type) {
  const option = page.locator(`.red-ui-typedInput-options a[value="${type}"]`).filter({ visible: true }).first();
  const retry = async (what, attempt) => {
    try {
      await what();
      return true;
    } catch (err) {
      if (attempt === 3) throw err;
      return false;
    }
  };
  for (let attempt = 1; ; attempt++) {
    await button.click();
    if (await retry(() => option.waitFor({ state: 'visible', timeout: 3000 }), attempt)) break;
  }
  for (let attempt = 1; ; attempt++) {
    await option.click();
    // The menu closes once the pick took.
    if (await retry(() => page.waitForFunction((t) => ![...document.querySelectorAll(`.red-ui-typedInput-options a[value="${t}"]`)].some((a) => a.offsetParent !== null), type, { timeout: 2000 }), attempt)) break;
  }
}

/** Clicks Deploy and waits until the runtime accepted the flows and the editor is idle again. */
async function deploy(page) {
  await clearNotifications(page);
  await page.locator('#red-ui-header-button-deploy:not(.disabled)').waitFor({ timeout: 20000 });
  const posted = page.waitForResponse((r) => /\/flows$/.test(r.url()) && r.request().method() === 'POST', { timeout: 30000 });
  await page.locator('#red-ui-header-button-deploy').click();
  assert.equal((await posted).status(), 200, 'deploy accepted by the runtime');
  await page.locator('.red-ui-deploy-button-spinner').waitFor({ state: 'hidden', timeout: 20000 });
}

/** The runtime registers http in routes as flows start: poll (bounded, 5 s) until a GET of the route is no 404. */
async function routeReady(port, urlPath) {
  for (let i = 0; i < 50; i++) {
    if ((await fetch(`http://127.0.0.1:${port}${urlPath}`)).status !== 404) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${urlPath} never became available`);
}

/** For afterEach: when the current test failed, a screenshot test-artifacts/<name>.png and the Node-RED log tail. */
async function recordFailure(ctx, page, name, red) {
  if (ctx.currentTest.state !== 'failed' || !page) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  if (red) console.log(red.log().slice(-3000));
}

module.exports = { launchBrowser, openEditor, clearNotifications, openNode, openConfigDialog, editNode, setTypedInput, pickTypedInputType, deploy, routeReady, recordFailure, ARTIFACTS };
