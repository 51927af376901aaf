'use strict';
// Prepares a Node-RED user directory with this package installed and the
// example flows deployed — shared by the demo, the e2e tests and the benchmarks.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

/** All example flows, with their inline credentials split out (flows_cred.json, unencrypted for the demo). */
function exampleFlows() {
  const flows = [];
  const creds = {};
  for (const file of fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.json')).sort()) {
    for (const node of JSON.parse(fs.readFileSync(path.join(root, 'examples', file), 'utf8'))) {
      const { credentials, ...rest } = node;
      if (credentials) creds[node.id] = credentials;
      flows.push(rest);
    }
  }
  return { flows, creds };
}

/**
 * Writes userDir: settings.js, flows.json (+ creds), and either a symlink to
 * this checkout (`link`) or nothing (the caller npm-installs a tarball).
 */
function prepareUserDir(userDir, { port = 1880, flows, creds, link = true, settings = '' } = {}) {
  fs.mkdirSync(userDir, { recursive: true });
  if (!flows) ({ flows, creds } = exampleFlows());
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(creds || {}, null, 2));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = {
  uiPort: ${port},
  uiHost: '127.0.0.1',
  flowFile: 'flows.json',
  credentialSecret: false,
  httpNodeRoot: '/',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  telemetry: { enabled: false },
  contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } },
  ${settings}
};\n`,
  );
  if (link) {
    const scope = path.join(userDir, 'node_modules', '@authflow');
    fs.mkdirSync(scope, { recursive: true });
    const target = path.join(scope, 'node-red-api-auth');
    fs.rmSync(target, { recursive: true, force: true });
    fs.symlinkSync(root, target, 'dir');
  }
  return userDir;
}

module.exports = { prepareUserDir, exampleFlows, root };
