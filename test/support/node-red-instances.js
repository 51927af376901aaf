'use strict';
// Several real Node-RED processes running the same flow, as behind a load
// balancer (usually sharing one Redis): each on a free port with its own
// userDir; every process is always stopped and its userDir removed.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const supertest = require('supertest');
const Redis = require('ioredis');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('./node-red-process');
const { requireRedis, REDIS_URL } = require('./services');

/**
 * One instance: `flow` ({ flows, creds }) in a fresh userDir (named after `dirPrefix` and `name`),
 * Node-RED started on a free port. `settings`: extra settings.js text (see prepareUserDir).
 */
async function startInstance(name, flow, { settings = '', dirPrefix = 'authflow' } = {}) {
  const port = await freePort();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `${dirPrefix}-${name}-`));
  prepareUserDir(userDir, { port, flows: flow.flows, creds: flow.creds, settings });
  let red;
  try {
    red = await startNodeRed(userDir, port);
  } catch (err) {
    fs.rmSync(userDir, { recursive: true, force: true });
    throw err;
  }
  // Should mocha itself be torn down, the process still goes.
  const killOnExit = () => red.child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    name, port, userDir, child: red.child, log: red.log,
    api: supertest(`http://127.0.0.1:${port}`),
    kill9: () => red.child.kill('SIGKILL'),
    stop: async ({ keepDir = false } = {}) => {
      process.removeListener('exit', killOnExit);
      await red.stop();
      if (!keepDir) fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts one instance per name into `instances` (all at once, or in order with `sequential`).
 * Those that started are in the list even when another failed, so the caller's `after` stops them.
 * A node that failed its setup answers 401 to everything: an `[error]` at start fails plainly instead.
 */
async function startInstances(instances, names, flow, { sequential = false, ...options } = {}) {
  if (sequential) {
    for (const name of names) instances.push(await startInstance(name, flow, options));
  } else {
    const started = await Promise.allSettled(names.map((name) => startInstance(name, flow, options)));
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
  for (const i of instances) assert.doesNotMatch(i.log(), /\[error\]/, `Node-RED ${i.name} logged an error at start:\n${i.log()}`);
}

/** Runs fn with a short-lived client of the test Redis; every command bounded. */
async function withRedis(fn) {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Deletes every key of the test Redis under `keyPrefix`. */
const deleteRedisKeys = (keyPrefix) => withRedis(async (client) => {
  const keys = await client.keys(`${keyPrefix}*`);
  if (keys.length) await client.del(...keys);
});

/**
 * Mocha hooks for instances sharing the test Redis, for the calling describe: Redis required
 * (skipped with a note, or failed under CI=true); `flow()` (may be async) started on every name
 * in `before`; in `after` the processes stopped, then the keys under `keyPrefix` deleted;
 * the log tails printed when a test fails. Returns the (live) list of instances.
 */
function sharedRedisInstances({ keyPrefix, flow, names = ['a', 'b'], sequential = false, dirPrefix }) {
  const instances = [];
  let redisUp = false;
  before(async function () {
    await requireRedis(this);
    redisUp = true;
    // startNodeRed gives up (and kills its process) after 60 s: outlast it, so no process is orphaned.
    this.timeout(90000);
    await startInstances(instances, names, await flow(), { sequential, dirPrefix });
  });
  after(async function () {
    this.timeout(30000);
    // Processes first (stop is bounded: SIGTERM, then SIGKILL after 10 s), then their keys.
    await Promise.all(instances.splice(0).map((i) => i.stop()));
    if (redisUp) await deleteRedisKeys(keyPrefix);
  });
  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const i of instances) console.log(`      --- Node-RED ${i.name} log (tail) ---\n${i.log().slice(-3000)}`);
  });
  return instances;
}

module.exports = { startInstance, startInstances, withRedis, deleteRedisKeys, sharedRedisInstances };
