'use strict';
// The document tests (test/e2e/doc-*.test.js): a REAL Node-RED process runs
// one or more of the package's examples, and the requests of the document /
// the example's comment are made with curl in a shell.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { prepareUserDir, root } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('./node-red-process');

/** The nodes of examples/<name>.json (each name in order), split as Node-RED stores them: flows, and credentials by node id. */
function loadExamples(...names) {
  const flows = [];
  const creds = {};
  for (const name of names) {
    for (const { credentials, ...node } of JSON.parse(fs.readFileSync(path.join(root, 'examples', `${name}.json`), 'utf8'))) {
      if (credentials) creds[node.id] = credentials;
      flows.push(node);
    }
  }
  return { flows, creds };
}

/**
 * Node-RED on a free port with `flows` and `creds` in a fresh userDir (`dirPrefix`); `settings`: extra
 * settings.js text; `prepare(userDir)` runs before the start (e.g. to install another node).
 * Resolves { red, port, base, userDir, stop() }: stop ends the process and removes the userDir.
 */
async function startExample({ flows, creds, dirPrefix, settings = '', prepare }) {
  const port = await freePort();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `${dirPrefix}-`));
  const remove = () => fs.rmSync(userDir, { recursive: true, force: true });
  let red;
  try {
    prepareUserDir(userDir, { port, flows, creds, settings });
    if (prepare) prepare(userDir);
    red = await startNodeRed(userDir, port);
  } catch (err) {
    remove();
    throw err;
  }
  return { red, port, base: `http://127.0.0.1:${port}`, userDir, stop: async () => { await red.stop(); remove(); } };
}

/** Runs a command (20 s at most); rejects with its stderr and exit `code` when it fails. */
function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 20000 }, (err, stdout, stderr) => (err ? reject(Object.assign(new Error(`${err.message}\n${stderr}`), { code: err.code })) : resolve(stdout)));
  });
}

const bash = (script) => run('bash', ['-c', script]);

/**
 * A `curl -i` answer: status, lower-cased headers (set-cookie as a list), parsed body;
 * or, for a `curl -s` output without headers, only the parsed body.
 */
function parseCurl(out) {
  if (!out.startsWith('HTTP/')) return { body: JSON.parse(out) };
  const at = out.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = out.slice(0, at).split('\r\n');
  const headers = { 'set-cookie': [] };
  for (const l of lines) {
    const name = l.slice(0, l.indexOf(':')).toLowerCase();
    const value = l.slice(l.indexOf(':') + 1).trim();
    if (name === 'set-cookie') headers[name].push(value);
    else headers[name] = value;
  }
  let body = out.slice(at + 4);
  try { body = JSON.parse(body); } catch { /* not JSON */ }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** The indented code blocks of the example's comment node (continuation lines joined as the shell reads them). */
function commentBlocks(flow) {
  const blocks = [];
  let current = [];
  for (const line of flow.find((n) => n.type === 'comment').info.split('\n')) {
    if (line.startsWith('    ')) current.push(line.slice(4));
    else if (current.length) blocks.push(current.join('\n')), (current = []);
  }
  if (current.length) blocks.push(current.join('\n'));
  return blocks;
}

module.exports = { loadExamples, startExample, run, bash, parseCurl, commentBlocks };
