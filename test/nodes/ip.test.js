'use strict';
const assert = require('assert');
const { IpSet } = require('../../dist/lib/internal');
const { RECHECK_MS } = require('../../dist/lib/util/memo');
const { helper, load, start, stop, protectedRoute } = require('../support/flow-harness');
const { fromNodeRed } = require('../support/node-red-version');
const { asyncOnlyStore } = require('../support/async-store');
// The runtime's context module: the test helper skips its load(), which creates the stores named in contextStorage.
const contextRuntime = require(fromNodeRed('@node-red/runtime/lib/nodes/context'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('authflow-ip node over real HTTP', function () {
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  const route = (cfg) => protectedRoute('authflow-ip', cfg);

  it('allows loopback (IPv4-mapped socket peer matches 127.0.0.0/8)', async () => {
    const api = await load(['authflow-ip'], route({ allow: '127.0.0.0/8' }));
    const res = await api.get('/api').expect(200);
    assert.strictEqual(res.body.auth.ip, '127.0.0.1');
  });

  it('denies with 403 AUTH_005 when not in the allow list, and deny beats allow', async () => {
    let api = await load(['authflow-ip'], route({ allow: '10.0.0.0/8' }));
    assert.strictEqual((await api.get('/api').expect(403)).body.error, 'AUTH_005');
    await helper.unload();
    api = await load(['authflow-ip'], route({ allow: '0.0.0.0/0', deny: '127.0.0.1' }));
    assert.strictEqual((await api.get('/api').expect(403)).body.error, 'AUTH_005');
  });

  it('ignores X-Forwarded-For from an untrusted peer (I1)', async () => {
    const api = await load(['authflow-ip'], route({ allow: '203.0.113.0/24' }));
    assert.strictEqual((await api.get('/api').set('X-Forwarded-For', '203.0.113.9').expect(403)).body.error, 'AUTH_005');
  });

  it('walks X-Forwarded-For right to left from a trusted proxy (I2)', async () => {
    const api = await load(['authflow-ip'], route({ allow: '203.0.113.0/24', trustedProxies: '127.0.0.1, 10.0.0.0/8' }));
    const ok = await api.get('/api').set('X-Forwarded-For', '198.51.100.7, 203.0.113.9, 10.1.1.1').expect(200);
    assert.strictEqual(ok.body.auth.ip, '203.0.113.9');
    // The client-chosen leftmost entry does not count: 198.51.100.7 is not in the allow list.
    await api.get('/api').set('X-Forwarded-For', '203.0.113.9, 198.51.100.7').expect(403);
    // Garbage fails closed.
    await api.get('/api').set('X-Forwarded-For', '203.0.113.9, not-an-ip').expect(403);
  });

  it('refuses invalid rules at deploy with a node error and refuses everything (503 AUTH_011: a configuration error)', async () => {
    for (const bad of ['10.0.0.0/33', '::/129', '010.0.0.1', 'fe80::1%eth0']) {
      const api = await load(['authflow-ip'], route({ allow: bad }));
      const node = helper.getNode('check');
      const errors = [];
      node.on('call:error', (c) => errors.push(String(c.args[0])));
      assert.strictEqual((await api.get('/api').expect(503)).body.error, 'AUTH_011', bad);
      await helper.unload();
    }
  });

  it('reads rules from flow context and applies changes without redeploy; invalid context rules refuse everyone (503 AUTH_011)', async () => {
    const api = await load(['authflow-ip'], route({ allowType: 'flow', allow: 'allowedIps' }));
    const flow = helper.getNode('check').context().flow;
    flow.set('allowedIps', ['127.0.0.1/32']);
    await api.get('/api').expect(200);
    flow.set('allowedIps', '192.0.2.0/24');
    await api.get('/api').expect(403);
    flow.set('allowedIps', '127.0.0.1/33');
    assert.strictEqual((await api.get('/api').expect(503)).body.error, 'AUTH_011');
  });

  describe('a rule list that cannot be read fails closed (issue 10 item 4); an empty list typed in still means "everyone not denied"', () => {
    const unsetVar = `AUTHFLOW_TEST_UNSET_${process.pid}_${Date.now()}`;
    afterEach(() => delete process.env[unsetVar]);

    const refusedUnavailable = async (api) => {
      const res = await api.get('/api').expect(503);
      assert.strictEqual(res.body.error, 'AUTH_011');
      assert.ok(Number(res.headers['retry-after']) >= 1);
    };

    it('an allow list from a flow or global context key that is not set → 503 AUTH_011, until it is set', async () => {
      for (const scope of ['flow', 'global']) {
        const api = await load(['authflow-ip'], route({ allowType: scope, allow: 'allowedIps' }));
        await refusedUnavailable(api);
        helper.getNode('check').context()[scope].set('allowedIps', '127.0.0.1');
        await api.get('/api').expect(200);
        helper.getNode('check').context()[scope].set('allowedIps', undefined); // deleted again
        await refusedUnavailable(api);
        await helper.unload();
      }
    });

    it('an allow list from an unset environment variable → 503 AUTH_011; set to "" it lets nobody in (403): from a source the list IS who may pass', async () => {
      const api = await load(['authflow-ip'], route({ allowType: 'env', allow: unsetVar }));
      await refusedUnavailable(api);
      process.env[unsetVar] = '127.0.0.1';
      await api.get('/api').expect(200);
      process.env[unsetVar] = '';
      assert.strictEqual((await api.get('/api').expect(403)).body.error, 'AUTH_005');
    });

    it('an empty allow list in context lets nobody in (403 AUTH_005); typed into the node, empty means everyone not denied', async () => {
      let api = await load(['authflow-ip'], route({ allowType: 'flow', allow: 'allowedIps' }));
      helper.getNode('check').context().flow.set('allowedIps', []);
      assert.strictEqual((await api.get('/api').expect(403)).body.error, 'AUTH_005');
      await helper.unload();
      api = await load(['authflow-ip'], route({ allow: '', deny: '10.0.0.0/8' }));
      await api.get('/api').expect(200);
    });

    it('a deny list from a context key that is not set → 503 AUTH_011 (never "nobody denied"); set to [] it denies nobody', async () => {
      const api = await load(['authflow-ip'], route({ allow: '127.0.0.0/8', denyType: 'flow', deny: 'blocked' }));
      await refusedUnavailable(api);
      helper.getNode('check').context().flow.set('blocked', []);
      await api.get('/api').expect(200);
    });
  });

  it('a deny list edited in place applies: a push at once, an entry written over within a second', async () => {
    const api = await load(['authflow-ip'], route({ allow: '0.0.0.0/0', denyType: 'flow', deny: 'blocked' }));
    const flow = helper.getNode('check').context().flow;
    const blocked = ['192.0.2.1'];
    flow.set('blocked', blocked);
    await api.get('/api').expect(200);
    blocked.push('127.0.0.1'); // the same array, one longer
    await api.get('/api').expect(403);
    blocked[1] = '192.0.2.2'; // the same array, the same length
    await sleep(RECHECK_MS + 50);
    await api.get('/api').expect(200);
    blocked[0] = '127.0.0.0/8';
    await sleep(RECHECK_MS + 50);
    await api.get('/api').expect(403);
  });

  describe('rules from a context store that only answers asynchronously, and is down', () => {
    before(() => helper.settings({ contextStorage: { default: { module: 'memory' }, remote: { module: () => asyncOnlyStore({ failReads: true }) } } }));
    after(() => helper.settings({}));
    afterEach(() => contextRuntime.close());

    it('fails closed with 503, and a deny source that throws at once leaves no read unanswered (no unhandled rejection)', async () => {
      const unhandled = [];
      const onUnhandled = (e) => unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      try {
        const api = await load(['authflow-ip'], route({ allowType: 'flow', allow: '#:(remote)::allowed', denyType: 'msg', deny: 'rules[' }));
        await contextRuntime.load();
        assert.strictEqual((await api.get('/api').expect(503)).body.error, 'AUTH_011');
        await sleep(50); // the allow read fails on a later turn
        assert.deepStrictEqual(unhandled, []);
        await helper.unload();
        const api2 = await load(['authflow-ip'], route({ allowType: 'flow', allow: '#:(remote)::allowed' }));
        await contextRuntime.load();
        assert.strictEqual((await api2.get('/api').expect(503)).body.error, 'AUTH_011');
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  });

  it('typed-in rules are compiled once, at deploy: requests parse no rule', async () => {
    const original = IpSet.from;
    let compiled = 0;
    IpSet.from = function (...args) { compiled++; return original.apply(this, args); };
    try {
      const api = await load(['authflow-ip'], route({ allow: '127.0.0.0/8', deny: '10.0.0.0/8' }));
      assert.strictEqual(compiled, 3, 'trusted proxies, allow and deny, at deploy');
      for (let i = 0; i < 3; i++) await api.get('/api').expect(200);
      assert.strictEqual(compiled, 3, 'no compilation on requests');
    } finally {
      IpSet.from = original;
    }
  });

  it('keeps an earlier msg.auth and adds the verified ip', async () => {
    const flow = route({ allow: '127.0.0.1' });
    flow[0].wires = [['pre']];
    flow.push({ id: 'pre', type: 'function', z: 'f1', func: 'msg.auth = { method: "token", subject: "svc", scopes: ["a"] }; return msg;', wires: [['check']] });
    const api = await load(['authflow-ip'], flow);
    const res = await api.get('/api').expect(200);
    assert.deepStrictEqual(res.body.auth, { method: 'token', subject: 'svc', scopes: ['a'], ip: '127.0.0.1' });
  });
});
