'use strict';
/**
 * authflow-oauth2 when something around the answer goes wrong: a response
 * that throws while being written (done(err), never an unhandled rejection),
 * and the `rotate` operation reached over HTTP without an authenticating
 * check node (403 AUTH_008) versus from an inject (rotates).
 */
const assert = require('node:assert/strict');
const { start, stop, helper } = require('../support/flow-harness');
const { loadOAuthFlow, freePort } = require('./oauth2-harness');

describe('authflow-oauth2 failure paths', function () {
  this.timeout(30000);
  let request;

  before(async () => {
    await start();
    ({ request } = await loadOAuthFlow({
      port: await freePort(),
      issuer: { keyMode: 'rotating', rotateDays: 30, alg: 'EdDSA' },
      issuerCreds: { dataKey: 'a-data-key-of-at-least-thirty-two-bytes!' },
      clients: [],
      extraNodes: [
        { id: 'rot-in', type: 'http in', url: '/admin/rotate', method: 'post', wires: [['rotate-http']] },
        { id: 'rotate-http', type: 'authflow-oauth2', server: 'srv', operation: 'rotate', respond: true, wires: [['rotated'], []] },
        // Stands for any check node before it: what the guard reads is msg.auth set by an earlier node.
        { id: 'admin-in', type: 'http in', url: '/admin/rotate-checked', method: 'post', wires: [['admin-check']] },
        { id: 'admin-check', type: 'function', func: "msg.auth = { method: 'basic', subject: 'ops' }; return msg;", wires: [['rotate-http']] },
        { id: 'rotate', type: 'authflow-oauth2', server: 'srv', operation: 'rotate', respond: false, wires: [['rotated'], ['rotated']] },
        { id: 'rotated', type: 'helper', wires: [] },
      ],
    }));
  });
  after(stop);

  it('a response that throws while the answer is written ends the msg with done(err), not an unhandled rejection', async () => {
    const node = helper.getNode('metadata');
    const logged = new Promise((resolve) => {
      const error = node.error.bind(node);
      node.error = (e, msg) => {
        node.error = error;
        resolve(e);
      };
    });
    const unhandled = [];
    const onUnhandled = (e) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      node.receive({ req: { method: 'GET', rawHeaders: [] }, res: { _res: { headersSent: false, status() { throw new Error('socket gone'); } } } });
      const e = await Promise.race([logged, new Promise((r) => setTimeout(() => r('no done(err)'), 2000))]);
      assert.ok(e instanceof Error || typeof e === 'string', String(e));
      assert.match(String(e instanceof Error ? e.message : e), /socket gone/);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('rotate over HTTP with no check node before it is refused 403 AUTH_008 and rotates nothing', async () => {
    // The key ring loads from the store after deploy: wait until it publishes its keys.
    let before;
    for (let i = 0; i < 50; i++) {
      before = await request.get('/oauth/jwks');
      if (before.body.keys?.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(before.body.keys.length, 'the key ring published its keys');
    const res = await request.post('/admin/rotate');
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.code, 'AUTH_008');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.deepEqual((await request.get('/oauth/jwks')).body, before.body, 'the published keys are unchanged');
  });

  it('rotate over HTTP after a node that set msg.auth rotates (200, the new key state)', async () => {
    const res = await request.post('/admin/rotate-checked');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.active);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('rotate from an inject (no msg.req) still rotates', async () => {
    const msg = await new Promise((resolve) => {
      helper.getNode('rotated').once('input', resolve);
      helper.getNode('rotate').receive({ payload: 'now' });
    });
    assert.equal(msg.statusCode, 200, JSON.stringify(msg.payload));
    assert.ok(msg.payload.active, 'the key that signs now');
  });
});
