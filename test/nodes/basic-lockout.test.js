'use strict';
const { serviceMissing, REDIS_URL } = require('../support/services');
const { countHashes } = require('../support/count-hashes');
/**
 * authflow-basic brute-force lockout (SECURITY-CASES "Timing and lockout",
 * oryxos #160), through real HTTP: http in → authflow-basic → http response.
 * Counters per (user, IP) and per IP, the same Lockout and settings as the
 * login node, in the embedded default store (global context) or a selected
 * authflow-store. Other client addresses are real: the request's socket is
 * bound to 127.0.0.2 (Linux routes all of 127/8 to loopback).
 *
 * The Redis test uses the server on 127.0.0.1:6379; when it is unreachable
 * that test is skipped with a note, except under CI=true where it fails.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const Redis = require('ioredis');
const bcrypt = require('bcryptjs');
const { helper, load, start, stop, protectedRoute, getRED } = require('../support/flow-harness');
const { hashPasswordScrypt } = require('../../dist/lib');
const { ContextStore } = require('../../dist/lib/store');

const RUN = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const basic = (user, pw) => 'Basic ' + b64(`${user}:${pw}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const LOCKED = { error: 'AUTH_007', message: 'Too many failed attempts; try again later' };


/** Counts calls to every Store method of the embedded default store (ContextStore) while fn runs. */
async function countStoreCalls(fn) {
  const methods = ['get', 'set', 'setIfAbsent', 'delete', 'increment', 'compareAndSet'];
  const originals = Object.fromEntries(methods.map((m) => [m, ContextStore.prototype[m]]));
  const calls = {};
  for (const m of methods) {
    ContextStore.prototype[m] = function (...args) { calls[m] = (calls[m] || 0) + 1; return originals[m].apply(this, args); };
  }
  try {
    await fn();
  } finally {
    Object.assign(ContextStore.prototype, originals);
  }
  return calls;
}

/** GET `path` on RED.httpNode from the socket address `from` (127.0.0.x). */
function requestFrom(from, path, authorization) {
  const server = http.createServer(getRED().httpNode);
  return new Promise((resolve, reject) => {
    server.listen(0, '127.0.0.1', () => {
      const headers = authorization ? { Authorization: authorization } : {};
      const req = http.get({ host: '127.0.0.1', port: server.address().port, path, localAddress: from, headers, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          server.close();
          resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      });
      req.setTimeout(10000, () => req.destroy(new Error('request timed out')));
      req.on('error', (e) => { server.close(); reject(e); });
    });
  });
}

async function requireRedis(ctx) {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (err) {
    client.disconnect();
    serviceMissing(ctx, `Redis not reachable at ${REDIS_URL} (${err.message})`);
  }
}

describe('authflow-basic lockout over real HTTP', function () {
  this.timeout(60000);
  let userList;

  before(async () => {
    // ln=10: the cheapest scrypt the package accepts, so dozens of checks stay fast.
    const [alice, bob] = await Promise.all(['alice-pw', 'bob-pw'].map((p) => hashPasswordScrypt(p, { ln: 10 })));
    userList = `alice:${alice}\nbob:${bob}`;
    await start();
  });
  after(stop);
  // The embedded default store is the global context, which the test helper
  // keeps between tests: empty it so counters never leak from one test to the next.
  afterEach(async () => {
    const global = helper.getNode('check')?.context().global;
    for (const key of global ? global.keys() : []) global.set(key, undefined);
    await helper.unload();
  });

  const creds = () => ({ check: { userList } });
  const loadBasic = (config, extraNodes = [], credentials = creds(), types = ['authflow-basic']) =>
    load(types, [...protectedRoute('authflow-basic', { usersType: 'cred', ...config }), ...extraNodes], credentials);
  const get = (api, authorization) => {
    const req = api.get('/api');
    if (authorization) req.set('Authorization', authorization);
    return req;
  };

  it('N wrong passwords → 429 AUTH_007 with Retry-After; the right password while locked is refused without any hash computed', async () => {
    const api = await loadBasic({ maxRetries: 3, ipMaxRetries: 0, findTime: 60, banTime: 60 });
    for (let i = 0; i < 3; i++) {
      const res = await get(api, basic('alice', `wrong-${i}`)).expect(401);
      assert.equal(res.body.error, 'AUTH_001');
    }
    let res;
    const hashes = await countHashes(async () => {
      res = await get(api, basic('alice', 'alice-pw'));
    });
    assert.equal(res.status, 429);
    assert.deepEqual(res.body, LOCKED);
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter >= 59 && retryAfter <= 60, `Retry-After ${res.headers['retry-after']}`);
    // A 429 is not an authentication challenge (RFC 7617 §2 applies to 401 only).
    assert.equal(res.headers['www-authenticate'], undefined);
    assert.equal(hashes, 0, 'no password hash (real or dummy) while locked');
    // Control: the spy does see password checks (an unlocked user's right password costs one scrypt).
    const control = await countHashes(() => get(api, basic('bob', 'bob-pw')).expect(200));
    assert.equal(control, 1);
  });

  it('a burst of 40 concurrent distinct wrong passwords: only maxRetries are hashed, the rest 429 before any hash', async () => {
    const api = await loadBasic({ maxRetries: 5 });
    let statuses;
    const hashes = await countHashes(async () => {
      const res = await Promise.all(Array.from({ length: 40 }, (_, i) => get(api, basic('alice', `guess-${i}`))));
      statuses = res.map((r) => r.status);
    });
    assert.equal(hashes, 5);
    assert.deepEqual([statuses.filter((s) => s === 401).length, statuses.filter((s) => s === 429).length], [5, 35]);
  });

  describe('correct passwords arriving together are never locked out (issue 10 item 5)', () => {
    // Hashes as slow as real ones (scrypt ln=15, bcrypt 10), so concurrent requests all arrive while the first is checked.
    let slowList;
    before(async () => {
      slowList = `carol:${await hashPasswordScrypt('carol-pw')}\ndave:${bcrypt.hashSync('dave-pw', 10)}`;
    });

    it('10 and 50 concurrent first-time requests with the right password: all 200, one hash each time', async () => {
      const api = await loadBasic({}, [], { check: { userList: slowList } }); // defaults: 5 per (user, IP), 20 per IP
      for (const [n, user, pw] of [[10, 'carol', 'carol-pw'], [50, 'dave', 'dave-pw']]) {
        let statuses;
        const hashes = await countHashes(async () => {
          statuses = (await Promise.all(Array.from({ length: n }, () => get(api, basic(user, pw))))).map((r) => r.status);
        });
        assert.deepEqual([...new Set(statuses)], [200], `${n} requests: ${JSON.stringify(statuses)}`);
        assert.equal(hashes, 1, `${n} requests`);
      }
    });

    it('30 users at once from one address (a gateway), per-IP limit 8: all 200, nothing counted', async () => {
      const names = Array.from({ length: 30 }, (_, i) => `user${i}`);
      const hashes = await Promise.all(names.map((u) => hashPasswordScrypt(`${u}-pw`, { ln: 10 })));
      const many = names.map((u, i) => `${u}:${hashes[i]}`).join('\n');
      const api = await loadBasic({ maxRetries: 5, ipMaxRetries: 8 }, [], { check: { userList: many } });
      const res = await Promise.all(names.map((u) => get(api, basic(u, `${u}-pw`))));
      assert.deepEqual([...new Set(res.map((r) => r.status))], [200]);
      const global = helper.getNode('check').context().global;
      assert.deepEqual(global.keys().filter((k) => k.startsWith('authflow_')), [], 'no failure state written');
    });

    it('ten copies of one wrong password at once are one guess: one hash, one failure, all 401', async () => {
      const api = await loadBasic({ maxRetries: 3, ipMaxRetries: 0 }, [], { check: { userList: slowList } });
      let statuses;
      const hashes = await countHashes(async () => {
        statuses = (await Promise.all(Array.from({ length: 10 }, () => get(api, basic('carol', 'guess'))))).map((r) => r.status);
      });
      assert.deepEqual([...new Set(statuses)], [401]);
      assert.equal(hashes, 1);
      await get(api, basic('carol', 'other-1')).expect(401);
      await get(api, basic('carol', 'other-2')).expect(401); // the third failure: banned now
      await get(api, basic('carol', 'carol-pw')).expect(429);
    });

    it('login node: 20 concurrent first logins with the right password all succeed, one hash', async () => {
      const flow = [
        { id: 'iss', type: 'authflow-issuer', iss: 'https://api.example.test', aud: 'demo-api' },
        { id: 'lin', type: 'http in', url: '/login', method: 'post', wires: [['login']], z: 'f1' },
        { id: 'login', type: 'authflow-login', z: 'f1', x: 1, y: 1, issuer: 'iss', operation: 'login', usersType: 'cred', totp: 'off', wires: [['out'], ['out']] },
      ];
      const credentials = { ...creds(), login: { userList }, iss: { secret: 'a-test-secret-of-at-least-32-bytes!!' } };
      const api = await loadBasic({}, flow, credentials, ['authflow-basic', 'authflow-issuer', 'authflow-login']);
      let res;
      const hashes = await countHashes(async () => {
        res = await Promise.all(Array.from({ length: 20 }, () => api.post('/login').send({ username: 'alice', password: 'alice-pw' })));
      });
      assert.deepEqual([...new Set(res.map((r) => r.status))], [200], JSON.stringify(res.map((r) => r.body)));
      assert.ok(res.every((r) => typeof r.body.access_token === 'string'));
      assert.equal(hashes, 1);
    });
  });

  it('parallel requests with valid, already verified credentials are all let through', async () => {
    const api = await loadBasic({ maxRetries: 2 });
    await get(api, basic('alice', 'alice-pw')).expect(200);
    const res = await Promise.all(Array.from({ length: 20 }, () => get(api, basic('alice', 'alice-pw'))));
    assert.deepEqual([...new Set(res.map((r) => r.status))], [200]);
  });

  it('the ban expires after ban time: the right password works again', async function () {
    this.timeout(20000);
    const api = await loadBasic({ maxRetries: 2, ipMaxRetries: 0, findTime: 60, banTime: 1 });
    await get(api, basic('alice', 'x')).expect(401);
    await get(api, basic('alice', 'y')).expect(401);
    const locked = await get(api, basic('alice', 'alice-pw')).expect(429);
    assert.equal(locked.headers['retry-after'], '1');
    // Bounded wait: poll until the ban is over, at most 5 s.
    const deadline = Date.now() + 5000;
    let status;
    do {
      await sleep(250);
      status = (await get(api, basic('alice', 'alice-pw'))).status;
    } while (status === 429 && Date.now() < deadline);
    assert.equal(status, 200);
  });

  it('per (user, IP) counting locks neither another user from that address nor the user from another address', async () => {
    const api = await loadBasic({ maxRetries: 3, findTime: 60, banTime: 60 }); // per-IP limit left at its default (20)
    for (let i = 0; i < 3; i++) await get(api, basic('alice', 'bad')).expect(401);
    await get(api, basic('alice', 'alice-pw')).expect(429);
    const bob = await get(api, basic('bob', 'bob-pw')).expect(200);
    assert.equal(bob.body.auth.subject, 'bob');
    const elsewhere = await requestFrom('127.0.0.2', '/api', basic('alice', 'alice-pw'));
    assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
    assert.equal(elsewhere.body.auth.ip, '127.0.0.2');
    // ... while alice stays locked from the first address.
    await get(api, basic('alice', 'alice-pw')).expect(429);
  });

  it('per IP: failures over many usernames ban the address for everyone, not other addresses', async () => {
    const api = await loadBasic({ maxRetries: 0, ipMaxRetries: 4, findTime: 60, banTime: 60 });
    for (let i = 0; i < 4; i++) await get(api, basic(`spray-${i}`, 'x')).expect(401);
    const res = await get(api, basic('bob', 'bob-pw')).expect(429);
    assert.deepEqual(res.body, LOCKED);
    assert.ok(Number(res.headers['retry-after']) > 50);
    const other = await requestFrom('127.0.0.2', '/api', basic('bob', 'bob-pw'));
    assert.equal(other.status, 200);
  });

  it('like the login node, a success clears the (user, IP) count but never the IP count', async () => {
    const api = await loadBasic({ maxRetries: 3, ipMaxRetries: 5, findTime: 60, banTime: 60 });
    await get(api, basic('alice', 'bad')).expect(401);
    await get(api, basic('alice', 'bad')).expect(401);
    await get(api, basic('alice', 'alice-pw')).expect(200); // pair count back to 0
    await get(api, basic('alice', 'bad')).expect(401);
    await get(api, basic('alice', 'bad')).expect(401); // pair: 2 of 3; IP: 4 of 5
    await get(api, basic('alice', 'alice-pw')).expect(200);
    await get(api, basic('alice', 'bad')).expect(401); // IP: 5 of 5 → the address is banned
    const res = await get(api, basic('bob', 'bob-pw')).expect(429);
    assert.equal(res.body.error, 'AUTH_007');
  });

  it('defaults are the login node\'s: 5 failures per (user, IP), 300 s ban; malformed headers are not counted', async () => {
    const api = await loadBasic({}); // a flow saved before lockout existed: no lockout fields at all
    for (let i = 0; i < 6; i++) await get(api, 'Basic !!!notbase64').expect(401);
    await get(api).expect(401);
    for (let i = 0; i < 4; i++) await get(api, basic('alice', 'bad')).expect(401);
    await get(api, basic('alice', 'alice-pw')).expect(200);
    for (let i = 0; i < 5; i++) await get(api, basic('alice', 'bad')).expect(401);
    const res = await get(api, basic('alice', 'alice-pw')).expect(429);
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter > 295 && retryAfter <= 300, `Retry-After ${retryAfter}`);
  });

  it('lockout off: never 429, and the store is not touched', async () => {
    const api = await loadBasic({ lockout: false, maxRetries: 1, ipMaxRetries: 1 });
    const calls = await countStoreCalls(async () => {
      for (let i = 0; i < 8; i++) await get(api, basic('alice', 'bad')).expect(401);
      await get(api, basic('alice', 'alice-pw')).expect(200);
    });
    assert.deepEqual(calls, {});
  });

  it('hot path: valid cached credentials cost at most one store read per second and no write', async () => {
    const api = await loadBasic({});
    await get(api, basic('alice', 'alice-pw')).expect(200); // fills the password cache and the quiet-address memo
    const started = Date.now();
    const calls = await countStoreCalls(async () => {
      for (let i = 0; i < 20; i++) await get(api, basic('alice', 'alice-pw')).expect(200);
    });
    const seconds = Math.ceil((Date.now() - started) / 1000);
    assert.deepEqual(Object.keys(calls).filter((m) => m !== 'get'), [], JSON.stringify(calls));
    assert.ok((calls.get ?? 0) <= seconds, `${calls.get} reads in ${seconds} s`);
  });

  it('a store outage fails closed: 503 AUTH_011 for every request, wrong or right password', async () => {
    const store = { id: 'store', type: 'authflow-store', backend: 'redis', timeout: 500 };
    const api = await loadBasic({ store: 'store' }, [store], { ...creds(), store: { redisUrl: 'redis://127.0.0.1:1' } }, ['authflow-basic', 'authflow-store']);
    const statuses = [];
    helper.getNode('check').on('call:status', (call) => statuses.push(call.args[0]));
    for (const authorization of [basic('alice', 'bad'), basic('alice', 'alice-pw')]) {
      const started = Date.now();
      const res = await get(api, authorization).expect(503);
      assert.deepEqual(res.body, { error: 'AUTH_011', message: 'Credential store unavailable' });
      assert.ok(Number(res.headers['retry-after']) >= 1, `Retry-After ${res.headers['retry-after']}`);
      assert.ok(Date.now() - started < 3000, 'answered within the store timeout');
    }
    // The node shows the outage.
    assert.ok(statuses.some((s) => s.fill === 'red' && /^AUTH_011 /.test(s.text || '')), JSON.stringify(statuses));
    assert.equal(helper.getNode('store').storeStatus?.state, 'unavailable');
  });

  it('lockout off needs no store: a dead selected store does not matter', async () => {
    const store = { id: 'store', type: 'authflow-store', backend: 'redis', timeout: 500 };
    const api = await loadBasic({ store: 'store', lockout: false }, [store], { ...creds(), store: { redisUrl: 'redis://127.0.0.1:1' } }, ['authflow-basic', 'authflow-store']);
    await get(api, basic('alice', 'alice-pw')).expect(200);
    await get(api, basic('alice', 'bad')).expect(401);
  });

  it('bad lockout settings are a configuration error: every request refused with 503 AUTH_011 (fail closed, not a wrong password)', async () => {
    const api = await loadBasic({ maxRetries: -1 });
    const res = await get(api, basic('alice', 'alice-pw')).expect(503);
    assert.equal(res.body.error, 'AUTH_011');
    const logged = helper.log().args.map((a) => JSON.stringify(a[0])).join('\n');
    assert.match(logged, /lockout settings must be whole numbers >= 0/);
  });

  it('with a selected Redis store, a ban counted by one basic node holds on another using the same store', async function () {
    const admin = await requireRedis(this);
    const keyPrefix = `authflow-test-${RUN}:`;
    try {
      const flow = [
        { id: 'store', type: 'authflow-store', backend: 'redis', keyPrefix },
        // A second route and node, as a second instance behind a load balancer would have.
        { id: 'in2', type: 'http in', url: '/api2', method: 'get', wires: [['check2']], z: 'f1' },
        { id: 'check2', type: 'authflow-basic', z: 'f1', usersType: 'cred', store: 'store', maxRetries: 3, ipMaxRetries: 0, wires: [['ok'], ['out']] },
      ];
      const credentials = { ...creds(), check2: { userList }, store: { redisUrl: REDIS_URL } };
      const api = await loadBasic({ store: 'store', maxRetries: 3, ipMaxRetries: 0 }, flow, credentials, ['authflow-basic', 'authflow-store']);
      for (let i = 0; i < 3; i++) await get(api, basic('alice', 'bad')).expect(401);
      const res = await api.get('/api2').set('Authorization', basic('alice', 'alice-pw')).expect(429);
      assert.deepEqual(res.body, LOCKED);
      // The counters are in Redis under the store's prefix, and none names the user.
      const keys = await admin.keys(`${keyPrefix}*`);
      assert.ok(keys.some((k) => k.includes('af:lb:u:')), JSON.stringify(keys));
      assert.ok(keys.every((k) => !k.includes('alice')), JSON.stringify(keys));
      // Nothing went to the embedded default store.
      const global = helper.getNode('check').context().global;
      assert.deepEqual(global.keys().filter((k) => k.startsWith('authflow_')), []);
    } finally {
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length) await admin.del(...keys);
      admin.disconnect();
    }
  });

  it('login and basic nodes share the counters: failures on the login endpoint lock Basic for that user and address', async () => {
    const flow = [
      { id: 'iss', type: 'authflow-issuer', iss: 'https://api.example.test', aud: 'demo-api' },
      { id: 'lin', type: 'http in', url: '/login', method: 'post', wires: [['login']], z: 'f1' },
      { id: 'login', type: 'authflow-login', z: 'f1', x: 1, y: 1, issuer: 'iss', operation: 'login', usersType: 'cred', totp: 'off', maxRetries: 3, ipMaxRetries: 0, wires: [['out'], ['out']] },
    ];
    const credentials = { ...creds(), login: { userList }, iss: { secret: 'a-test-secret-of-at-least-32-bytes!!' } };
    const api = await loadBasic({ maxRetries: 3, ipMaxRetries: 0 }, flow, credentials, ['authflow-basic', 'authflow-issuer', 'authflow-login']);
    for (let i = 0; i < 3; i++) await api.post('/login').send({ username: 'alice', password: 'bad' }).expect(401);
    await get(api, basic('alice', 'alice-pw')).expect(429);
    await get(api, basic('bob', 'bob-pw')).expect(200);
  });
});
