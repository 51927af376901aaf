'use strict';
// A check node in a real Node-RED over real HTTP while a user listener on the
// public auditEvents throws: the request is still answered (allow → 200 with
// msg.auth, deny → 401), never hung and never turned into an error.
const assert = require('node:assert/strict');
const { helper, load, start, stop, protectedRoute } = require('../support/flow-harness');
const { auditEvents } = require('../../dist/lib/internal');

describe('check node with a throwing auditEvents listener', function () {
  this.timeout(20000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('allow answers 200 with msg.auth; deny answers 401 AUTH_004; no node error', async () => {
    const throwing = () => {
      throw new Error('listener broke');
    };
    const original = console.error;
    console.error = () => {};
    auditEvents.on('decision', throwing);
    try {
      const api = await load(['authflow-token'], protectedRoute('authflow-token', { tokensType: 'cred', respond: true }), { check: { tokenList: 'secret-token-a' } });
      const errors = [];
      helper.getNode('check').on('call:error', (c) => errors.push(c));
      const ok = await api.get('/api').set('x-auth-token', 'secret-token-a').timeout(3000);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.ok, true);
      assert.equal(ok.body.auth.method, 'token');
      const no = await api.get('/api').set('x-auth-token', 'wrong-token').timeout(3000);
      assert.deepEqual([no.status, no.body.error], [401, 'AUTH_004']);
      assert.equal(errors.length, 0);
    } finally {
      auditEvents.off('decision', throwing);
      console.error = original;
    }
  });
});
