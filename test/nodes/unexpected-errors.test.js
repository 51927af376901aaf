'use strict';
/**
 * Issue 11 defect 4: an unexpected error inside a check (a bug, a broken
 * dependency) is not a wrong credential. It is answered 503 AUTH_011 "could
 * not check", logged once per node with its stack — never its message or any
 * request data — and the node status says what happened.
 */
const assert = require('assert');
const { helper, load, start, stop, protectedRoute } = require('../support/flow-harness');

// A list whose reading throws a TypeError, like a bug or a broken context store
// value would; the message carries a secret that must never reach the log.
const brokenList = () => new Proxy({}, { ownKeys() { throw new TypeError('cannot list hunter2-secret'); } });

describe('unexpected errors inside a check (real HTTP, real Node-RED)', function () {
  this.timeout(30000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  const nodes = {
    'authflow-token': { cfg: { tokensType: 'flow', tokens: 'list' }, send: (r) => r.set('x-auth-token', 'abc123') },
    'authflow-basic': { cfg: { usersType: 'flow', users: 'list', lockout: false }, send: (r) => r.set('Authorization', 'Basic ' + Buffer.from('alice:pw').toString('base64')) },
  };

  for (const [type, n] of Object.entries(nodes)) {
    it(`${type}: 503 AUTH_011 (not 401), logged once with the stack and without the message`, async () => {
      const api = await load([type], protectedRoute(type, n.cfg));
      const node = helper.getNode('check');
      const statuses = [];
      node.on('call:status', (c) => statuses.push(c.args[0]));
      node.context().flow.set('list', brokenList());
      for (let i = 0; i < 3; i++) {
        const res = await n.send(api.get('/api?q=request-data-xyz')).expect(503);
        assert.deepStrictEqual(res.body, { error: 'AUTH_011', message: 'Credential store unavailable' });
        assert.strictEqual(res.headers['www-authenticate'], undefined);
      }
      const logged = helper.log().args.map((a) => a[0]).filter((e) => /unexpected TypeError/.test(String(e.msg)));
      assert.strictEqual(logged.length, 1, 'once per node, not once per request');
      assert.strictEqual(logged[0].level, 20, 'logged as an error');
      const text = String(logged[0].msg);
      assert.match(text, /\n\s+at /, 'with the stack frames');
      assert.ok(!/hunter2|request-data-xyz|abc123|alice/.test(text), text);
      assert.ok(statuses.some((s) => s.fill === 'red' && /^AUTH_011 could not check: internal TypeError/.test(s.text)), JSON.stringify(statuses));
    });
  }
});
