'use strict';
// Opt-in debug headers (issue 16), named as Kindly's guide lists them:
// X-Auth-Method, X-Auth-User-ID, X-Auth-Key-ID, X-Auth-IP,
// X-Auth-Remaining-Quota — on success and rejection, off by default,
// never a secret, and a yellow status while on. Real Node-RED, real HTTP.
const assert = require('assert/strict');
const crypto = require('crypto');
const { helper, load, start, stop } = require('../support/flow-harness');
const { hashPasswordScrypt: hashPassword } = require('../../dist/lib/internal');

const rateLimitNode = require('../../dist/nodes/rate-limit/authflow-rate-limit.js');
const DEBUG = ['x-auth-method', 'x-auth-user-id', 'x-auth-key-id', 'x-auth-ip', 'x-auth-remaining-quota'];
const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');

/** http in → [rate limit →] check (respond automatically) → 200. */
function flow(type, config, { rateLimit } = {}) {
  const nodes = [
    { id: 'f1', type: 'tab', label: 't' },
    { id: 'in', type: 'http in', z: 'f1', url: '/api', method: 'get', wires: [[rateLimit ? 'rl' : 'check']] },
    { id: 'check', type, z: 'f1', respond: true, wires: [['ok'], []], ...config },
    { id: 'ok', type: 'http response', z: 'f1', statusCode: '200', wires: [] },
  ];
  if (rateLimit) nodes.push({ id: 'rl', type: 'authflow-rate-limit', z: 'f1', limits: [{ limit: 10, window: 1, unit: 'm' }], wires: [['check'], []] });
  return nodes;
}

function watchStatus(id) {
  const node = helper.getNode(id);
  const seen = [];
  const original = node.status.bind(node);
  node.status = (s) => {
    seen.push(s);
    original(s);
  };
  return seen;
}

const debugOf = (res) => Object.fromEntries(DEBUG.filter((h) => res.headers[h] !== undefined).map((h) => [h, res.headers[h]]));

describe('debug headers (X-Auth-*)', function () {
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('off by default: no X-Auth-* header on success or rejection', async () => {
    const api = await load(['authflow-token'], flow('authflow-token', { tokensType: 'cred' }), { check: { tokenList: 'tok-secret-1' } });
    assert.deepEqual(debugOf(await api.get('/api').set('x-auth-token', 'tok-secret-1').expect(200)), {});
    assert.deepEqual(debugOf(await api.get('/api').set('x-auth-token', 'nope-nope').expect(401)), {});
  });

  it('token node: method, key id, IP and the quota left of an earlier rate limit, on success and rejection; never the key', async () => {
    const api = await load(['authflow-token'], flow('authflow-token', { tokensType: 'cred', debugHeaders: true }, { rateLimit: true }), { check: { tokenList: 'tok-secret-1' } }, [rateLimitNode]);
    const ok = await api.get('/api').set('x-auth-token', 'tok-secret-1').expect(200);
    const d = debugOf(ok);
    assert.equal(d['x-auth-method'], 'token');
    assert.equal(d['x-auth-key-id'], sha('tok-secret-1').slice(0, 12));
    assert.match(d['x-auth-ip'], /127\.0\.0\.1|::1/);
    assert.equal(d['x-auth-remaining-quota'], '9');
    assert.equal(d['x-auth-user-id'], d['x-auth-key-id'], 'a plain token is its own subject (msg.auth.subject)');
    const refused = await api.get('/api').set('x-auth-token', 'wrong-secret-2').expect(401);
    const r = debugOf(refused);
    assert.deepEqual(Object.keys(r).sort(), ['x-auth-ip', 'x-auth-method', 'x-auth-remaining-quota']);
    assert.equal(r['x-auth-method'], 'token');
    assert.equal(r['x-auth-remaining-quota'], '8');
    assert.ok(refused.headers['www-authenticate'], 'the challenge is still there');
    for (const res of [ok, refused]) {
      const all = JSON.stringify(res.headers);
      assert.ok(!all.includes('tok-secret-1') && !all.includes('wrong-secret-2'));
    }
  });

  it('basic node: the user id (percent-encoded when not plain ASCII), and a yellow "debug headers on" status', async () => {
    const users = JSON.stringify([{ username: 'alice', password: await hashPassword('pw-alice-1') }, { username: 'zoë', password: await hashPassword('pw-zoe-1') }]);
    const api = await load(['authflow-basic'], flow('authflow-basic', { userSourceType: 'cred', debugHeaders: true }), { check: { userList: users } });
    const seen = watchStatus('check');
    const basic = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
    const ok = await api.get('/api').set('Authorization', basic('alice', 'pw-alice-1')).expect(200);
    assert.deepEqual([ok.headers['x-auth-method'], ok.headers['x-auth-user-id']], ['basic', 'alice']);
    const zoe = await api.get('/api').set('Authorization', basic('zoë', 'pw-zoe-1')).expect(200);
    assert.equal(zoe.headers['x-auth-user-id'], encodeURIComponent('zoë'));
    const bad = await api.get('/api').set('Authorization', basic('alice', 'wrong-pw-9')).expect(401);
    assert.equal(bad.headers['x-auth-method'], 'basic');
    assert.equal(bad.headers['x-auth-user-id'], undefined, 'a refusal names nobody');
    assert.ok(!JSON.stringify([ok.headers, zoe.headers, bad.headers]).includes('pw-'));
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.some((s) => s.fill === 'yellow' && /debug headers on/.test(s.text)), JSON.stringify(seen));
    assert.ok(!seen.some((s) => s.fill === 'green'), 'never a plain green "allowed" while debug headers are on');
  });

  it('ip node: method and the address on a 403', async () => {
    const api = await load(['authflow-ip'], flow('authflow-ip', { allow: '10.0.0.0/8', allowType: 'str', deny: '', denyType: 'str', trustedProxies: '', debugHeaders: true }));
    const res = await api.get('/api').expect(403);
    assert.equal(res.headers['x-auth-method'], 'ip');
    assert.match(res.headers['x-auth-ip'], /127\.0\.0\.1|::1/);
  });
});
