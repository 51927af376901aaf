'use strict';
// What a Node-RED user on Node.js 18 sees: a real Node-RED process (made to
// report Node 18.20.8 by a preload) lists every authflow node set with the clear
// message as its error (the palette shows it) and registers none of the types.
// Checked by hand with a real Node 18.20.8 binary too (same output).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort, getJson, getText } = require('../support/node-red-process');
const pkg = require('../../package.json');

describe('Node-RED on Node.js 18 (older than engines)', function () {
  this.timeout(90000);
  let red;
  let userDir;

  before(async () => {
    const port = await freePort();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-node18-'));
    prepareUserDir(userDir, { port, flows: [], creds: {} });
    const preload = path.join(__dirname, '..', 'support', 'fake-node-18.js');
    red = await startNodeRed(userDir, port, { env: { NODE_OPTIONS: `--require ${preload}` } });
  });

  after(async () => {
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('every node set carries the clear message, none of our types is registered, Node-RED itself runs', async () => {
    const { status, body } = await getJson(red.port, '/nodes');
    assert.equal(status, 200);
    const ours = body.filter((set) => set.module === pkg.name);
    assert.deepEqual(ours.map((s) => s.types[0]).sort(), Object.keys(pkg['node-red'].nodes).sort());
    for (const set of ours) {
      assert.match(String(set.err), /needs Node\.js \S.*runs on Node\.js 18\.20\.8.*Upgrade Node\.js/, set.id);
    }
    // The editor gets no dialog for any of them (Node-RED serves HTML only for sets that loaded).
    const html = await getText(red.port, '/nodes', 'text/html');
    for (const type of Object.keys(pkg['node-red'].nodes)) assert.ok(!html.includes(`data-template-name="${type}"`), type);
    assert.ok(html.includes('data-template-name="http in"'), 'core nodes still load');
    assert.match(red.log(), /\[warn\] \[@authflow\/node-red-api-auth\/authflow-basic\] Error: @authflow\/node-red-api-auth needs Node\.js/);
  });
});
