'use strict';
// Starts and stops real Node-RED 4.1 processes for the benchmark. Every child
// is tracked so run.js can stop all of them on exit, Ctrl-C or error.
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { prepareUserDir, root } = require('../scripts/node-red-instance');

const RED_JS = path.join(root, 'node_modules', 'node-red', 'red.js');
const running = new Set();

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS). */
function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Status code of one request (0 when it failed); `body` is sent as JSON. */
function get(port, urlPath, headers = {}, { method = 'GET', body } = {}) {
  return new Promise((resolve) => {
    // A string is sent as it is (a scenario's own body and content type, e.g. a form); anything else as JSON.
    const data = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
    const h = data === undefined ? headers : { 'content-type': 'application/json', ...headers, 'content-length': Buffer.byteLength(data) };
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers: h, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(5000, () => req.destroy());
    req.end(data);
  });
}

/** GET returning parsed JSON (bench-only probe routes). */
function getJson(port, urlPath, headers = {}, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`GET ${urlPath}: ${res.statusCode} ${body.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${urlPath} timed out`)));
  });
}

/**
 * Writes a userDir (this checkout symlinked as the package), starts red.js on
 * 127.0.0.1:port and resolves once the editor answers. `nodeArgs` go to node
 * itself (e.g. --expose-gc).
 */
async function startNodeRed({ name, port, flows, creds, settings = '', nodeArgs = [], timeoutMs = 60000 }) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `authflow-bench-${name}-`));
  prepareUserDir(userDir, { port, flows, creds, settings });
  const child = spawn(process.execPath, [...nodeArgs, RED_JS, '--userDir', userDir, '--port', String(port)], {
    cwd: userDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk).slice(-20000); // last lines only, for error reports
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const instance = { name, port, userDir, child, pid: child.pid, log: () => log, exited: false };
  // Children inherit the bench's nice level (BENCH_NICE) from the spawning process.
  child.on('exit', () => {
    instance.exited = true;
  });
  running.add(instance);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (instance.exited) break;
    if (/Started flows/.test(log) && /Server now running/.test(log)) return instance;
    await new Promise((r) => setTimeout(r, 200));
  }
  await stopNodeRed(instance);
  throw new Error(`Node-RED "${name}" did not start on port ${port}:\n${log.slice(-3000)}`);
}

/** SIGTERM, then SIGKILL after 5 s; removes the userDir. */
async function stopNodeRed(instance) {
  if (!running.has(instance)) return;
  running.delete(instance);
  if (!instance.exited) {
    const gone = new Promise((r) => instance.child.once('exit', r));
    instance.child.kill('SIGTERM');
    const timer = setTimeout(() => instance.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
  fs.rmSync(instance.userDir, { recursive: true, force: true });
}

/** Synchronous last resort for process 'exit': no awaiting possible there. */
function killAllSync() {
  for (const instance of running) {
    if (!instance.exited) instance.child.kill('SIGKILL');
    try {
      // The child may still be dying: retry on ENOTEMPTY/EBUSY.
      fs.rmSync(instance.userDir, { recursive: true, force: true, maxRetries: 5 });
    } catch {
      /* left in the temp directory */
    }
  }
  running.clear();
}

async function stopAll() {
  await Promise.all([...running].map(stopNodeRed));
}

/** Polls a route until it answers `status` (flows started, context set by the init nodes). */
async function waitForRoute(port, urlPath, headers, status, { method, body, timeoutMs = 30000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = await get(port, urlPath, headers, { method, body });
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${method || 'GET'} ${urlPath} on port ${port} answered ${last}, expected ${status}`);
}

module.exports = { startNodeRed, stopNodeRed, stopAll, killAllSync, rssBytes, waitForRoute, get, getJson, RED_JS };
