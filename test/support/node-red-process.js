'use strict';
// Starts and stops a real Node-RED process for e2e tests: bounded waits, and
// the process is always killed (also when a test fails).
const { spawn } = require('child_process');
const net = require('net');
const http = require('http');
const { redJs } = require('./node-red-version');

/**
 * Node binary for Node-RED: the one running the tests. The Node-RED 5 run
 * already runs under Node >= 22.9 (scripts/test-node-red-5.js picks it).
 */
function nodeBinary() {
  return process.execPath;
}

/**
 * A port for a server that a test starts later (a Node-RED process reads it
 * from its settings). Never one the OS hands out (32768–60999 on Linux): an
 * outgoing connection could take it before the server binds. The Node-RED 4.1
 * and 5 suites, which run side by side, draw from separate ranges
 * (10000–14999 and 15000–19999; Redis topologies use 20000–29999).
 */
async function freePort() {
  const base = process.env.AUTHFLOW_NODE_RED === '5' ? 15000 : 10000;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = base + Math.floor(Math.random() * 5000);
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in the test range');
}

function getText(port, path, accept = 'text/plain') {
  return request(port, path, accept).then((r) => r.text);
}

async function getJson(port, path) {
  const r = await request(port, path, 'application/json');
  let body = r.text;
  try {
    body = JSON.parse(r.text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: r.status, body };
}

function request(port, path, accept) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { Accept: accept } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, text: body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

/** Starts Node-RED on userDir; resolves once its admin API answers (max 60 s). */
/** `readyPath`: an admin path that answers 200 once up (with adminAuth, /settings needs a token: use /auth/login). */
async function startNodeRed(userDir, port, { redScript = redJs, env = {}, readyPath = '/settings' } = {}) {
  const child = spawn(nodeBinary(), [redScript, '--userDir', userDir, '--settings', `${userDir}/settings.js`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited early:\n${log}`);
    try {
      const r = await getJson(port, readyPath);
      if (r.status === 200 && /Started flows/.test(log)) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not start within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    child,
    port,
    log: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

module.exports = { startNodeRed, freePort, getJson, getText, nodeBinary };
