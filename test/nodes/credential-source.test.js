'use strict';
const assert = require('assert');
const { createCredentialSource } = require('../../dist/nodes/shared/credential-source');

describe('credential sources (glue)', () => {
  const node = { credentials: { userList: 'alice:hash' } };

  /**
   * A fake runtime around one context store: `get` without a callback answers
   * at once (`sync`) or throws like a store that cannot; with one, it answers
   * on the next turn. Both paths go through the same `read(key, store)`.
   */
  function runtime(read, { sync = true } = {}) {
    const calls = { sync: 0, async: 0 };
    const scope = {
      get(key, store, cb) {
        if (!cb) {
          calls.sync++;
          if (!sync) throw new Error('only asynchronous access');
          return read(key, store);
        }
        calls.async++;
        setImmediate(() => { try { cb(null, read(key, store)); } catch (e) { cb(e); } });
      },
    };
    const ctxNode = { ...node, context: () => ({ flow: scope, global: scope }) };
    const parseContextStore = (v) => { const m = /^#:\((\S+?)\)::(.*)$/.exec(v); return m ? { store: m[1], key: m[2] } : { key: v }; };
    const RED = { util: {
      parseContextStore,
      evaluateNodeProperty: (v, t, n, msg, cb) => { const { key, store } = parseContextStore(v); return cb ? scope.get(key, store, cb) : scope.get(key, store); },
    } };
    return { RED, node: ctxNode, calls };
  }

  it('a context store that fails to answer gives 503 AUTH_011 (fail closed), never a secret in the reason', async () => {
    const broken = () => { throw new Error('disk on fire: password=hunter2'); };
    for (const sync of [true, false]) {
      const { RED, node: n } = runtime(broken, { sync });
      const read = createCredentialSource(RED, n, 'global', '#:(file)::users', 'userList');
      await assert.rejects(async () => read({}), (e) => e.code === 'AUTH_011' && e.status === 503 && !/hunter2/.test(e.reason) && e.retryAfter === 1);
    }
  });

  it('answers synchronously where it can (node credentials, a sync-capable context store), asynchronously otherwise', async () => {
    const values = { users: 'bob:hash' };
    const seen = [];
    const lookup = (key, store) => { seen.push([key, store]); return values[key]; };
    const syncRt = runtime(lookup);
    assert.strictEqual(createCredentialSource(syncRt.RED, syncRt.node, 'cred', '', 'userList')({}), 'alice:hash');
    assert.strictEqual(createCredentialSource(syncRt.RED, syncRt.node, 'flow', '#:(mem)::users', 'userList')({}), 'bob:hash');
    assert.deepStrictEqual(seen, [['users', 'mem']], 'the store prefix is parsed once and honoured');
    const asyncRt = runtime(lookup, { sync: false });
    const read = createCredentialSource(asyncRt.RED, asyncRt.node, 'flow', 'users', 'userList');
    for (let i = 0; i < 3; i++) {
      const result = read({});
      assert.ok(result instanceof Promise);
      assert.strictEqual(await result, 'bob:hash');
    }
    assert.deepStrictEqual(asyncRt.calls, { sync: 1, async: 3 }, 'a store that refused synchronous access once is not asked that way again');
  });

  it('reads node credentials, msg properties and refuses unknown source types at deploy', async () => {
    const RED = { util: { getMessageProperty: (msg, p) => msg[p] } };
    assert.strictEqual(await createCredentialSource(RED, node, 'cred', '', 'userList')({}), 'alice:hash');
    assert.deepStrictEqual(await createCredentialSource(RED, node, 'msg', 'rows', 'userList')({ rows: [1] }), [1]);
    assert.throws(() => createCredentialSource(RED, node, 'bogus', '', 'userList'), /unknown credential source/);
    assert.throws(() => createCredentialSource(RED, node, 'flow', '', 'userList'), /context key is required/);
  });
});

describe('credential sources: a list read per request that is missing fails closed (issue 10 item 4)', () => {
  const { createCredentialSource: create } = require('../../dist/nodes/shared/credential-source');
  const RED = { util: { getMessageProperty: (msg, p) => msg[p], getSetting: (n, name) => process.env[name] } };

  it('msg / env values that are undefined or null are 503 AUTH_011 naming the source; node credentials and json are taken as they are', () => {
    const node = { credentials: {} };
    for (const [type, value, msg] of [['msg', 'rows', {}], ['msg', 'rows', { rows: null }], ['env', 'AUTHFLOW_TEST_SURELY_UNSET', {}]]) {
      assert.throws(() => create(RED, node, type, value, 'userList')(msg), (e) => e.code === 'AUTH_011' && e.status === 503 && e.reason.includes(`${type}.${value}`), type);
    }
    assert.deepStrictEqual(create(RED, node, 'msg', 'rows', 'userList')({ rows: [] }), []);
    assert.strictEqual(create(RED, node, 'cred', '', 'userList')({}), undefined);
  });
});

describe('the login node reads its user list through the same rule (real Node-RED)', function () {
  this.timeout(30000);
  const { helper, start, stop, loadSession, route, TAB } = require('./login-harness');
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('users from a flow context key that is not set: 503 AUTH_011, not "wrong password"', async () => {
    const flow = [TAB, { id: 'iss', type: 'authflow-issuer', iss: 'https://api.example.test', aud: 'demo-api' },
      ...route('login', '/login', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'login', usersType: 'flow', users: 'apiUsers', totp: 'off', lockout: false })];
    const api = await loadSession(flow, { iss: { secret: 'credential-source-test-secret-32-bytes!' } });
    const res = await api.post('/login').send({ username: 'alice', password: 'pw' });
    assert.deepStrictEqual([res.status, res.body.error], [503, 'AUTH_011']);
  });
});
