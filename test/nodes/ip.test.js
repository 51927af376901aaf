'use strict';
const assert = require('assert');
const { helper, load, start, stop, protectedRoute } = require('../support/flow-harness');

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

  it('refuses invalid rules at deploy with a node error and denies everything', async () => {
    for (const bad of ['10.0.0.0/33', '::/129', '010.0.0.1', 'fe80::1%eth0']) {
      const api = await load(['authflow-ip'], route({ allow: bad }));
      const node = helper.getNode('check');
      const errors = [];
      node.on('call:error', (c) => errors.push(String(c.args[0])));
      assert.strictEqual((await api.get('/api').expect(401)).body.error, 'AUTH_001', bad);
      await helper.unload();
    }
  });

  it('reads rules from flow context and applies changes without redeploy; invalid context rules deny', async () => {
    const api = await load(['authflow-ip'], route({ allowType: 'flow', allow: 'allowedIps' }));
    const flow = helper.getNode('check').context().flow;
    flow.set('allowedIps', ['127.0.0.1/32']);
    await api.get('/api').expect(200);
    flow.set('allowedIps', '192.0.2.0/24');
    await api.get('/api').expect(403);
    flow.set('allowedIps', '127.0.0.1/33');
    assert.strictEqual((await api.get('/api').expect(403)).body.error, 'AUTH_005');
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
