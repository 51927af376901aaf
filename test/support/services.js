'use strict';
// Tests that need Redis, PostgreSQL, MariaDB or chromium: under CI=true a
// missing service fails the suite; elsewhere it skips with a clear note.
const assert = require('node:assert/strict');
const Redis = require('ioredis');

const IS_CI = /^(true|1)$/i.test(process.env.CI || '');
const REDIS_URL = process.env.AUTHFLOW_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** Skips the calling mocha suite/test (ctx = `this`), or throws under CI. */
function serviceMissing(ctx, why) {
  if (IS_CI) throw new Error(`${why} and CI=true: this suite must run`);
  console.log(`      note: ${why}; skipping. Set CI=true to make this a failure.`);
  ctx.skip();
}

/** Runs `probe`; when it throws, the service is missing (see serviceMissing). */
async function requireService(ctx, label, probe) {
  try {
    await probe();
  } catch (err) {
    serviceMissing(ctx, `${label} not reachable (${err.message})`);
  }
}

/** Connects to the test Redis once and pings it; throws the connection error when it is not there. */
async function probeRedis() {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  let cause;
  client.on('error', (err) => { cause = err; });
  try {
    await client.connect().catch((err) => { throw cause || err; });
    assert.equal(await client.ping(), 'PONG');
  } finally {
    client.disconnect();
  }
}

/** Skips the calling suite (or fails it under CI) when the test Redis is not reachable. */
const requireRedis = (ctx) => requireService(ctx, `Redis at ${REDIS_URL}`, probeRedis);

module.exports = { IS_CI, REDIS_URL, serviceMissing, requireService, probeRedis, requireRedis };
