'use strict';
// The sidebar's admin routes in a real Node-RED runtime (node-red-node-test-helper,
// real HTTP on RED.httpAdmin): an unexpected error (a bug in a key store, here a
// store node whose service rejects with a TypeError) is answered 503 AUTH_011 —
// never a 500 — and logged with its stack frames, never its message or request data.
const assert = require('node:assert/strict');
const { helper, start, stop } = require('../support/flow-harness');
const sidebar = require('../../dist/nodes/audit/authflow-sidebar.js');

const LEAK = 'owner-name-in-message-9f3';

/** Stands in for authflow-key-store: its service fails the way a bug would. */
function brokenKeyStore(RED) {
  RED.nodes.registerType('authflow-key-store', function (config) {
    RED.nodes.createNode(this, config);
    this.apiKeys = () => ({
      list: (owner) => Promise.reject(new TypeError(`cannot read ${owner} ${LEAK}`)),
      create: () => {
        throw new TypeError(`sync bug ${LEAK}`);
      },
    });
  });
}

describe('authflow-sidebar admin routes: unexpected errors', function () {
  this.timeout(20000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('answer 503 AUTH_011 (not 500), log the stack without the message, and never echo request data', async () => {
    await new Promise((resolve) => helper.load([sidebar, brokenKeyStore], [{ id: 'ks', type: 'authflow-key-store' }], {}, resolve));
    const logged = [];
    const log = helper.log();
    const before = log.args.length;
    const list = await helper.request().get(`/authflow-api-auth/sidebar/keys?store=ks&owner=${LEAK}`);
    assert.deepEqual([list.status, list.body.error], [503, 'AUTH_011'], list.text);
    const create = await helper.request().post('/authflow-api-auth/sidebar/keys').send({ store: 'ks', owner: LEAK, name: 'x' });
    assert.deepEqual([create.status, create.body.error], [503, 'AUTH_011'], create.text);
    assert.equal(create.headers['cache-control'], 'no-store');
    assert.ok(!list.text.includes(LEAK) && !create.text.includes(LEAK));
    for (const args of log.args.slice(before)) logged.push(JSON.stringify(args));
    const errors = logged.filter((l) => l.includes('authflow sidebar'));
    assert.ok(errors.length >= 1, `the unexpected error is logged: ${logged.join('\n')}`);
    assert.ok(errors.some((l) => l.includes('TypeError') && l.includes(' at ')), 'with class and stack frames');
    assert.ok(!logged.join('\n').includes(LEAK), 'never the message or request data');
  });
});
