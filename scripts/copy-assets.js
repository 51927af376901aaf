#!/usr/bin/env node
// Puts each node's editor HTML and locales beside its compiled .js, and the
// icons into every node folder: Node-RED looks for icons/ and locales/ next
// to the node file it loads.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const src = path.join(root, 'nodes');
const out = path.join(root, 'dist', 'nodes');

for (const dir of fs.readdirSync(src, { withFileTypes: true })) {
  if (!dir.isDirectory() || dir.name === 'shared') continue;
  const from = path.join(src, dir.name);
  const to = path.join(out, dir.name);
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) {
    if (f.endsWith('.html')) fs.copyFileSync(path.join(from, f), path.join(to, f));
  }
  if (fs.existsSync(path.join(from, 'locales'))) fs.cpSync(path.join(from, 'locales'), path.join(to, 'locales'), { recursive: true });
  fs.cpSync(path.join(root, 'icons'), path.join(to, 'icons'), { recursive: true });
}
