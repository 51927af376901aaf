'use strict';
/**
 * Crash: `kill -9` of Node-RED in the middle of logins, refreshes and
 * logouts, on each persistent store — Redis, PostgreSQL and the
 * localfilesystem context store (without its write cache). After a restart
 * on the same user directory and store:
 *   - every access token whose logout was answered 2xx is refused (401);
 *   - every refresh token that was rotated (refresh answered 2xx) is refused.
 * Requests cut off by the kill are not counted either way: their answer was
 * never given. What the memory store and the cached localfilesystem store
 * can lose is stated in the README (Security notes).
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const pg = require('pg');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { requireService, IS_CI } = require('../support/services');
const { requireRedisServer, startServer } = require('../support/redis-topology');
const { version } = require('../support/node-red-version');
const { redisFlow, call } = require('./redis-instances');

const PG_URL = process.env.AUTHFLOW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUN = `${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withPg(fn) {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  client.on('error', () => {});
  await client.connect();
  try { return await fn(client); } finally { await client.end(); }
}

/** Mixed session traffic on `port` until stop(); records only what was answered. */
function workload(port) {
  const revoked = [];  // access tokens whose logout returned 204
  const rotated = [];  // refresh tokens replaced by a refresh that returned 200
  let stopped = false;
  let answered = 0;
  const one = async () => {
    while (!stopped) {
      const s = await call(port, 'POST', '/login', { body: { username: 'alice', password: 'alice-pw' } });
      if (s.status !== 200) continue;
      answered++;
      let current = s.body;
      for (let i = 0; i < 2 && !stopped; i++) {
        const r = await call(port, 'POST', '/refresh', { body: { refresh_token: current.refresh_token } });
        if (r.status !== 200) break;
        answered++;
        rotated.push(current.refresh_token);
        current = r.body;
      }
      const out = await call(port, 'POST', '/logout', { headers: { authorization: `Bearer ${current.access_token}` }, body: { refresh_token: current.refresh_token } });
      if (out.status === 204) { answered++; revoked.push(current.access_token); }
    }
  };
  const workers = Array.from({ length: 6 }, one);
  return { revoked, rotated, answered: () => answered, stop: async () => { stopped = true; await Promise.all(workers); } };
}

describe(`e2e crash (kill -9) of Node-RED ${version} mid-traffic: nothing answered is lost`, function () {
  this.timeout(120000);
  const cleanups = [];

  after(async function () {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  async function crashAndCheck(ctx, name, flow, settings = '') {
    const port = await freePort();
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `authflow-crash-${name}-`));
    cleanups.push(async () => fs.rmSync(userDir, { recursive: true, force: true }));
    prepareUserDir(userDir, { port, flows: flow.flows, creds: flow.creds, settings });
    let red = await startNodeRed(userDir, port);
    cleanups.push(() => red.stop());
    const load = workload(port);
    // Kill once enough has been answered, while requests are in flight.
    const end = Date.now() + 20000;
    while (load.answered() < 60 && Date.now() < end) await sleep(50);
    red.child.kill('SIGKILL');
    await load.stop();
    await new Promise((r) => (red.child.exitCode !== null || red.child.signalCode ? r() : red.child.once('exit', r)));
    red = await startNodeRed(userDir, port);
    let revivedAccess = 0;
    let revivedRefresh = 0;
    for (const token of load.revoked) {
      const r = await call(port, 'GET', '/api', { headers: { authorization: `Bearer ${token}` } });
      if (r.status !== 401) revivedAccess++;
    }
    for (const token of load.rotated) {
      const r = await call(port, 'POST', '/refresh', { body: { refresh_token: token } });
      if (r.status !== 401) revivedRefresh++;
    }
    console.log(`      ${name}: killed after ${load.answered()} answered; after restart ${revivedAccess}/${load.revoked.length} revoked access tokens and ${revivedRefresh}/${load.rotated.length} rotated refresh tokens work again`);
    assert.ok(load.revoked.length > 0 && load.rotated.length > 0, 'the workload ran');
    assert.equal(revivedAccess, 0, 'a revocation answered 2xx was lost');
    assert.equal(revivedRefresh, 0, 'a rotated refresh token works again');
    // And the instance works: a new session.
    const fresh = await call(port, 'POST', '/login', { body: { username: 'alice', password: 'alice-pw' } });
    assert.equal(fresh.status, 200);
  }

  it('Redis', async function () {
    requireRedisServer(this);
    const server = await startServer();
    cleanups.push(() => server.stop());
    const flow = await redisFlow({ redis: { url: server.url }, keyPrefix: `authflow_crash_${RUN}:`, secret: crypto.randomBytes(32).toString('base64url'), timeoutMs: 2000 });
    await crashAndCheck(this, 'redis', flow);
  });

  it('PostgreSQL', async function () {
    await requireService(this, `PostgreSQL at ${PG_URL}`, () => withPg((c) => c.query('SELECT 1')));
    const table = `authflow_crash_${RUN}`;
    cleanups.push(() => withPg((c) => c.query(`DROP TABLE IF EXISTS ${table}`)));
    const flow = await redisFlow({ redis: { url: 'redis://unused' }, keyPrefix: undefined, secret: crypto.randomBytes(32).toString('base64url') });
    const store = flow.flows.find((n) => n.id === 'store');
    Object.assign(store, { backend: 'postgres', pgTable: table, keyPrefix: '', timeout: 2000 });
    flow.creds.store = { pgConnectionString: PG_URL };
    await crashAndCheck(this, 'postgres', flow);
  });

  it('localfilesystem context store (cache off)', async function () {
    const flow = await redisFlow({ redis: { url: 'redis://unused' }, keyPrefix: undefined, secret: crypto.randomBytes(32).toString('base64url') });
    const store = flow.flows.find((n) => n.id === 'store');
    Object.assign(store, { backend: 'context', contextStore: 'file', keyPrefix: '', timeout: 2000 });
    flow.creds.store = {};
    await crashAndCheck(this, 'localfilesystem', flow,
      "contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { cache: false } } },");
  });
});
