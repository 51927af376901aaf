'use strict';
// The in-process replay store behind authflow-hmac (no authflow-store selected):
// one per runtime, shared by the nodes, and never forgetting a live nonce.
const assert = require('assert');
const { replayStore, MAX_ENTRIES } = require('../../dist/nodes/hmac/replay-store.js');
const { StoreUnavailableError } = require('../../dist/lib/index.js');

describe('authflow-hmac embedded replay store', function () {
  this.timeout(60000);
  const runtime = { global: {} };
  const node = { context: () => runtime };

  it('is one store per runtime, shared by every node of it', function () {
    assert.strictEqual(replayStore({}, node, ''), replayStore({}, { context: () => runtime }, undefined));
    assert.notStrictEqual(replayStore({}, node, ''), replayStore({}, { context: () => ({ global: {} }) }, ''));
  });

  it(`full of live nonces (${MAX_ENTRIES.toLocaleString('en')}), it refuses the next with AUTH_011 and still refuses every replay`, async function () {
    const store = replayStore({}, { context: () => ({ global: {} }) }, '');
    for (let i = 0; i < MAX_ENTRIES; i++) assert.strictEqual(store.claim(`n:${i}`, '1', 600_000), true);
    await assert.rejects(Promise.resolve(store.claim('n:new', '1', 600_000)), (err) => err instanceof StoreUnavailableError && err.code === 'AUTH_011');
    assert.strictEqual(store.claim('n:0', '1', 600_000), false, 'the oldest nonce is still known: its replay is refused');
    assert.strictEqual(store.claim(`n:${MAX_ENTRIES - 1}`, '1', 600_000), false);
    await store.close();
  });
});
