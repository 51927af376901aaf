'use strict';
// `npm pack` this checkout once per test run and install the tarball into
// fresh Node-RED user directories, as a user would from npm.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { prepareUserDir, root } = require('../../scripts/node-red-instance');

let packed;
const dirs = [];

/** { tarball, files }: dist/ is already built by `npm test`, so no prepack rebuild. */
function pack() {
  if (!packed) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-pack-'));
    dirs.push(tmp);
    const info = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: root }).toString())[0];
    packed = { tarball: path.join(tmp, info.filename), files: new Set(info.files.map((f) => f.path)) };
  }
  return packed;
}

/** A new userDir with the packed package npm-installed (runtime deps only). */
function installedUserDir(port, { flows = [], creds = {}, settings = '' } = {}) {
  const { tarball } = pack();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-userdir-'));
  dirs.push(userDir);
  prepareUserDir(userDir, { port, flows, creds, settings, link: false });
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: userDir, stdio: 'pipe' });
  return userDir;
}

function cleanup() {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  packed = undefined;
}

process.on('exit', cleanup);

module.exports = { pack, installedUserDir, cleanup };
