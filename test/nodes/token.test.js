'use strict';
const assert = require('assert');
const crypto = require('crypto');
const { helper, load, start, stop, protectedRoute, rawRequest } = require('../support/flow-harness');
const { fromNodeRed } = require('../support/node-red-version');
const { asyncOnlyStore } = require('../support/async-store');
// The runtime's context module: the test helper skips its load(), which creates the stores named in contextStorage.
const contextRuntime = require(fromNodeRed('@node-red/runtime/lib/nodes/context'));


const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');

describe('authflow-token node over real HTTP', function () {
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  const route = (cfg = {}) => protectedRoute('authflow-token', { tokensType: 'cred', ...cfg });
  const creds = (list) => ({ check: { tokenList: list } });

  it('accepts a plain token in x-auth-token (Kitewheel abc123) and exposes no secret', async () => {
    const api = await load(['authflow-token'], route(), creds('abc123'));
    const res = await api.get('/api').set('x-auth-token', 'abc123').expect(200);
    assert.strictEqual(res.body.auth.method, 'token');
    assert.strictEqual(res.body.auth.keyId, sha('abc123').slice(0, 12));
    assert.ok(!JSON.stringify(res.body).includes('abc123'));
  });

  it('accepts a SHA-256-stored token with subject, scopes and a future expiry', async () => {
    const list = JSON.stringify([{ tokenHash: sha('kapi_prod_7f3d9a2b5c1e4890abcdef1234567890'), id: 'k1', subject: 'partner-a', scopes: ['orders:read'], expiresAt: '2999-01-01T00:00:00Z' }]);
    const api = await load(['authflow-token'], route({ header: 'X-API-Key' }), creds(list));
    const res = await api.get('/api').set('X-API-Key', 'kapi_prod_7f3d9a2b5c1e4890abcdef1234567890').expect(200);
    assert.deepStrictEqual(
      { subject: res.body.auth.subject, keyId: res.body.auth.keyId, scopes: res.body.auth.scopes, expiresAt: res.body.auth.expiresAt },
      { subject: 'partner-a', keyId: 'k1', scopes: ['orders:read'], expiresAt: Date.parse('2999-01-01T00:00:00Z') },
    );
  });

  it('audits every decision (allow and deny) without the key, and builds no event when nobody listens', async () => {
    const { auditEvents } = require('../../dist/lib');
    const api = await load(['authflow-token'], route(), creds('abc123'));
    await api.get('/api').set('x-auth-token', 'abc123').expect(200); // nobody listening: nothing to see, nothing thrown
    const events = [];
    const on = (e) => events.push(e);
    auditEvents.on('decision', on);
    try {
      await api.get('/api?q=1').set('x-auth-token', 'abc123').expect(200);
      await api.get('/api').set('x-auth-token', 'wrong-key').expect(401);
    } finally {
      auditEvents.off('decision', on);
    }
    assert.deepStrictEqual(events.map((e) => [e.outcome, e.method, e.code, e.httpMethod, e.path, e.node.type]), [
      ['allow', 'token', undefined, 'GET', '/api', 'authflow-token'],
      ['deny', 'token', 'AUTH_004', 'GET', '/api', 'authflow-token'],
    ]);
    assert.strictEqual(events[0].keyId, sha('abc123').slice(0, 12));
    assert.ok(!JSON.stringify(events).includes('abc123') && !JSON.stringify(events).includes('wrong-key'));
  });

  describe('tokens in a context store that only answers asynchronously', () => {
    before(() => helper.settings({ contextStorage: { default: { module: 'memory' }, remote: { module: () => asyncOnlyStore() } } }));
    after(() => helper.settings({}));
    afterEach(() => contextRuntime.close());

    it('falls back to the asynchronous API and still applies changes at once', async () => {
      const api = await load(['authflow-token'], route({ tokensType: 'flow', tokens: '#:(remote)::apiKeys' }));
      await contextRuntime.load();
      const flow = helper.getNode('check').context().flow;
      await new Promise((resolve, reject) => flow.set('apiKeys', ['abc123'], 'remote', (e) => (e ? reject(e) : resolve())));
      await api.get('/api').set('x-auth-token', 'abc123').expect(200);
      await new Promise((resolve, reject) => flow.set('apiKeys', ['other'], 'remote', (e) => (e ? reject(e) : resolve())));
      assert.strictEqual((await api.get('/api').set('x-auth-token', 'abc123').expect(401)).body.error, 'AUTH_004');
    });
  });

  it('rejects an expired token with 401 AUTH_004', async () => {
    const list = JSON.stringify([{ token: 'old-token', expiresAt: '2020-01-01T00:00:00Z' }]);
    const api = await load(['authflow-token'], route(), creds(list));
    const res = await api.get('/api').set('x-auth-token', 'old-token').expect(401);
    assert.strictEqual(res.body.error, 'AUTH_004');
  });

  it('rejects an unknown token with 401 AUTH_004 and a missing one with 401 AUTH_001', async () => {
    const api = await load(['authflow-token'], route(), creds('abc123'));
    assert.strictEqual((await api.get('/api').set('x-auth-token', 'abc124').expect(401)).body.error, 'AUTH_004');
    assert.strictEqual((await api.get('/api').expect(401)).body.error, 'AUTH_001');
  });

  it('query parameter is off by default and works when enabled', async () => {
    let api = await load(['authflow-token'], route(), creds('abc123'));
    assert.strictEqual((await api.get('/api?api_key=abc123').expect(401)).body.error, 'AUTH_001');
    await helper.unload();
    api = await load(['authflow-token'], route({ allowQuery: true }), creds('abc123'));
    await api.get('/api?api_key=abc123').expect(200);
  });

  it('a key list that cannot be read (context key not set, env var unset) → 503 AUTH_011, not "unknown key"; set, it applies at once', async () => {
    const unsetVar = `AUTHFLOW_TEST_UNSET_${process.pid}_${Date.now()}`;
    try {
      let api = await load(['authflow-token'], route({ tokensType: 'flow', tokens: 'apiKeys' }));
      assert.strictEqual((await api.get('/api').set('x-auth-token', 'abc123').expect(503)).body.error, 'AUTH_011');
      helper.getNode('check').context().flow.set('apiKeys', ['abc123']);
      await api.get('/api').set('x-auth-token', 'abc123').expect(200);
      await helper.unload();
      api = await load(['authflow-token'], route({ tokensType: 'env', tokens: unsetVar }));
      assert.strictEqual((await api.get('/api').set('x-auth-token', 'abc123').expect(503)).body.error, 'AUTH_011');
      process.env[unsetVar] = 'abc123';
      await api.get('/api').set('x-auth-token', 'abc123').expect(200);
    } finally {
      delete process.env[unsetVar];
    }
  });

  it('every 401 carries a challenge naming where the key goes (RFC 9110 §11.6.1), Bearer too when it is accepted; 400s need none', async () => {
    let api = await load(['authflow-token'], route(), creds('abc123'));
    for (const res of [await api.get('/api').expect(401), await api.get('/api').set('x-auth-token', 'abc124').expect(401)]) {
      assert.strictEqual(res.headers['www-authenticate'], 'ApiKey realm="api", header="x-auth-token"');
    }
    await helper.unload();
    api = await load(['authflow-token'], route({ header: 'X-API-Key', allowBearer: true, allowQuery: true, queryParam: 'key' }), creds('abc123'));
    assert.strictEqual((await api.get('/api').expect(401)).headers['www-authenticate'], 'ApiKey realm="api", header="X-API-Key", query="key", Bearer realm="api"');
    const twice = await api.get('/api?key=abc123').set('X-API-Key', 'abc123').expect(400);
    assert.strictEqual(twice.headers['www-authenticate'], undefined);
  });

  it('a query key that is not one text value (?api_key[a]=b, api_key[]=, repeated) → 400 AUTH_003, never an internal error', async () => {
    const api = await load(['authflow-token'], route({ allowQuery: true }), creds('abc123'));
    for (const q of ['api_key[a]=b', 'api_key[]=abc123', 'api_key=abc123&api_key=abc123', 'api_key%5Ba%5D=b', 'api_key[a][b]=c']) {
      const res = await api.get('/api?' + q);
      assert.deepStrictEqual([res.status, res.body.error], [400, 'AUTH_003'], q);
    }
    // A parameter that only starts like the name is another parameter.
    assert.strictEqual((await api.get('/api?api_keys=abc123').expect(401)).body.error, 'AUTH_001');
    await api.get('/api?x=1&api_key=abc123').expect(200);
  });

  it('a key in two places at once → 400 AUTH_003', async () => {
    const api = await load(['authflow-token'], route({ allowQuery: true, allowBearer: true }), creds('abc123'));
    assert.strictEqual((await api.get('/api?api_key=abc123').set('x-auth-token', 'abc123').expect(400)).body.error, 'AUTH_003');
    assert.strictEqual((await api.get('/api').set('Authorization', 'Bearer abc123').set('x-auth-token', 'abc123').expect(400)).body.error, 'AUTH_003');
    await api.get('/api').set('Authorization', 'bearer abc123').expect(200);
  });

  it('a repeated header → 400 AUTH_003', async () => {
    await load(['authflow-token'], route(), creds('abc123'));
    const res = await rawRequest('/api', ['x-auth-token: abc123', 'x-auth-token: abc123']);
    assert.strictEqual(res.status, 400);
    assert.strictEqual(res.body.error, 'AUTH_003');
  });

  it('a token removed from flow context is refused on the very next request', async () => {
    const api = await load(['authflow-token'], route({ tokensType: 'flow', tokens: 'apiTokens' }));
    const flow = helper.getNode('check').context().flow;
    flow.set('apiTokens', ['abc123', 'def456']);
    await api.get('/api').set('x-auth-token', 'def456').expect(200);
    flow.get('apiTokens').pop(); // in place
    assert.strictEqual((await api.get('/api').set('x-auth-token', 'def456').expect(401)).body.error, 'AUTH_004');
    await api.get('/api').set('x-auth-token', 'abc123').expect(200);
    flow.set('apiTokens', { ['sha256:' + sha('ghi789')]: { subject: 'svc' } });
    assert.strictEqual((await api.get('/api').set('x-auth-token', 'ghi789').expect(200)).body.auth.subject, 'svc');
    await api.get('/api').set('x-auth-token', 'abc123').expect(401);
  });

  it('finds the right token among 100,000 (indexed, not scanned)', async () => {
    const tokens = Array.from({ length: 100000 }, (_, i) => ({ tokenHash: sha('tok-' + i), subject: 's' + i }));
    const api = await load(['authflow-token'], route({ tokensType: 'flow', tokens: 'big' }));
    helper.getNode('check').context().flow.set('big', tokens);
    assert.strictEqual((await api.get('/api').set('x-auth-token', 'tok-99999').expect(200)).body.auth.subject, 's99999');
    assert.strictEqual((await api.get('/api').set('x-auth-token', 'tok-5').expect(200)).body.auth.subject, 's5');
  });

  it('rejects an over-long or non-b64token key as malformed', async () => {
    const api = await load(['authflow-token'], route(), creds('abc123'));
    assert.strictEqual((await api.get('/api').set('x-auth-token', 'a b').expect(401)).body.error, 'AUTH_003');
    assert.strictEqual((await api.get('/api').set('x-auth-token', 'x'.repeat(5000)).expect(401)).body.error, 'AUTH_003');
  });

  it('refuses an invalid header name at deploy (fail closed: 503 AUTH_011, a configuration error)', async () => {
    const api = await load(['authflow-token'], route({ header: 'bad header' }), creds('abc123'));
    assert.strictEqual((await api.get('/api').set('x-auth-token', 'abc123').expect(503)).body.error, 'AUTH_011');
  });
});
