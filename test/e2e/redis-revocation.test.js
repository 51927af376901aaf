'use strict';
/**
 * Revocation without a round trip, across two real Node-RED processes on a
 * real redis-server of our own (so its command counters are ours):
 *
 *   - a warm bearer check of our own tokens (revocation + session state)
 *     sends no command to Redis;
 *   - a logout (revocation) answered on A is refused on B on B's very next
 *     request — counted over many rounds, window measured and printed;
 *   - with the invalidation connections killed, B reads Redis on every
 *     request (never a stale "valid") until they are back.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const Redis = require('ioredis');
const { requireRedisServer, startServer } = require('../support/redis-topology');
const { redisFlow, startInstance, call } = require('./redis-instances');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('e2e revocation without a round trip (two Node-RED processes, Redis client tracking)', function () {
  this.timeout(90000);
  let server;
  let raw;
  let A;
  let B;
  const instances = [];
  const commands = async () => Number((/cmdstat_get:calls=(\d+)/.exec(await raw.info('commandstats')) || [])[1] || 0);
  const login = async (inst) => {
    const r = await call(inst.port, 'POST', '/login', { body: { username: 'alice', password: 'alice-pw' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const api = (inst, token) => call(inst.port, 'GET', '/api', { headers: { authorization: `Bearer ${token}` } });
  const logout = (inst, s) => call(inst.port, 'POST', '/logout', { headers: { authorization: `Bearer ${s.access_token}` }, body: { refresh_token: s.refresh_token } });

  before(async function () {
    requireRedisServer(this);
    server = await startServer();
    raw = new Redis(server.url);
    const flow = await redisFlow({ redis: { url: server.url }, keyPrefix: 'authflow_rev:', secret: crypto.randomBytes(32).toString('base64url') });
    instances.push(...await Promise.all([startInstance('rev-a', flow), startInstance('rev-b', flow)]));
    [A, B] = instances;
  });

  after(async function () {
    await Promise.all(instances.splice(0).map((i) => i.stop()));
    if (raw) raw.disconnect();
    if (server) await server.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const i of instances) console.log(`      --- ${i.name} log (tail) ---\n${i.log().slice(-3000)}`);
  });

  it('a warm bearer check with revocation sends nothing to Redis', async function () {
    const s = await login(A);
    assert.equal((await api(B, s.access_token)).status, 200);
    assert.equal((await api(B, s.access_token)).status, 200);
    const before = await commands();
    for (let i = 0; i < 100; i++) assert.equal((await api(B, s.access_token)).status, 200);
    const reads = (await commands()) - before;
    console.log(`      100 warm checks on B: ${reads} GETs sent to Redis`);
    assert.ok(reads <= 2, `${reads} GETs for 100 warm checks`);
  });

  it('a revocation answered on A is refused on B on its very next request (40 rounds; window printed)', async function () {
    let letThrough = 0;
    const windows = [];
    for (let i = 0; i < 40; i++) {
      const s = await login(i % 2 ? B : A);
      const [revoker, other] = i % 2 ? [B, A] : [A, B];
      assert.equal((await api(other, s.access_token)).status, 200);
      assert.equal((await api(other, s.access_token)).status, 200); // warm
      const out = await logout(revoker, s);
      assert.equal(out.status, 204);
      const t0 = process.hrtime.bigint();
      const next = await api(other, s.access_token);
      windows.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (next.status !== 401) letThrough++;
    }
    windows.sort((a, b) => a - b);
    console.log(`      40 revocations: ${letThrough} let through on the other instance; next request refused in median ${windows[20].toFixed(2)} ms, max ${windows[39].toFixed(2)} ms after the revoke returned`);
    assert.equal(letThrough, 0);
  });

  it('invalidation connections killed: B reads Redis on every request, a revocation is never missed, warm again once back', async function () {
    const s1 = await login(A);
    const s2 = await login(A);
    for (const s of [s1, s2]) { await api(B, s.access_token); await api(B, s.access_token); }
    const killed = await raw.client('KILL', 'TYPE', 'pubsub');
    assert.ok(Number(killed) >= 2, `killed ${killed} subscriber connections`);
    // A revocation written while nobody may be listening (Redis drops notices for a gone redirect target).
    assert.equal((await logout(A, s1)).status, 204);
    assert.equal((await api(B, s1.access_token)).status, 401, 'stale valid after the channel was lost');
    // Back by itself: warm again.
    let warm = false;
    for (let i = 0; i < 50 && !warm; i++) {
      await api(B, s2.access_token);
      const g0 = await commands();
      for (let j = 0; j < 5; j++) assert.equal((await api(B, s2.access_token)).status, 200);
      warm = (await commands()) - g0 <= 1;
      if (!warm) await sleep(100);
    }
    assert.ok(warm, 'B did not go back to its local view');
    assert.equal((await logout(A, s2)).status, 204);
    assert.equal((await api(B, s2.access_token)).status, 401);
  });
});
