'use strict';
/**
 * What the authflow-store config node asks of a Redis store: the local view
 * answers at once in the nodes (Node-RED delivers each message a turn after
 * the request's I/O), unless settings.js runtimeSyncDelivery takes that turn away.
 */
const assert = require('node:assert/strict');
const { buildStoreConfig } = require('../../dist/nodes/store/store-config');

describe('authflow-store: the Redis store it builds', function () {
  const env = { context: { get() {}, set() {} } };
  const redis = { backend: 'redis', keyPrefix: 'p:', timeout: 500 };

  it('lets the local view answer at once with Node-RED\'s asynchronous delivery (the default)', function () {
    assert.deepEqual(buildStoreConfig(redis, { redisUrl: 'redis://127.0.0.1:6379' }, env).localCache, { answerAtOnce: true });
  });

  it('keeps the one-turn wait when runtimeSyncDelivery is set', function () {
    assert.deepEqual(buildStoreConfig(redis, {}, { ...env, syncDelivery: true }).localCache, { answerAtOnce: false });
  });
});
