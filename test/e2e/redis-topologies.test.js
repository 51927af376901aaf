'use strict';
/**
 * RedisStore on the topologies production runs: the whole store contract
 * (test/lib/store/store-contract.js) against a real 3-master Redis Cluster
 * (with replicas) and a real Sentinel set (1 master, 1 replica, 3
 * sentinels), both started by this file from redis-server on ports of their
 * own (test/support/redis-topology.js). Plus what only those topologies
 * show: scripts over several keys sharing a hash tag run on Cluster, and a
 * Sentinel failover is survived without a restart.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { runStoreContract } = require('../lib/store/store-contract');
const { requireRedisServer, startCluster, startSentinel, currentMaster } = require('../support/redis-topology');
const { RedisStore } = require('../../dist/lib/store');
const { redisFlow, startInstance, call } = require('./redis-instances');
const { StoreUnavailableError } = require('../../dist/lib/errors');
const { Families, Revocations, issuerTags } = require('../../dist/lib/internal');
const Redis = require('ioredis');

const PREFIX = `authflow_topo_${crypto.randomBytes(3).toString('hex')}:`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('RedisStore on Redis Cluster and Sentinel (real topologies)', function () {
  this.timeout(60000);
  let cluster;
  let sentinel;

  before(async function () {
    requireRedisServer(this);
    [cluster, sentinel] = await Promise.all([startCluster({ replicas: 1 }), startSentinel()]);
  });

  after(async function () {
    await Promise.all([cluster && cluster.stop(), sentinel && sentinel.stop()]);
  });

  const clusterStore = (extra = {}) => new RedisStore({ keyPrefix: PREFIX, commandTimeoutMs: 1500, cluster: { nodes: cluster.nodes }, ...extra });
  const sentinelStore = (extra = {}) => new RedisStore({ keyPrefix: PREFIX, commandTimeoutMs: 1500, redisOptions: { sentinels: sentinel.sentinels, name: sentinel.name }, ...extra });

  runStoreContract('Redis Cluster (3 masters + 3 replicas)', async () => clusterStore());
  runStoreContract('Redis Sentinel (1 master, 1 replica, 3 sentinels)', async () => sentinelStore());

  describe('what only these topologies show', function () {
    it('Cluster: keys spread over all three masters, and a script over {tagged} keys runs in one slot', async function () {
      const store = clusterStore();
      try {
        await Promise.all(Array.from({ length: 60 }, (_, i) => store.set(`spread:${i}`, String(i), 60000)));
        const masters = store.client.nodes('master');
        const counts = await Promise.all(masters.map((m) => m.dbsize()));
        assert.equal(masters.length, 3);
        assert.ok(counts.every((n) => n > 0), `keys per master: ${counts}`);
        // Two keys, one hash tag: the multi-key script is accepted by the cluster.
        const lua = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return redis.call('GET', KEYS[2])";
        const sha1 = crypto.createHash('sha1').update(lua).digest('hex');
        const tag = `{rl:${crypto.randomBytes(4).toString('hex')}}`;
        assert.equal(await store.evalScript({ lua, sha1 }, [`${tag}:a`, `${tag}:b`], ['v']), 'v');
        // Without a shared tag Redis refuses (CROSSSLOT), and the store fails closed.
        await assert.rejects(store.evalScript({ lua, sha1 }, ['untagged:a1', 'untagged:b9'], ['v']), StoreUnavailableError);
      } finally {
        await store.close();
      }
    });

    it('Cluster: publish / subscribe reaches a subscriber connected to another node', async function () {
      const a = clusterStore();
      const b = clusterStore();
      try {
        const got = [];
        const stop = await b.subscribe('topo-chan', (m) => got.push(m));
        await a.publish('topo-chan', 'hello');
        for (let i = 0; i < 40 && got.length === 0; i++) await sleep(25);
        assert.deepEqual(got, ['hello']);
        await stop();
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('Node-RED configured through the store node (advanced options): sessions on Cluster and on Sentinel', async function () {
      const secret = crypto.randomBytes(32).toString('base64url');
      const flows = await Promise.all([
        redisFlow({ redis: { cluster: cluster.nodes }, keyPrefix: PREFIX, secret }),
        redisFlow({ redis: { sentinels: sentinel.sentinels, name: sentinel.name }, keyPrefix: PREFIX, secret }),
      ]);
      const reds = await Promise.all(flows.map((f, i) => startInstance(`topo-${i}`, f)));
      try {
        for (const red of reds) {
          const s = await call(red.port, 'POST', '/login', { body: { username: 'alice', password: 'alice-pw' } });
          assert.equal(s.status, 200, `${red.name}: ${JSON.stringify(s.body)}\n${red.log().slice(-2000)}`);
          const bearer = { authorization: `Bearer ${s.body.access_token}` };
          assert.equal((await call(red.port, 'GET', '/api', { headers: bearer })).status, 200);
          const r = await call(red.port, 'POST', '/refresh', { body: { refresh_token: s.body.refresh_token } });
          assert.equal(r.status, 200);
          const out = await call(red.port, 'POST', '/logout', { headers: { authorization: `Bearer ${r.body.access_token}` }, body: { refresh_token: r.body.refresh_token } });
          assert.equal(out.status, 204);
          assert.equal((await call(red.port, 'GET', '/api', { headers: { authorization: `Bearer ${r.body.access_token}` } })).status, 401);
          assert.doesNotMatch(red.log(), /\[error\]/);
        }
      } finally {
        await Promise.all(reds.map((r) => r.stop()));
      }
    });

    it('Sentinel: a revocation is reported only once the replica holds it; with the replica frozen it fails closed (AUTH_011), bounded, and succeeds again once it is back', async function () {
      const store = sentinelStore({ commandTimeoutMs: 800 });
      const master = await currentMaster(sentinel);
      const replicaPort = master === sentinel.master ? sentinel.replica : sentinel.master;
      const replica = new Redis({ port: replicaPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
      replica.on('error', () => {});
      const tags = issuerTags({ issuer: 'https://topology.test', audience: 'api' });
      const revocations = new Revocations(store, new Families(store, { issuerTag: tags.tokens, accessTtlSec: 60 }));
      const exp = Math.floor(Date.now() / 1000) + 60;
      try {
        // Confirmed: the replica already holds the write when the call returns.
        await store.set('durable-1', 'v');
        await store.confirmReplicated();
        assert.equal(await replica.get(`${PREFIX}durable-1`), 'v');
        await revocations.revokeJti('jti-confirmed', exp);
        // A replica that stops acknowledging: the master still takes the write, but no revocation is reported done.
        sentinel.freeze(replicaPort);
        try {
          const t0 = Date.now();
          await assert.rejects(revocations.revokeJti('jti-unconfirmed', exp), (err) => err instanceof StoreUnavailableError && err.code === 'AUTH_011');
          const took = Date.now() - t0;
          assert.ok(took <= 800 + 300, `the refusal took ${took} ms (timeout 800)`);
        } finally {
          sentinel.thaw(replicaPort);
        }
        // Back: the retry of the same revocation is confirmed (the replica catches up and acknowledges).
        const end = Date.now() + 10000;
        for (;;) {
          try {
            await revocations.revokeJti('jti-unconfirmed', exp);
            break;
          } catch (err) {
            assert.ok(err instanceof StoreUnavailableError, `unexpected ${err && err.stack}`);
            assert.ok(Date.now() < end, 'the thawed replica never confirmed');
            await sleep(100);
          }
        }
        assert.equal(await revocations.isRevoked('jti-unconfirmed', undefined), true);
      } finally {
        replica.disconnect();
        await store.close();
      }
    });

    it('Sentinel: a user whose ACL refuses ROLE (an @admin command) still revokes, without the wait, as before', async function () {
      const master = await currentMaster(sentinel);
      const admin = new Redis({ port: master, host: '127.0.0.1', maxRetriesPerRequest: 0 });
      admin.on('error', () => {});
      const user = `authflow_noadmin_${crypto.randomBytes(3).toString('hex')}`;
      const password = crypto.randomBytes(12).toString('hex');
      await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-@admin');
      const store = new RedisStore({ url: `redis://${user}:${password}@127.0.0.1:${master}`, keyPrefix: PREFIX, commandTimeoutMs: 800 });
      try {
        await store.set('acl-limited', 'v');
        await assert.rejects(store.client.call('ROLE'), /NOPERM/);
        await store.confirmReplicated();
        const tags = issuerTags({ issuer: 'https://topology.test', audience: 'api' });
        const revocations = new Revocations(store, new Families(store, { issuerTag: tags.tokens, accessTtlSec: 60 }));
        await revocations.revokeJti('jti-acl', Math.floor(Date.now() / 1000) + 60);
        assert.equal(await revocations.isRevoked('jti-acl', undefined), true);
      } finally {
        await store.close();
        await admin.call('ACL', 'DELUSER', user).catch(() => undefined);
        admin.disconnect();
      }
    });

    it('Sentinel: the master is killed; commands fail closed (AUTH_011, bounded), then resume on the promoted replica by themselves', async function () {
      const store = sentinelStore({ commandTimeoutMs: 800 });
      try {
        await store.set('before-failover', 'kept');
        // Replicated before the crash (WAIT: the replica acknowledged it).
        await store.client.wait(1, 2000);
        const old = await currentMaster(sentinel);
        sentinel.kill(old);
        const started = Date.now();
        let refusals = 0;
        let slowest = 0;
        for (;;) {
          const t0 = Date.now();
          try {
            assert.equal(await store.get('before-failover'), 'kept');
            if (Date.now() - started > 300) break;
          } catch (err) {
            assert.ok(err instanceof StoreUnavailableError, `unexpected ${err && err.stack}`);
            refusals++;
          }
          slowest = Math.max(slowest, Date.now() - t0);
          assert.ok(Date.now() - started < 30000, 'no recovery within 30 s');
          await sleep(50);
        }
        const gap = Date.now() - started;
        console.log(`      sentinel failover: ${refusals} refusals (AUTH_011), slowest ${slowest} ms, service back after ${gap} ms`);
        assert.ok(slowest <= 800 + 150, `a command took ${slowest} ms (timeout 800)`);
        assert.notEqual(await currentMaster(sentinel), old);
        await store.set('after-failover', 'written');
        assert.equal(await store.get('after-failover'), 'written');
      } finally {
        await store.close();
      }
    });
  });
});
