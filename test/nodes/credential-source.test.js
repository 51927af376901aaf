'use strict';
const assert = require('assert');
const { createCredentialSource } = require('../../dist/nodes/shared/credential-source');

describe('credential sources (glue)', () => {
  const node = { credentials: { userList: 'alice:hash' } };

  it('a context store that fails to answer gives 503 AUTH_011 (fail closed), never a secret in the reason', async () => {
    const RED = { util: { evaluateNodeProperty: (v, t, n, m, cb) => cb(new Error('disk on fire: password=hunter2')) } };
    const read = createCredentialSource(RED, node, 'global', '#:(file)::users', 'userList');
    await assert.rejects(read({}), (e) => e.code === 'AUTH_011' && e.status === 503 && !/hunter2/.test(e.reason) && e.retryAfter === 1);
  });

  it('answers synchronously where it can (node credentials, a sync-capable context store), asynchronously otherwise', async () => {
    const values = { users: 'bob:hash' };
    const syncStore = { util: { evaluateNodeProperty: (v, t, n, m, cb) => (cb ? cb(null, values[v]) : values[v]) } };
    let syncCalls = 0;
    const asyncStore = { util: { evaluateNodeProperty: (v, t, n, m, cb) => {
      if (!cb) { syncCalls++; throw new Error('only asynchronous access'); }
      setImmediate(() => cb(null, values[v]));
    } } };
    assert.strictEqual(createCredentialSource(syncStore, node, 'cred', '', 'userList')({}), 'alice:hash');
    assert.strictEqual(createCredentialSource(syncStore, node, 'flow', 'users', 'userList')({}), 'bob:hash');
    const read = createCredentialSource(asyncStore, node, 'flow', 'users', 'userList');
    for (let i = 0; i < 3; i++) {
      const result = read({});
      assert.ok(result instanceof Promise);
      assert.strictEqual(await result, 'bob:hash');
    }
    assert.strictEqual(syncCalls, 1, 'a store that refused synchronous access once is not asked that way again');
  });

  it('reads node credentials, msg properties and refuses unknown source types at deploy', async () => {
    const RED = { util: { getMessageProperty: (msg, p) => msg[p] } };
    assert.strictEqual(await createCredentialSource(RED, node, 'cred', '', 'userList')({}), 'alice:hash');
    assert.deepStrictEqual(await createCredentialSource(RED, node, 'msg', 'rows', 'userList')({ rows: [1] }), [1]);
    assert.throws(() => createCredentialSource(RED, node, 'bogus', '', 'userList'), /unknown credential source/);
    assert.throws(() => createCredentialSource(RED, node, 'flow', '', 'userList'), /context key is required/);
  });
});
