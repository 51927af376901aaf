'use strict';
// The package as users get it: `npm pack`, installed into a fresh Node-RED
// user directory, loaded by a real Node-RED process.
const assert = require('assert');
const { startNodeRed, freePort, getJson, getText } = require('../support/node-red-process');
const { pack, installedUserDir } = require('../support/packed-install');

const { execFileSync } = require('child_process');
const { verifyPassword } = require('../../dist/lib');
const pkg = require('../../package.json');

describe('packed package in a real Node-RED', function () {
  this.timeout(240000);
  let red;
  let shared;
  /** One more installed user directory for the tests below that need no running Node-RED. */
  const sharedUserDir = () => (shared ??= installedUserDir(0));

  after(async () => {
    if (red) await red.stop();
  });

  it('ships compiled nodes with their editor HTML, locales and icons beside them, plus examples and resources', () => {
    const { files } = pack();
    for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
      const dir = require('path').posix.dirname(file);
      assert.ok(files.has(file), `${file} missing`);
      assert.ok(files.has(file.replace(/\.js$/, '.html')), `${type} editor html missing`);
      assert.ok([...files].some((f) => f.startsWith(`${dir}/icons/`) && f.endsWith('.svg')), `${type} icons missing`);
      assert.ok([...files].some((f) => f.startsWith(`${dir}/locales/en-US/`)), `${type} locales missing`);
    }
    assert.ok([...files].some((f) => f.startsWith('examples/') && f.endsWith('.json')), 'examples missing');
    assert.ok(files.has('resources/authflow-editor.js'), 'editor resources missing');
    // The audit event's JSON Schema is data users validate against (exports ./audit-event.schema.json), not a source.
    const shippedData = new Set(['lib/audit/event.schema.json']);
    const leaked = [...files].filter((f) => !shippedData.has(f) && (f.startsWith('test/') || f.startsWith('lib/') || f.endsWith('.ts') && !f.endsWith('.d.ts')));
    assert.deepStrictEqual(leaked, [], 'sources leaked into the package');
  });

  it('installs from the tarball and registers every node type with no load error', async () => {
    const port = await freePort();
    red = await startNodeRed(installedUserDir(port), port);
    const { status, body } = await getJson(port, '/nodes');
    assert.strictEqual(status, 200);
    const ours = body.filter((set) => set.module === pkg.name);
    const types = ours.flatMap((set) => set.types);
    for (const type of Object.keys(pkg['node-red'].nodes)) assert.ok(types.includes(type), `${type} not registered`);
    for (const set of ours) {
      assert.strictEqual(set.err, undefined, `${set.id}: ${set.err}`);
      assert.strictEqual(set.enabled, true);
    }
    // The editor gets every node's HTML (with help) and the shared editor script.
    const html = await getText(port, '/nodes', 'text/html');
    for (const type of Object.keys(pkg['node-red'].nodes)) {
      assert.ok(html.includes(`data-template-name="${type}"`), `${type} edit template`);
      assert.ok(html.includes(`data-help-name="${type}"`), `${type} help`);
    }
    const resource = await getJson(port, `/resources/${pkg.name}/authflow-editor.js`);
    assert.strictEqual(resource.status, 200);
    assert.match(String(resource.body), /AuthflowEditor/);
  });

  it('TypeScript finds the types of the root and of /middleware and /store, with node16 and with the older node10 resolution', function () {
    this.timeout(120000);
    const fs = require('fs');
    const path = require('path');
    const root = path.join(__dirname, '..', '..');
    const userDir = sharedUserDir();
    fs.writeFileSync(path.join(userDir, 'settings-check.ts'), [
      "import { createAuthMiddleware, type AuthInfo } from '@authflow/node-red-api-auth';",
      "import { basicAuth } from '@authflow/node-red-api-auth/middleware';",
      "import { createStore, type Store } from '@authflow/node-red-api-auth/store';",
      "export const mw = createAuthMiddleware({ checks: [{ type: 'ip', allow: ['127.0.0.1'] }] });",
      "export const basic = basicAuth({ users: 'alice:$scrypt$…' });",
      "export const store: Store = createStore({ type: 'memory' });",
      'export let who: AuthInfo | undefined;',
    ].join('\n'));
    for (const [module, resolution] of [['node16', 'node16'], ['commonjs', 'node']]) {
      const options = { module, moduleResolution: resolution, strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')] };
      fs.writeFileSync(path.join(userDir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['settings-check.ts'] }));
      execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', userDir], { stdio: 'pipe' });
    }
  });

  it('`npx @authflow/node-red-api-auth hash-password` in the user directory runs the installed bin (never a registry lookup)', async () => {
    // The bin is named like the unscoped package, which is the one npx picks for the scoped name.
    assert.deepStrictEqual(Object.keys(pkg.bin), [pkg.name.split('/')[1]]);
    const userDir = sharedUserDir();
    // --no: fail instead of installing anything, so only the local copy can answer.
    const hash = execFileSync('npx', ['--no', pkg.name, 'hash-password', '--cost', '10'], { cwd: userDir, input: 'correct horse' })
      .toString().trim();
    assert.strictEqual(await verifyPassword('correct horse', hash), true);
  });
});
