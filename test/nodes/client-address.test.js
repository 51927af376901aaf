'use strict';
/**
 * Issue 11 defect 2 / issue 10 item 6: after an ip node that trusts a proxy,
 * every later check keeps the proxy-aware client address — in msg.auth, in
 * its audit events and for lockout — instead of the proxy's own address.
 * Real HTTP through a real Node-RED; supertest connects from 127.0.0.1, the
 * trusted proxy, and says the client is 203.0.113.5.
 */
const assert = require('assert');
const { helper, load, start, stop } = require('../support/flow-harness');
const { buildSigningKey, signJwt, auditEvents } = require('../../dist/lib/internal');

const SECRET = 'client-address-test-secret-of-32-bytes+';
const XFF = '203.0.113.5';
const basicAuth = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

/** http in → ip (trusts 127.0.0.1) → the check under test → echo msg.auth; refusals to the http response. */
function chain(check) {
  return [
    { id: 'f1', type: 'tab', label: 'chain' },
    { id: 'in', type: 'http in', z: 'f1', url: '/api', method: 'get', wires: [['ip']] },
    { id: 'ip', type: 'authflow-ip', z: 'f1', allow: '203.0.113.0/24', trustedProxies: '127.0.0.1', wires: [['check'], ['out']] },
    { id: 'check', z: 'f1', wires: [['ok'], ['out']], ...check },
    { id: 'ok', type: 'function', z: 'f1', func: 'msg.payload = { auth: msg.auth }; return msg;', wires: [['out']] },
    { id: 'out', type: 'http response', z: 'f1', wires: [] },
  ];
}

async function audited(fn) {
  const events = [];
  const on = (e) => events.push(e);
  auditEvents.on('decision', on);
  try {
    await fn();
  } finally {
    auditEvents.off('decision', on);
  }
  return events;
}

describe('the client address after an ip node behind a trusted proxy (one rule in every node)', function () {
  this.timeout(30000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  const cases = {
    'authflow-basic': {
      node: { type: 'authflow-basic', usersType: 'cred', lockout: false },
      creds: { check: { userList: 'alice:alice-pw' } },
      good: (r) => r.set('Authorization', basicAuth('alice', 'alice-pw')),
      bad: (r) => r.set('Authorization', basicAuth('alice', 'wrong')),
    },
    'authflow-token': {
      node: { type: 'authflow-token', tokensType: 'cred' },
      creds: { check: { tokenList: 'abc123' } },
      good: (r) => r.set('x-auth-token', 'abc123'),
      bad: (r) => r.set('x-auth-token', 'nope'),
    },
    'authflow-bearer': {
      node: { type: 'authflow-bearer', keySource: 'secret', alg: 'HS256' },
      creds: { check: { secret: SECRET } },
      good: (r) => r.set('Authorization', 'Bearer ' + signJwt({ sub: 'svc', exp: Math.floor(Date.now() / 1000) + 60 }, buildSigningKey({ alg: 'HS256', secret: SECRET }))),
      bad: (r) => r.set('Authorization', 'Bearer not.a.token'),
    },
  };

  for (const [type, c] of Object.entries(cases)) {
    it(`${type}: msg.auth.ip and the allow/deny audit events carry ${XFF}, not the proxy`, async () => {
      const api = await load(['authflow-ip', type], chain(c.node), c.creds);
      let res;
      const events = await audited(async () => {
        res = await c.good(api.get('/api').set('X-Forwarded-For', XFF)).expect(200);
        await c.bad(api.get('/api').set('X-Forwarded-For', XFF)).expect((r) => assert.ok(r.status >= 400 && r.status < 500, String(r.status)));
      });
      assert.strictEqual(res.body.auth.ip, XFF);
      const mine = events.filter((e) => e.node.type === type);
      assert.deepStrictEqual(mine.map((e) => [e.outcome, e.ip]), [['allow', XFF], ['deny', XFF]]);
    });
  }

  it('authflow-login: msg.auth.ip and its allow/deny audit events carry the proxy-aware address too', async () => {
    const flow = [
      { id: 'f1', type: 'tab', label: 'login chain' },
      { id: 'iss', type: 'authflow-issuer', iss: 'https://api.example.test', aud: 'demo-api' },
      { id: 'in', type: 'http in', z: 'f1', url: '/login', method: 'post', wires: [['ip']] },
      { id: 'ip', type: 'authflow-ip', z: 'f1', allow: '203.0.113.0/24', trustedProxies: '127.0.0.1', wires: [['check'], ['out']] },
      { id: 'check', type: 'authflow-login', z: 'f1', issuer: 'iss', operation: 'login', usersType: 'cred', totp: 'off', lockout: false, wires: [['ok'], ['out']] },
      { id: 'ok', type: 'function', z: 'f1', func: 'msg.headers = { "x-auth-ip": msg.auth.ip }; return msg;', wires: [['out']] },
      { id: 'out', type: 'http response', z: 'f1', wires: [] },
    ].map((n) => (n.z ? { x: 100, y: 100, ...n } : n));
    const api = await load(['authflow-ip', 'authflow-issuer', 'authflow-login'], flow, { iss: { secret: SECRET }, check: { userList: 'alice:alice-pw' } });
    let res;
    const events = await audited(async () => {
      res = await api.post('/login').set('X-Forwarded-For', XFF).send({ username: 'alice', password: 'alice-pw' }).expect(200);
      await api.post('/login').set('X-Forwarded-For', XFF).send({ username: 'alice', password: 'wrong' }).expect(401);
    });
    assert.strictEqual(res.headers['x-auth-ip'], XFF);
    const mine = events.filter((e) => e.node.type === 'authflow-login');
    assert.deepStrictEqual(mine.map((e) => [e.outcome, e.ip]), [['allow', XFF], ['deny', XFF]]);
  });

  it('authflow-basic counts lockout failures against the proxy-aware address: another client behind the same proxy is not banned', async () => {
    const flow = chain({ type: 'authflow-basic', usersType: 'cred', maxRetries: 2, ipMaxRetries: 2 });
    const api = await load(['authflow-ip', 'authflow-basic'], flow, { check: { userList: 'alice:alice-pw' } });
    const guess = (ip) => api.get('/api').set('X-Forwarded-For', ip).set('Authorization', basicAuth('alice', 'wrong'));
    await guess(XFF).expect(401);
    await guess(XFF).expect(401);
    assert.strictEqual((await guess(XFF)).status, 429, 'the guessing client is banned');
    // A different client behind the same proxy: its own counters, not the proxy's.
    await api.get('/api').set('X-Forwarded-For', '203.0.113.6').set('Authorization', basicAuth('alice', 'alice-pw')).expect(200);
  });
});
