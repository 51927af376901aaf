#!/usr/bin/env node
'use strict';
// `npm test` after lint, build and types: the Node-RED 4.1 suite and the
// Node-RED 5 suite at the same time. Most of their time is spent waiting on
// Node-RED processes, browsers, Redis and PostgreSQL rather than on a core,
// so two runs side by side take little longer than the longer one alone. Every
// test names its own ports, keys, tables and temp dirs, so the runs never share
// state. Each run's output is printed whole when it ends, so the two never
// interleave; the exit code is the first failure's. The last lines are one
// mocha summary of both runs (passing / pending / failing) and, alone on the
// last line, the plain "N passed, N failed, N skipped" that CI log
// parsers read when they do not know mocha's summary.
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

// The counts of mocha's closing summary ("  12 passing (3s)", "  1 pending",
// "  2 failing"); a run that died before its summary counts as one failure.
function counts(output) {
  const text = output.toString('utf8');
  const last = (word) => {
    const all = [...text.matchAll(new RegExp(`^ {2}(\\d+) ${word}\\b`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  return { passing: last('passing'), pending: last('pending'), failing: last('failing') };
}

async function main() {
  const pending = runs.map(start);
  const total = { passing: 0, pending: 0, failing: 0 };
  const started = Date.now();
  let exit = 0;
  for (const done of pending) {
    const r = await done;
    process.stdout.write(`\n--- ${r.name} suite (mocha)\n`);
    process.stdout.write(r.output);
    const how = r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
    process.stdout.write(`--- ${r.name} suite ended: ${how}, ${Math.round(r.seconds)} s\n`);
    const c = counts(r.output);
    if (r.code !== 0 && c.failing === 0) c.failing = 1;
    for (const k of Object.keys(total)) total[k] += c[k];
    if (r.code !== 0 && exit === 0) exit = r.code || 1;
  }
  const minutes = Math.round((Date.now() - started) / 60000);
  process.stdout.write(`\n--- both suites (Node-RED 4.1 and Node-RED 5)\n\n`);
  process.stdout.write(`  ${total.passing} passing (${minutes}m)\n`);
  if (total.pending) process.stdout.write(`  ${total.pending} pending\n`);
  if (total.failing) process.stdout.write(`  ${total.failing} failing\n`);
  process.stdout.write(`\n${total.passing} passed, ${total.failing} failed, ${total.pending} skipped\n`);
  process.exit(exit);
}

main();
