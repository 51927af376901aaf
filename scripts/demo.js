#!/usr/bin/env node
'use strict';
// `npm run demo`: a real Node-RED on http://127.0.0.1:1880 with this package
// and every example flow loaded, embedded defaults, no other services.
const path = require('path');
const { spawn } = require('child_process');
const { prepareUserDir, root } = require('./node-red-instance');

const userDir = prepareUserDir(path.join(root, '.node-red-demo'), { port: Number(process.env.PORT) || 1880 });
const red = require.resolve('node-red/red.js');
const child = spawn(process.execPath, [red, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
