'use strict';
/**
 * The bearer dialog's "Accept access_token in the request body" (RFC 6750
 * §2.2, added for the Kitewheel document's "token in the headers or body")
 * set in a real browser (chromium + playwright-core) against a real
 * Node-RED, deployed, and proven over real HTTP: the route whose box was
 * ticked takes the login's token from the JSON body; the other one, left as
 * it was, does not.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { launchBrowser, openEditor, openNode, deploy, recordFailure, ARTIFACTS } = require('../support/browser');
const { hashPasswordScrypt } = require('../../dist/lib');


describe('bearer dialog: access_token in the request body, set in a real browser, proven over HTTP', function () {
  this.timeout(180000);
  let red, browser, page, port, userDir;

  before(async () => {
    port = await freePort();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-bearer-body-ui-'));
    const bearer = (id, y) => ({ id, type: 'authflow-bearer', z: 'tab1', keySource: 'issuer', issuer: 'iss', realm: 'graph', x: 400, y, wires: [['ok'], ['out']] });
    const flows = [
      { id: 'tab1', type: 'tab', label: 'Bearer body UI' },
      { id: 'iss', type: 'authflow-issuer', name: 'ui issuer', iss: 'http://127.0.0.1/ui', aud: 'ui', format: 'jwt', alg: 'HS256', accessTtl: 86400 },
      { id: 'in0', type: 'http in', z: 'tab1', url: '/ui-login', method: 'post', x: 160, y: 60, wires: [['login']] },
      { id: 'login', type: 'authflow-login', z: 'tab1', issuer: 'iss', operation: 'login', userSourceType: 'cred', x: 400, y: 60, wires: [['out'], ['out']] },
      { id: 'in1', type: 'http in', z: 'tab1', url: '/ui-body', method: 'post', x: 160, y: 160, wires: [['ticked']] },
      bearer('ticked', 160),
      { id: 'in2', type: 'http in', z: 'tab1', url: '/ui-header-only', method: 'post', x: 160, y: 260, wires: [['untouched']] },
      bearer('untouched', 260),
      { id: 'ok', type: 'function', z: 'tab1', x: 620, y: 200, func: 'msg.payload = { subject: msg.auth.subject, rest: msg.payload }; return msg;', wires: [['out']] },
      { id: 'out', type: 'http response', z: 'tab1', x: 820, y: 200, wires: [] },
    ];
    const creds = {
      iss: { secret: 'ui-issuer-secret-0123456789abcdef0123456789' },
      login: { userList: JSON.stringify([{ username: 'Test', password: await hashPasswordScrypt('Pass1234!') }]) },
    };
    prepareUserDir(userDir, { port, flows, creds });
    red = await startNodeRed(userDir, port);
    browser = await launchBrowser();
    page = await openEditor(browser, port, { paletteType: 'authflow-bearer' });
  });

  afterEach(async function () {
    await recordFailure(this, page, 'failed-bearer-body-dialog', red);
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('ticked: the body token is accepted (and taken out of msg.payload); untouched: refused', async () => {
    await openNode(page, 'ticked', '#node-input-allowBody');
    const box = page.locator('#node-input-allowBody');
    assert.equal(await box.isChecked(), false, 'off by default');
    await box.check();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-bearer-body.png') });
    await page.locator('#node-dialog-ok').click();
    await deploy(page);

    const post = (url, body) => fetch(`http://127.0.0.1:${port}${url}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    let login;
    for (let i = 0; i < 50; i++) {
      login = await post('/ui-login', { username: 'Test', password: 'Pass1234!' });
      if (login.status !== 404) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { access_token: token } = await login.json();
    const ok = await post('/ui-body', { message: 'hi', access_token: token });
    const okBody = await ok.json();
    assert.equal(ok.status, 200, JSON.stringify(okBody));
    assert.deepEqual(okBody, { subject: 'Test', rest: { message: 'hi' } });
    const refused = await post('/ui-header-only', { message: 'hi', access_token: token });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="graph"');
  });
});
