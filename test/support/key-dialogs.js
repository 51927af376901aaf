'use strict';
// The set-up the API key dialog tests share (test/e2e/keys-editor, hmac-keystore-editor):
// a real Node-RED with an issuer `iss`, a key store `ks`, POST /login for alice and
// bearer-guarded authflow-keys routes, its editor open in chromium; all torn down after.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const supertest = require('supertest');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('./node-red-process');
const { launchBrowser, openEditor, recordFailure } = require('./browser');
const { serviceMissing } = require('./services');
const { hashPasswordScrypt } = require('../../dist/lib');

const Z = 'tab1';
const ALICE = { username: 'alice', password: 'alice-password' };

/** http in → bearer (issuer iss) → authflow-keys `id` with `node`'s options → http response; `wire` false: the keys node answers itself. */
const keysChain = (id, url, method, node, y, wire = true) => [
  { id: `${id}-in`, type: 'http in', z: Z, url, method, x: 120, y, wires: [[`${id}-bearer`]] },
  { id: `${id}-bearer`, type: 'authflow-bearer', z: Z, keySource: 'issuer', issuer: 'iss', x: 320, y, wires: [[id], [`${id}-out`]] },
  { id, type: 'authflow-keys', z: Z, x: 520, y, ...node, wires: [wire ? [`${id}-out`] : [], [`${id}-out`]] },
  { id: `${id}-out`, type: 'http response', z: Z, x: 720, y, wires: [] },
];

/**
 * Mocha hooks for the calling describe: the browser launched (skipped with a note when it cannot
 * be, failed under CI=true), then Node-RED started on the login routes plus `nodes` (on tab Z) with
 * `creds` added, the editor opened on node `openOn`. alice holds `scopes`. `name` names the userDir
 * and the failure screenshot. Returns the (live) { red, page, port, userDir, api }.
 */
function keyDialogsSetup({ name, label, scopes, nodes, creds = {}, openOn }) {
  const ui = {};
  let browser;
  before(async function () {
    try {
      browser = await launchBrowser();
    } catch (err) {
      serviceMissing(this, err.message);
    }
    ui.port = await freePort();
    ui.userDir = fs.mkdtempSync(path.join(os.tmpdir(), `authflow-${name}-ui-`));
    const users = JSON.stringify([{ ...ALICE, password: await hashPasswordScrypt(ALICE.password, { ln: 10 }), scopes }]);
    const flows = [
      { id: Z, type: 'tab', label },
      { id: 'iss', type: 'authflow-issuer', name: 'issuer', iss: 'https://ui.example.test', aud: 'ui' },
      { id: 'ks', type: 'authflow-key-store', name: 'ui keys' },
      { id: 'login-in', type: 'http in', z: Z, url: '/login', method: 'post', x: 120, y: 60, wires: [['login']] },
      { id: 'login', type: 'authflow-login', z: Z, issuer: 'iss', operation: 'login', x: 320, y: 60, wires: [['login-out'], ['login-out']] },
      { id: 'login-out', type: 'http response', z: Z, x: 520, y: 60, wires: [] },
      ...nodes,
    ];
    prepareUserDir(ui.userDir, {
      port: ui.port, flows,
      creds: { iss: { secret: 'ui-issuer-secret-0123456789abcdef0123' }, login: { userList: users }, ...creds },
    });
    ui.red = await startNodeRed(ui.userDir, ui.port);
    ui.api = supertest(`http://127.0.0.1:${ui.port}`);
    ui.page = await openEditor(browser, ui.port, { node: openOn });
  });
  afterEach(async function () {
    await recordFailure(this, ui.page, `failed-${name}-dialog`, ui.red);
  });
  after(async () => {
    if (browser) await browser.close();
    if (ui.red) await ui.red.stop();
    if (ui.userDir) fs.rmSync(ui.userDir, { recursive: true, force: true });
  });
  return ui;
}

/** alice's bearer header from POST /login, retried (bounded, 5 s) while the deployed flows start. */
async function loginAlice(api) {
  let jwt;
  for (let i = 0; i < 50 && !jwt; i++) {
    const res = await api.post('/login').send(ALICE);
    if (res.status === 200) jwt = res.body.access_token;
    else await new Promise((r) => setTimeout(r, 100));
  }
  return { Authorization: `Bearer ${jwt}` };
}

module.exports = { keyDialogsSetup, keysChain, loginAlice, Z };
