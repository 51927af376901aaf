#!/usr/bin/env node
'use strict';
// `npm test` after lint, build and types: the Node-RED 4.1 suite and the
// Node-RED 5 suite at the same time. Most of their time is spent waiting on
// Node-RED processes, browsers, Redis and PostgreSQL rather than on a core,
// so two runs side by side take little longer than the longer one alone. Every
// test names its own ports, keys, tables and temp dirs, so the runs never share
// state. Each run's output is printed whole when it ends, so the two never
// interleave; the exit code is the first failure's.
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const node = process.execPath;
const runs = [
  { name: 'Node-RED 4.1', args: [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js')] },
  { name: 'Node-RED 5', args: [path.join(root, 'scripts', 'test-node-red-5.js')] },
];

function start(run) {
  const started = Date.now();
  const child = spawn(node, run.args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = [];
  child.stdout.on('data', (c) => chunks.push(c));
  child.stderr.on('data', (c) => chunks.push(c));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ ...run, code: code ?? 1, signal, output: Buffer.concat(chunks), seconds: (Date.now() - started) / 1000 }));
  });
}

async function main() {
  const pending = runs.map(start);
  let exit = 0;
  for (const done of pending) {
    const r = await done;
    process.stdout.write(`\n===== ${r.name} =====\n`);
    process.stdout.write(r.output);
    const how = r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
    process.stdout.write(`===== ${r.name}: ${how}, ${Math.round(r.seconds)} s =====\n`);
    if (r.code !== 0 && exit === 0) exit = r.code || 1;
  }
  process.exit(exit);
}

main();
