'use strict';
const { eventually } = require('../support/poll');
const { requireService, requireRedis, REDIS_URL } = require('../support/services');
const { tcpProxy } = require('../support/tcp-proxy');
/**
 * authflow-store config node in a real Node-RED runtime, reached over real
 * HTTP: context (named memory stores), Redis and PostgreSQL on this
 * machine's servers. A test-only consumer node ("test-store-probe") selects
 * the store the way login/bearer do — resolveStore + watchStoreStatus inside
 * initCheckNode — and reads/writes one key per request, so store failures
 * reach the client as the shared decision glue maps them (503 AUTH_011).
 *
 * Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, database `test`)
 * are used for real; when one is unreachable its suite is skipped with a
 * note, except under CI=true where that is a failure.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const Redis = require('ioredis');
const pg = require('pg');
const supertest = require('supertest');

const { helper, start, stop } = require('../support/flow-harness');
const { fromNodeRed } = require('../support/node-red-version');
const httpIn = require(fromNodeRed('@node-red/nodes/core/network/21-httpin.js'));
const functionNode = require(fromNodeRed('@node-red/nodes/core/function/10-function.js'));
const storeNode = require('../../dist/nodes/store/authflow-store.js');
const { initCheckNode } = require('../../dist/nodes/shared/check-node.js');
const { resolveStore, watchStoreStatus } = require('../../dist/nodes/shared/store-ref.js');
// The runtime's context module: the test helper skips its load(), which creates the stores named in contextStorage.
const contextRuntime = require(fromNodeRed('@node-red/runtime/lib/nodes/context'));

const PG_URL = process.env.AUTHFLOW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUN = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;

// ------------------------------------------------------------ test consumer

/**
 * PUT /kv?k=&v= writes, GET /kv?k= reads; msg.auth.subject carries the value
 * read back. Records every status it shows.
 */
function probeNode(RED) {
  function TestStoreProbe(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.statuses = [];
    const show = node.status;
    node.status = function (s) { node.statuses.push(s); return show.call(node, s); };
    initCheckNode(node, config, {
      method: 'store-probe',
      setup(status) {
        const store = resolveStore(RED, node, config.store);
        watchStoreStatus(RED, node, config.store, status);
        // A lib-style check (lib/checks/check.ts) over the msg the node adapter passes along.
        return {
          method: 'store-probe',
          challenge: () => ({}),
          run: async ({ msg }) => {
            const key = `probe:${msg.req.query.k}`;
            if (msg.req.method === 'PUT') await store.set(key, String(msg.req.query.v));
            const value = await store.get(key);
            return { method: 'store-probe', subject: value === undefined ? '(absent)' : value, scopes: [] };
          },
        };
      },
    });
  }
  RED.nodes.registerType('test-store-probe', TestStoreProbe);
}

let RED;
async function loadFlow(flow, credentials = {}) {
  const capture = (red) => { RED = red; return httpIn(red); };
  await helper.load([capture, functionNode, storeNode, probeNode], flow, credentials);
  return supertest(RED.httpNode);
}

/** GET+PUT /<path> → probe "<id>" (selecting store `storeId`, or the embedded default) → http response. */
function route(id, path, storeId) {
  return [
    { id: `${id}-get`, type: 'http in', z: 'f1', url: path, method: 'get', wires: [[id]] },
    { id: `${id}-put`, type: 'http in', z: 'f1', url: path, method: 'put', wires: [[id]] },
    { id, type: 'test-store-probe', z: 'f1', store: storeId || '', wires: [[`${id}-ok`], [`${id}-out`]] },
    { id: `${id}-ok`, type: 'function', z: 'f1', func: 'msg.payload = { value: msg.auth.subject }; return msg;', wires: [[`${id}-out`]] },
    { id: `${id}-out`, type: 'http response', z: 'f1', wires: [] },
  ];
}

const tab = { id: 'f1', type: 'tab', label: 'store test' };
const flowWith = (storeConfig, extra = []) => [tab, { id: 'store', type: 'authflow-store', ...storeConfig }, ...route('probe', '/kv', 'store'), ...extra];

// ------------------------------------------------------------ helpers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));



function redisAdmin() {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => {});
  return client;
}

async function withPg(fn) {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}


const put = (api, k, v) => api.put(`/kv?k=${k}&v=${v}`);
const get = (api, k) => api.get(`/kv?k=${k}`);
const lastStatus = (id = 'probe') => helper.getNode(id).statuses.at(-1) || {};
const isOutage = (s) => s.fill === 'red' && s.shape === 'dot' && /^AUTH_011 /.test(s.text || '');

async function assertOutage(api, k = 'a') {
  const res = await get(api, k);
  assert.equal(res.status, 503);
  assert.deepEqual(res.body, { error: 'AUTH_011', message: 'Credential store unavailable' });
}

// ------------------------------------------------------------ tests

describe('authflow-store config node over real HTTP', function () {
  this.timeout(30000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  describe('context backend', function () {
    before(() => helper.settings({ contextStorage: { default: { module: 'memory' }, second: { module: 'memory' } } }));
    after(() => helper.settings({}));
    afterEach(() => contextRuntime.close());
    const load = async (flow) => {
      const api = await loadFlow(flow);
      await contextRuntime.load();
      return api;
    };
    const read = (key, store) => new Promise((resolve, reject) =>
      helper.getNode('store').context().global.get(key, store, (e, v) => (e ? reject(e) : resolve(v))));

    it('keeps state in the selected context store, apart from the default one', async function () {
      const api = await load(flowWith({ backend: 'context', contextStore: 'second' }, route('plain', '/plain')));
      assert.equal((await put(api, 'a', 'one').expect(200)).body.value, 'one');
      assert.equal((await get(api, 'a').expect(200)).body.value, 'one');
      assert.equal((await read('authflow_probe:a', 'second')).v, 'one');
      assert.equal(await read('authflow_probe:a', 'default'), undefined);
      // The embedded default (no store selected) uses the same key prefix in the default store: not where this went.
      assert.equal((await api.get('/plain?k=a').expect(200)).body.value, '(absent)');
    });

    it('writes under the configured key prefix', async function () {
      const api = await load(flowWith({ backend: 'context', keyPrefix: 'myapp_' }));
      await put(api, 'a', 'one').expect(200);
      assert.equal((await read('myapp_probe:a', 'default')).v, 'one');
      assert.equal(await read('authflow_probe:a', 'default'), undefined);
    });

    it('with default settings shares state with nodes on the embedded default', async function () {
      const api = await load(flowWith({ backend: 'context' }, route('plain', '/plain')));
      await put(api, 'b', 'two').expect(200);
      assert.equal((await api.get('/plain?k=b').expect(200)).body.value, 'two');
    });

    it('a context store missing from settings.js fails closed with 503 AUTH_011, shown on the user node', async function () {
      const api = await load(flowWith({ backend: 'context', contextStore: 'nosuchstore' }));
      await assertOutage(api);
      assert.ok(isOutage(lastStatus()), JSON.stringify(lastStatus()));
      assert.match(lastStatus().text, /^AUTH_011 store config error: context store "nosuchstore"/);
      const logged = helper.log().args.map((a) => JSON.stringify(a[0])).join('\n');
      assert.match(logged, /context store \\"nosuchstore\\" is not configured in settings\.js contextStorage/);
    });

    it('the old store is closed on redeploy, the new one serves at once', async function () {
      const api = await load(flowWith({ backend: 'context' }));
      await put(api, 'c', 'three').expect(200);
      const old = helper.getNode('store').store;
      await helper.setFlows(flowWith({ backend: 'context', name: 'changed' }), 'full');
      await assert.rejects(old.get('probe:c'), (e) => e.code === 'AUTH_011');
      assert.notEqual(helper.getNode('store').store, old);
      assert.equal((await get(api, 'c').expect(200)).body.value, 'three');
    });

    it('secrets are password-type credentials, never properties of the flow', async function () {
      await loadFlow(flowWith({ backend: 'context' }));
      const defs = RED.nodes.getCredentialDefinition ? RED.nodes.getCredentialDefinition('authflow-store') : helper._redNodes.getCredentialDefinition('authflow-store');
      assert.deepEqual(Object.fromEntries(Object.entries(defs).map(([k, v]) => [k, v.type])), {
        redisUrl: 'password', redisPassword: 'password', redisSentinelPassword: 'password', pgConnectionString: 'password',
      });
    });
  });

  describe('Redis backend (real server)', function () {
    const prefix = `authflow_t_${RUN}:`;
    before(async function () {
      await requireRedis(this);
    });
    after(async function () {
      const c = redisAdmin();
      try {
        await c.connect();
        const keys = await c.keys(`${prefix}*`);
        if (keys.length) await c.del(...keys);
        await c.call('ACL', 'DELUSER', `authflow_t_${RUN}`);
      } catch { /* suite skipped */ } finally { c.disconnect(); }
    });

    it('stores under the key prefix, passes advanced options to ioredis, and closes its connection on unload', async function () {
      const name = `authflow_t_${RUN}_conn`;
      const flow = flowWith({ backend: 'redis', keyPrefix: prefix, redisOptions: JSON.stringify({ connectionName: name, db: 0 }) });
      const api = await loadFlow(flow, { store: { redisUrl: REDIS_URL } });
      assert.equal((await put(api, 'a', 'one').expect(200)).body.value, 'one');
      const admin = redisAdmin();
      await admin.connect();
      try {
        assert.equal(await admin.get(`${prefix}probe:a`), 'one');
        assert.match(await admin.client('LIST'), new RegExp(`name=${name} `));
        const old = helper.getNode('store').store;
        await helper.unload();
        await assert.rejects(old.get('probe:a'), (e) => e.code === 'AUTH_011');
        await eventually(async () => assert.doesNotMatch(await admin.client('LIST'), new RegExp(`name=${name} `)), 3000);
      } finally {
        admin.disconnect();
      }
    });

    it('takes the password from the credentials (ACL user), and a wrong one fails closed without leaking it', async function () {
      const user = `authflow_t_${RUN}`;
      const password = crypto.randomBytes(12).toString('hex');
      const admin = redisAdmin();
      await admin.connect();
      try {
        await admin.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, `~${prefix}*`, '+@all');
      } finally {
        admin.disconnect();
      }
      const url = REDIS_URL.replace('//', `//${user}@`);
      const flow = flowWith({ backend: 'redis', keyPrefix: prefix });
      let api = await loadFlow(flow, { store: { redisUrl: url, redisPassword: password } });
      assert.equal((await put(api, 'p', 'ok').expect(200)).body.value, 'ok');
      assert.ok(!JSON.stringify(RED.nodes.getFlows ? RED.nodes.getFlows() : helper._redNodes.getFlows()).includes(password));
      await helper.unload();

      // The whole URL, password included, as the one credential works too.
      api = await loadFlow(flow, { store: { redisUrl: REDIS_URL.replace('//', `//${user}:${password}@`) } });
      assert.equal((await get(api, 'p').expect(200)).body.value, 'ok');
      await helper.unload();

      api = await loadFlow(flow, { store: { redisUrl: url, redisPassword: 'wrong-password-xyz' } });
      await eventually(() => assertOutage(api, 'p'), 3000);
      const seen = JSON.stringify(helper.getNode('probe').statuses);
      assert.ok(!seen.includes('wrong-password-xyz'), seen);
    });

    it('a dead Redis URL (127.0.0.1:1) gives 503 AUTH_011 within the command timeout and shows the outage', async function () {
      const api = await loadFlow(flowWith({ backend: 'redis', timeout: 500 }), { store: { redisUrl: 'redis://127.0.0.1:1' } });
      const started = Date.now();
      await assertOutage(api);
      const took = Date.now() - started;
      assert.ok(took < 2000, `answered after ${took} ms`);
      await eventually(async () => assert.ok(isOutage(lastStatus()), JSON.stringify(lastStatus())), 2000);
      assert.equal(helper.getNode('store').storeStatus.state, 'unavailable');
    });

    it('an outage gives 503 AUTH_011 and the node shows it; service resumes by itself, no redeploy', async function () {
      const proxy = tcpProxy(Number(new URL(REDIS_URL).port || 6379));
      const port = await proxy.start();
      try {
        const api = await loadFlow(flowWith({ backend: 'redis', keyPrefix: prefix }), { store: { redisUrl: `redis://127.0.0.1:${port}` } });
        await eventually(() => put(api, 'o', 'before').expect(200), 3000);
        await proxy.stop();
        await eventually(() => assertOutage(api, 'o'), 3000);
        await eventually(async () => assert.ok(isOutage(lastStatus()), JSON.stringify(lastStatus())), 3000);
        await proxy.start(); // same port
        assert.equal((await eventually(() => get(api, 'o').expect(200), 10000)).body.value, 'before');
        await eventually(async () => assert.deepEqual(lastStatus(), { fill: 'green', shape: 'dot', text: 'allowed' }), 2000);
        assert.ok(helper.getNode('probe').statuses.some((s) => s.text === 'store ready'));
      } finally {
        await proxy.stop().catch(() => {});
      }
    });

    it('refuses a password in the advanced JSON (it would sit in the flow file) and fails closed', async function () {
      const api = await loadFlow(flowWith({ backend: 'redis', redisOptions: '{"password":"hunter2-secret"}' }));
      await assertOutage(api);
      const errors = helper.log().args.map((a) => JSON.stringify(a[0])).join('\n');
      assert.match(errors, /must not hold \\"password\\"/);
      assert.ok(!errors.includes('hunter2-secret'));
    });
  });

  describe('PostgreSQL backend (real server)', function () {
    const schema = `authflow_t_${RUN}`;
    const app = `authflow_t_${RUN}`;
    // search_path via the connection string puts the store table in this run's schema.
    const connection = (base = PG_URL) => `${base}?application_name=${app}&options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    before(async function () {
      await requireService(this, `PostgreSQL at ${PG_URL}`, () => withPg((c) => c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)));
    });
    after(async function () {
      await withPg((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => {});
    });

    const connections = () => withPg(async (c) => (await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [app])).rows[0].n);

    it('migrates the table at deploy, stores rows, and ends its pool on unload', async function () {
      const api = await loadFlow(flowWith({ backend: 'postgres', pgTable: 'tokens_state' }), { store: { pgConnectionString: connection() } });
      assert.equal((await put(api, 'a', 'one').expect(200)).body.value, 'one');
      const rows = await withPg((c) => c.query(`SELECT key, value FROM "${schema}".tokens_state`));
      assert.deepEqual(rows.rows, [{ key: 'probe:a', value: 'one' }]);
      const migrations = await withPg((c) => c.query(`SELECT target, version FROM "${schema}".authflow_migrations`));
      assert.deepEqual(migrations.rows, [{ target: `${schema}.tokens_state`, version: 1 }]);
      assert.ok((await connections()) > 0);
      await helper.unload();
      await eventually(async () => assert.equal(await connections(), 0), 3000);
    });

    it('an outage gives 503 AUTH_011 and the node shows it; service resumes by itself, no redeploy', async function () {
      const proxy = tcpProxy(Number(new URL(PG_URL).port || 5432));
      const port = await proxy.start();
      try {
        const base = PG_URL.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`);
        const api = await loadFlow(flowWith({ backend: 'postgres', timeout: 1000 }), { store: { pgConnectionString: connection(base) } });
        await put(api, 'o', 'before').expect(200);
        await proxy.stop();
        await eventually(() => assertOutage(api, 'o'), 5000);
        assert.ok(isOutage(lastStatus()), JSON.stringify(lastStatus()));
        await proxy.start();
        assert.equal((await eventually(() => get(api, 'o').expect(200), 10000)).body.value, 'before');
      } finally {
        await proxy.stop().catch(() => {});
      }
    });

    it('a missing connection string is a configuration error: 503 AUTH_011', async function () {
      const api = await loadFlow(flowWith({ backend: 'postgres' }));
      await assertOutage(api);
      assert.match(lastStatus().text, /^AUTH_011 store config error: a PostgreSQL connection/);
    });
  });
});
