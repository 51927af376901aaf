'use strict';
const assert = require('assert');
const { helper, load, start, stop, protectedRoute, rawRequest } = require('../support/flow-harness');
const { hashPasswordScrypt } = require('../../dist/lib');
const bcrypt = require('bcryptjs');

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const CHALLENGE = 'Basic realm="api", charset="UTF-8"';

describe('authflow-basic node over real HTTP', function () {
  this.timeout(30000);
  let aliceHash, bobBcrypt;

  before(async () => {
    aliceHash = await hashPasswordScrypt('open sesame', { ln: 12 });
    bobBcrypt = bcrypt.hashSync('123£', 8);
    await start();
  });
  after(stop);
  afterEach(() => helper.unload());

  function credLines() {
    return { check: { userList: `Aladdin:${aliceHash}\ntest:${bobBcrypt}` } };
  }

  it('accepts the RFC 7617 vector (scrypt hash) and puts msg.auth without the password', async () => {
    const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'cred' }), credLines());
    const res = await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
    assert.strictEqual(res.body.auth.method, 'basic');
    assert.strictEqual(res.body.auth.subject, 'Aladdin');
    assert.ok(!JSON.stringify(res.body).includes('open sesame'));
  });

  it('accepts the UTF-8 vector test:123£ against a bcrypt hash (worker thread)', async () => {
    const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'cred' }), credLines());
    const res = await api.get('/api').set('Authorization', 'Basic dGVzdDoxMjPCow==').expect(200);
    assert.strictEqual(res.body.auth.subject, 'test');
  });

  const rejections = [
    ['no header', null, 401, 'AUTH_001'],
    ['wrong password', 'Basic ' + b64('Aladdin:open sesamE'), 401, 'AUTH_001'],
    ['unknown user', 'Basic ' + b64('Nobody:open sesame'), 401, 'AUTH_001'],
    ['empty user (:pw)', 'Basic ' + b64(':open sesame'), 401, 'AUTH_003'],
    ['no colon', 'Basic ' + b64('Aladdin'), 401, 'AUTH_003'],
    ['bad base64', 'Basic !!!notbase64', 401, 'AUTH_003'],
    ['base64url alphabet', 'Basic ' + b64('Aladdin:>>>?').replace(/\+/g, '-').replace(/\//g, '_'), 401, 'AUTH_003'],
    ['control character', 'Basic ' + b64('Aladdin:open\nsesame'), 401, 'AUTH_003'],
    ['Basicxyz scheme', 'BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ==', 401, 'AUTH_001'],
    ['trimmed password is not the password', 'Basic ' + b64('Aladdin: open sesame'), 401, 'AUTH_001'],
  ];
  for (const [name, header, status, code] of rejections) {
    it(`rejects ${name} with ${status} ${code} and the challenge`, async () => {
      const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'cred' }), credLines());
      const req = api.get('/api');
      if (header) req.set('Authorization', header);
      const res = await req.expect(status);
      assert.deepStrictEqual(res.body, { error: code, message: res.body.message });
      assert.strictEqual(res.headers['www-authenticate'], CHALLENGE);
    });
  }

  it('unknown user and wrong password get byte-identical responses', async () => {
    const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'cred' }), credLines());
    const a = await api.get('/api').set('Authorization', 'Basic ' + b64('Nobody:x'));
    const b = await api.get('/api').set('Authorization', 'Basic ' + b64('Aladdin:x'));
    assert.strictEqual(a.status, b.status);
    assert.strictEqual(a.text, b.text);
    assert.strictEqual(a.headers['www-authenticate'], b.headers['www-authenticate']);
  });

  it('accepts a lower-case scheme with several spaces (RFC 7617 §2)', async () => {
    const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'cred' }), credLines());
    await api.get('/api').set('Authorization', 'bAsIc    QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
  });

  it('rejects duplicate Authorization headers with 400 AUTH_003', async () => {
    const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'cred' }), credLines());
    const res = await rawRequest('/api', ['Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'Authorization: Basic ' + b64('other:x')]);
    void api;
    assert.strictEqual(res.status, 400);
    assert.strictEqual(res.body.error, 'AUTH_003');
  });

  it('refuses a realm with a quote at deploy and fails closed: 503 AUTH_011, a configuration error is not a wrong password', async () => {
    const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'cred', realm: 'a"b' }), credLines());
    const res = await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(503);
    assert.strictEqual(res.body.error, 'AUTH_011');
    const node = helper.getNode('check');
    assert.ok(node, 'node exists');
  });

  it('a user list that cannot be read (flow key not set, env var unset) → 503 AUTH_011 without hashing, not "wrong password"', async () => {
    const unsetVar = `AUTHFLOW_TEST_UNSET_${process.pid}_${Date.now()}`;
    try {
      let api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'flow', users: 'apiUsers', lockout: false }));
      const res = await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(503);
      assert.strictEqual(res.body.error, 'AUTH_011');
      assert.strictEqual(res.headers['www-authenticate'], undefined, 'a 503 is not a credentials challenge');
      await helper.unload();
      api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'env', users: unsetVar, lockout: false }));
      assert.strictEqual((await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(503)).body.error, 'AUTH_011');
      process.env[unsetVar] = `Aladdin:${aliceHash}`;
      await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
    } finally {
      delete process.env[unsetVar];
    }
  });

  it('reads users from flow context and applies a change on the next request without redeploy', async () => {
    const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'flow', users: 'apiUsers' }));
    const flow = helper.getNode('check').context().flow;
    flow.set('apiUsers', [{ username: 'Aladdin', password: aliceHash, roles: ['admin'], scopes: ['orders:read'] }]);
    const ok = await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
    assert.deepStrictEqual(ok.body.auth.roles, ['admin']);
    assert.deepStrictEqual(ok.body.auth.scopes, ['orders:read']);
    // Removed in place (same array object): refused on the very next request, even though the success was cached.
    flow.get('apiUsers').splice(0, 1);
    await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(401);
    // Replaced with a new value.
    flow.set('apiUsers', { Aladdin: aliceHash });
    await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
    flow.set('apiUsers', { Aladdin: bobBcrypt });
    await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(401);
  });

  it('reads users from a msg property set upstream (DB-node pattern)', async () => {
    const flow = protectedRoute('authflow-basic', { usersType: 'msg', users: 'userRow' });
    flow[0].wires = [['db']];
    flow.push({ id: 'db', type: 'function', z: 'f1', func: `msg.userRow = [{ username: 'Aladdin', password: ${JSON.stringify(aliceHash)} }]; return msg;`, wires: [['check']] });
    const api = await load(['authflow-basic'], flow);
    await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
  });

  it('reads users from an environment variable', async () => {
    process.env.AUTHFLOW_TEST_USERS = JSON.stringify({ Aladdin: aliceHash });
    try {
      const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'env', users: 'AUTHFLOW_TEST_USERS' }));
      await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
    } finally {
      delete process.env.AUTHFLOW_TEST_USERS;
    }
  });

  it('respond automatically: answers itself and sends nothing on output 2', async () => {
    const flow = protectedRoute('authflow-basic', { usersType: 'cred', respond: true });
    flow[1].wires = [['ok'], ['spy']];
    flow.push({ id: 'spy', type: 'function', z: 'f1', func: 'flow.set("leaked", true); return msg;', wires: [['out']] });
    const api = await load(['authflow-basic'], flow, credLines());
    const res = await api.get('/api').expect(401);
    assert.strictEqual(res.body.error, 'AUTH_001');
    assert.strictEqual(res.headers['www-authenticate'], CHALLENGE);
    assert.strictEqual(helper.getNode('spy').context().flow.get('leaked'), undefined);
  });

  it('warns in the status for plain-text passwords and still works', async () => {
    const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'cred' }), { check: { userList: 'Aladdin:open sesame' } });
    const node = helper.getNode('check');
    const statuses = [];
    node.on('call:status', (call) => statuses.push(call.args[0]));
    await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
    assert.ok(statuses.some((s) => /plain-text/.test(s.text)), JSON.stringify(statuses));
    assert.ok(statuses.every((s) => !/open sesame/.test(s.text)));
  });

  it('a bcrypt check does not stall a concurrent request on another route', async () => {
    const flow = protectedRoute('authflow-basic', { usersType: 'cred' });
    flow.push({ id: 'in2', type: 'http in', url: '/ping', method: 'get', z: 'f1', wires: [['out']] });
    const slow = bcrypt.hashSync('pw', 12); // ~300 ms per check in bcryptjs
    const api = await load(['authflow-basic'], flow, { check: { userList: `u:${slow}` } });
    const started = Date.now();
    const auth = api.get('/api').set('Authorization', 'Basic ' + b64('u:pw')).then((r) => ({ status: r.status, at: Date.now() - started }));
    await new Promise((r) => setTimeout(r, 20));
    const ping = await api.get('/ping').then((r) => ({ status: r.status, at: Date.now() - started }));
    const a = await auth;
    assert.strictEqual(a.status, 200);
    // Ordering, not speed: the ping finished before the bcrypt check did, so the loop was free.
    assert.ok(ping.at < a.at, `ping answered at ${ping.at} ms, bcrypt at ${a.at} ms`);
  });
});
