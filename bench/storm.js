'use strict';
// Login storm: while one client hammers a password check with wrong passwords
// (every one a cache miss, so a full scrypt/bcrypt), a fixed-rate probe calls a
// protected endpoint with valid credentials; its p99 during the storm is
// compared with its p99 when the machine is quiet. Node-RED's own
// httpNodeAuth runs bcrypt.compareSync on the event loop and is measured the
// same way.
const { spawn } = require('child_process');
const path = require('path');
const { fixedRateLatency } = require('./fixed-rate');
const { getJson } = require('./node-red');

const clients = new Set();

/**
 * Storm cases. `protected` is what the probe calls; `storm` what the storm
 * client hammers (style 'basic' = GET with Basic, 'json' = POST a login body).
 * `requires` skips the case until that node type is registered.
 */
function stormCases(fx) {
  const admin = { username: fx.nodeRedAuth.user, password: fx.nodeRedAuth.password };
  const ours = { instance: 'main', path: '/bench/basic-scrypt', headers: { authorization: fx.basic(fx.scryptUser) } };
  const bearer = { instance: 'main', path: '/bench/bearer-hs256', headers: { authorization: 'Bearer ' + fx.jwtHS256 } };
  return [
    {
      id: 'basic-scrypt', label: 'authflow-basic, wrong passwords for the scrypt user',
      protected: ours, storm: { instance: 'main', path: '/bench/storm-basic', style: 'basic', username: fx.scryptUser.username },
    },
    {
      id: 'basic-bcrypt', label: 'authflow-basic, wrong passwords for the bcrypt user',
      protected: ours, storm: { instance: 'main', path: '/bench/storm-basic', style: 'basic', username: fx.bcryptUser.username },
    },
    // Login storms: POST /bench/login (lockout off) while a bearer-protected route is probed.
    {
      id: 'login-scrypt', label: 'authflow-login, wrong passwords for the scrypt user', requires: ['authflow-login', 'authflow-bearer'],
      protected: bearer, storm: { instance: 'main', path: '/bench/login', style: 'json', username: fx.scryptUser.username },
    },
    {
      id: 'login-bcrypt', label: 'authflow-login, wrong passwords for the bcrypt user', requires: ['authflow-login', 'authflow-bearer'],
      protected: bearer, storm: { instance: 'main', path: '/bench/login', style: 'json', username: fx.bcryptUser.username },
    },
    {
      id: 'nr-httpNodeAuth', label: 'Node-RED `httpNodeAuth` (bcrypt.compareSync), wrong passwords',
      protected: { instance: 'nodeauth', path: '/bench/bare', headers: { authorization: fx.basic(admin) } },
      storm: { instance: 'nodeauth', path: '/bench/bare', style: 'basic', username: admin.username },
    },
  ];
}

function startStormClient(cfg) {
  const child = spawn(process.execPath, [path.join(__dirname, 'storm-client.js'), JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
  clients.add(child);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const done = new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      clients.delete(child);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error(`storm client exited (${signal || code}) without a result`));
      }
    });
  });
  done.catch(() => undefined); // awaited later; an early exit must not be an unhandled rejection meanwhile
  return { child, done };
}

/**
 * @param ports   { main, nodeauth }
 * @param seconds length of each latency measurement
 * @param rate    protected requests per second (a steady API client)
 */
async function runStorm(c, { ports, seconds, rate = 50, connections = 16 }) {
  const port = ports[c.protected.instance];
  const probe = () => fixedRateLatency({ port, path: c.protected.path, headers: c.protected.headers, rate, seconds });
  // Event-loop delay inside the Node-RED process over each probe (bench/instrument.js).
  // Under httpNodeAuth this request itself waits behind the storm: a timeout shows as "—".
  const loopDelay = () => getJson(port, '/bench/lag', c.protected.headers, 10000).catch(() => undefined);
  await fixedRateLatency({ port, path: c.protected.path, headers: c.protected.headers, rate, seconds: 1 }); // warm-up, discarded
  await loopDelay();
  const quiet = await probe();
  const quietLoop = await loopDelay();
  // Runs until stopped: a probe delayed by the stall it measures must still see the storm.
  const client = startStormClient({ ...c.storm, port: ports[c.storm.instance], seconds: 600, connections });
  await new Promise((r) => setTimeout(r, 1000)); // let the storm fill the hashing queue
  await loopDelay();
  const during = await probe();
  const stormLoop = await loopDelay();
  client.child.kill('SIGTERM');
  const storm = await client.done;
  // Let queued hashes drain so the next case starts quiet.
  await new Promise((r) => setTimeout(r, 3000));
  return { quiet, during, storm, quietLoop, stormLoop, p99Ratio: during.p99 / quiet.p99 };
}

function stopStormClients() {
  for (const child of clients) child.kill('SIGKILL');
  clients.clear();
}

module.exports = { stormCases, runStorm, stopStormClients };
