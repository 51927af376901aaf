'use strict';
// authflow-hmac in a real Node-RED runtime, over real HTTP: the Kindly
// guide's own Python client (python3) against a route, the strict scheme with
// a raw body, and webhooks signed by the `standardwebhooks` npm package and as
// Stripe's and GitHub's docs describe (their npm libraries, `stripe` and
// `@octokit/webhooks-methods`, are not installed here, so their published
// algorithm is computed with node:crypto).
const assert = require('assert');
const crypto = require('crypto');
const http = require('http');
const path = require('path');
const { execFile } = require('child_process');
const { Webhook } = require('standardwebhooks');
const { helper, load, start, stop, getRED } = require('../support/flow-harness');

const hmacNode = require('../../dist/nodes/hmac/authflow-hmac.js');
const CLIENT = path.join(__dirname, '../fixtures/kindly_client.py');
const API_KEY = 'kapi_prod_7f3d9a2b5c1e4890abcdef1234567890';
const SECRET = crypto.randomBytes(32).toString('hex');
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const hmacHex = (secret, msg) => crypto.createHmac('sha256', secret).update(msg).digest('hex');
const nonce = () => crypto.randomBytes(16).toString('hex');

/** http in (method, raw or parsed body) → authflow-hmac → echo msg.auth and the body it passed on; output 2 → http response. */
function route(config, { method = 'post', url = '/signed', raw = true } = {}) {
  return [
    { id: 'f1', type: 'tab', label: 'hmac' },
    { id: 'in', type: 'http in', z: 'f1', url, method, skipBodyParsing: raw, wires: [['check']] },
    { id: 'check', type: 'authflow-hmac', z: 'f1', wires: [['ok'], ['out']], ...config },
    { id: 'ok', type: 'function', z: 'f1', func: 'const b = msg.req.body; msg.payload = { ok: true, auth: msg.auth, body: Buffer.isBuffer(b) ? b.toString() : b }; return msg;', wires: [['out']] },
    { id: 'out', type: 'http response', z: 'f1', wires: [] },
  ];
}
const loadRoute = (config, opts, creds) => load([], route(config, opts), creds ?? { check: { secretList: config.secretList } }, [hmacNode]);

/** The strict canonical string as the help documents it (the test queries are already canonical). */
function strictHeaders(secret, method, target, body = '', { ts = Math.floor(Date.now() / 1000), n = nonce(), keyId = 'partner-a' } = {}) {
  const [p, q = ''] = target.split('?');
  const msg = ['AUTHFLOW-HMAC-SHA256', method, p, q, String(ts), n, sha(Buffer.from(body))].join('\n');
  return { 'X-Key-Id': keyId, 'X-Timestamp': String(ts), 'X-Nonce': n, 'X-Signature': hmacHex(secret, msg) };
}

/** RED.httpNode on a real port (for the Python client). */
async function listen() {
  const server = http.createServer(getRED().httpNode);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

function python(args) {
  return new Promise((resolve, reject) => {
    execFile('python3', [CLIENT, ...args], { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(stdout.trim().split('\n').map((l) => JSON.parse(l)));
    });
  });
}

describe('authflow-hmac node over real HTTP', function () {
  this.timeout(30000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  describe('Kindly scheme: the guide\'s own Python client', () => {
    const keys = JSON.stringify([{ apiKey: API_KEY, secret: SECRET, id: 'prod-server', subject: 'kindly-prod', scopes: ['compression:write'] }]);
    const body = JSON.stringify({ text: 'Grüße 😀', level: 9, ratio: 0.75, nested: { b: [1, 2.5, null, true], a: 'x' } });

    for (const raw of [true, false]) {
      it(`signs a JSON POST that the node verifies (${raw ? "Don't parse body" : 'body parsed by http in'}); a replay → 401 AUTH_010`, async () => {
        await loadRoute({ mode: 'request', scheme: 'kindly', secretsType: 'cred', secretList: keys }, { raw });
        const srv = await listen();
        try {
          const [first, again] = await python([srv.base, 'POST', '/signed', API_KEY, SECRET, body, 'repeat']);
          assert.strictEqual(first.status, 200, JSON.stringify(first));
          assert.deepStrictEqual(first.body.auth, { method: 'hmac', subject: 'kindly-prod', keyId: 'prod-server', scopes: ['compression:write'], ip: '127.0.0.1' });
          assert.ok(!JSON.stringify(first.body.auth).includes(API_KEY));
          assert.deepStrictEqual([again.status, again.body.error], [401, 'AUTH_010']);
        } finally {
          await srv.close();
        }
      });
    }

    it('signs a GET with a query (signed as part of the path); a wrong secret → 401 AUTH_010, an unknown key → AUTH_004', async () => {
      await loadRoute({ mode: 'request', scheme: 'kindly', secretsType: 'cred', secretList: keys }, { method: 'get', url: '/stats' });
      const srv = await listen();
      try {
        const [ok] = await python([srv.base, 'GET', '/stats?period=day&x=1', API_KEY, SECRET]);
        assert.strictEqual(ok.status, 200, JSON.stringify(ok));
        const [wrong] = await python([srv.base, 'GET', '/stats', API_KEY, 'not-the-secret']);
        assert.deepStrictEqual([wrong.status, wrong.body.error], [401, 'AUTH_010']);
        const [unknown] = await python([srv.base, 'GET', '/stats', 'kapi_prod_unknown', SECRET]);
        assert.deepStrictEqual([unknown.status, unknown.body.error], [401, 'AUTH_004']);
      } finally {
        await srv.close();
      }
    });
  });

  describe('strict scheme', () => {
    const keys = JSON.stringify([{ keyId: 'partner-a', secret: SECRET, scopes: ['orders:write'] }]);
    const body = '{"amount": 10.0, "currency":"EUR"}';

    it('verifies the exact raw bytes, passes the body on untouched; replay, future timestamp and tampering → 401 AUTH_010 with a challenge', async () => {
      const api = await loadRoute({ mode: 'request', secretsType: 'cred', secretList: keys });
      const h = strictHeaders(SECRET, 'POST', '/signed?b=2', body);
      const ok = await api.post('/signed?b=2').set(h).set('Content-Type', 'application/json').send(body).expect(200);
      assert.deepStrictEqual(ok.body.auth, { method: 'hmac', subject: 'partner-a', keyId: 'partner-a', scopes: ['orders:write'], ip: '127.0.0.1' });
      assert.strictEqual(ok.body.body, body);
      // Nonces go to the node's bounded in-process replay store, not into global context.
      assert.deepStrictEqual(helper.getNode('check').context().global.keys().filter((k) => k.startsWith('authflow_')), []);
      const replay = await api.post('/signed?b=2').set(h).set('Content-Type', 'application/json').send(body).expect(401);
      assert.strictEqual(replay.body.error, 'AUTH_010');
      assert.match(replay.headers['www-authenticate'], /^HMAC realm="api"/);
      assert.strictEqual(replay.headers['cache-control'], 'no-store');
      const future = strictHeaders(SECRET, 'POST', '/signed', body, { ts: Math.floor(Date.now() / 1000) + 400 });
      assert.strictEqual((await api.post('/signed').set(future).send(body).expect(401)).body.error, 'AUTH_010');
      const past = strictHeaders(SECRET, 'POST', '/signed', body, { ts: Math.floor(Date.now() / 1000) - 400 });
      assert.strictEqual((await api.post('/signed').set(past).send(body).expect(401)).body.error, 'AUTH_010');
      const tampered = strictHeaders(SECRET, 'POST', '/signed', body);
      assert.strictEqual((await api.post('/signed').set(tampered).send(body.replace('10.0', '1000')).expect(401)).body.error, 'AUTH_010');
    });

    it('the window is configurable; missing headers → 401 AUTH_001, malformed → 400 AUTH_003, over the body limit → 413', async () => {
      const api = await loadRoute({ mode: 'request', secretsType: 'cred', secretList: keys, window: 600, maxBody: 64 });
      const ts = Math.floor(Date.now() / 1000) + 400;
      await api.post('/signed').set(strictHeaders(SECRET, 'POST', '/signed', body, { ts })).send(body).expect(200);
      const none = await api.post('/signed').send(body).expect(401);
      assert.strictEqual(none.body.error, 'AUTH_001');
      assert.match(none.headers['www-authenticate'], /X-Key-Id X-Timestamp X-Nonce X-Signature/);
      const bad = await api.post('/signed').set({ ...strictHeaders(SECRET, 'POST', '/signed', body), 'X-Timestamp': 'yesterday' }).send(body).expect(400);
      assert.strictEqual(bad.body.error, 'AUTH_003');
      const big = 'x'.repeat(65);
      const tooBig = await api.post('/signed').set(strictHeaders(SECRET, 'POST', '/signed', big)).send(big).expect(413);
      assert.strictEqual(tooBig.body.error, 'AUTH_003');
    });

    it('a route that parses bodies: the strict scheme refuses with 400 and says why in the node status; GET without a body still works', async () => {
      const api = await loadRoute({ mode: 'request', secretsType: 'cred', secretList: keys }, { raw: false });
      const status = [];
      helper.getNode('check').on('call:status', (c) => status.push(c.args[0].text));
      const res = await api.post('/signed').set(strictHeaders(SECRET, 'POST', '/signed', body)).set('Content-Type', 'application/json').send(body).expect(400);
      assert.strictEqual(res.body.error, 'AUTH_003');
      assert.ok(status.some((t) => /Don't parse body/.test(t)), `status: ${status}`);
      await helper.unload();
      const get = await load([], route({ mode: 'request', secretsType: 'cred', secretList: keys }, { method: 'get', raw: false }), { check: { secretList: keys } }, [hmacNode]);
      await get.get('/signed').set(strictHeaders(SECRET, 'GET', '/signed')).expect(200);
    });

    it('keys from flow context and from an environment variable', async () => {
      const flow = route({ mode: 'request', secretsType: 'flow', secrets: 'signingKeys' });
      const api = await load([], flow, {}, [hmacNode]);
      const missing = await api.post('/signed').set(strictHeaders(SECRET, 'POST', '/signed', body)).send(body).expect(503);
      assert.strictEqual(missing.body.error, 'AUTH_011');
      helper.getNode('check').context().flow.set('signingKeys', JSON.parse(keys));
      await api.post('/signed').set(strictHeaders(SECRET, 'POST', '/signed', body)).send(body).expect(200);
      await helper.unload();
      process.env.AUTHFLOW_TEST_HMAC_KEYS = `partner-a ${SECRET}`;
      try {
        const env = await load([], route({ mode: 'request', secretsType: 'env', secrets: 'AUTHFLOW_TEST_HMAC_KEYS' }), {}, [hmacNode]);
        await env.post('/signed').set(strictHeaders(SECRET, 'POST', '/signed', body)).send(body).expect(200);
      } finally {
        delete process.env.AUTHFLOW_TEST_HMAC_KEYS;
      }
    });

    it('respond automatically: the node answers itself and sends nothing on output 2', async () => {
      const flow = route({ mode: 'request', secretsType: 'cred', respond: true });
      flow.find((n) => n.id === 'check').wires = [['ok'], ['never']];
      flow.push({ id: 'never', type: 'function', z: 'f1', func: 'node.error("output 2 used"); return null;', wires: [] });
      const api = await load([], flow, { check: { secretList: keys } }, [hmacNode]);
      let second = 0;
      helper.getNode('never').on('input', () => second++);
      const res = await api.post('/signed').send(body).expect(401);
      assert.strictEqual(res.body.error, 'AUTH_001');
      await new Promise((r) => setTimeout(r, 50));
      assert.strictEqual(second, 0);
    });
  });

  describe('webhooks, one route per sender', () => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1', amount: 1999 } });

    it('Standard Webhooks: a delivery signed by the standardwebhooks npm package is accepted once; stale and future timestamps are refused', async () => {
      const secret = 'whsec_' + crypto.randomBytes(24).toString('base64');
      const api = await loadRoute({ mode: 'webhook', preset: 'standard', secretsType: 'cred', secretList: secret }, { url: '/hooks/std' });
      const wh = new Webhook(secret);
      const id = 'msg_' + nonce();
      const now = new Date();
      const h = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': wh.sign(id, now, body) };
      const ok = await api.post('/hooks/std').set(h).set('Content-Type', 'application/json').send(body).expect(200);
      assert.strictEqual(ok.body.auth.subject, 'standard-webhooks');
      assert.strictEqual(ok.body.body, body);
      assert.strictEqual((await api.post('/hooks/std').set(h).set('Content-Type', 'application/json').send(body).expect(401)).body.error, 'AUTH_010');
      const old = new Date(Date.now() - 400_000);
      const stale = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(Math.floor(old / 1000)), 'webhook-signature': wh.sign('msg_2', old, body) };
      assert.strictEqual((await api.post('/hooks/std').set(stale).send(body).expect(401)).body.error, 'AUTH_010');
      const ahead = new Date(Date.now() + 400_000);
      const future = { 'webhook-id': 'msg_3', 'webhook-timestamp': String(Math.floor(ahead / 1000)), 'webhook-signature': wh.sign('msg_3', ahead, body) };
      assert.strictEqual((await api.post('/hooks/std').set(future).send(body).expect(401)).body.error, 'AUTH_010');
    });

    it('Stripe: Stripe-Signature t=…,v1=… as Stripe\'s docs compute it', async () => {
      const secret = 'whsec_' + crypto.randomBytes(16).toString('hex');
      const api = await loadRoute({ mode: 'webhook', preset: 'stripe', secretsType: 'cred', secretList: secret }, { url: '/hooks/stripe' });
      const t = Math.floor(Date.now() / 1000);
      const header = `t=${t},v1=${hmacHex(secret, `${t}.${body}`)}`;
      assert.strictEqual((await api.post('/hooks/stripe').set('Stripe-Signature', header).send(body).expect(200)).body.auth.subject, 'stripe');
      assert.strictEqual((await api.post('/hooks/stripe').set('Stripe-Signature', header).send(body).expect(401)).body.error, 'AUTH_010');
    });

    it('GitHub: X-Hub-Signature-256 as GitHub\'s docs compute it; secret from an environment variable', async () => {
      process.env.AUTHFLOW_TEST_GH_SECRET = "It's a Secret to Everybody";
      try {
        const api = await load([], route({ mode: 'webhook', preset: 'github', secretsType: 'env', secrets: 'AUTHFLOW_TEST_GH_SECRET' }, { url: '/hooks/github' }), {}, [hmacNode]);
        await api.post('/hooks/github').set('X-Hub-Signature-256', 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17').set('Content-Type', 'text/plain').send('Hello, World!').expect(200);
        assert.strictEqual((await api.post('/hooks/github').set('X-Hub-Signature-256', 'sha256=' + '0'.repeat(64)).send(body).expect(401)).body.error, 'AUTH_010');
      } finally {
        delete process.env.AUTHFLOW_TEST_GH_SECRET;
      }
    });

    it('Kindly: X-Kindly-Signature (the guide\'s Go function), with a rotated secret in its grace period', async () => {
      const secret = JSON.stringify({ secret: 'new-kindly-secret', previousSecret: 'old-kindly-secret', previousSecretExpiresAt: new Date(Date.now() + 3600_000).toISOString() });
      const api = await loadRoute({ mode: 'webhook', preset: 'kindly', secretsType: 'cred', secretList: secret }, { url: '/hooks/kindly' });
      await api.post('/hooks/kindly').set('X-Kindly-Signature', hmacHex('old-kindly-secret', body)).send(body).expect(200);
      await api.post('/hooks/kindly').set('X-Kindly-Signature', hmacHex('new-kindly-secret', body + ' ')).send(body + ' ').expect(200);
      assert.strictEqual((await api.post('/hooks/kindly').set('X-Kindly-Signature', hmacHex('other', body)).send(body).expect(401)).body.error, 'AUTH_010');
    });

    it('generic: a named header with a prefix, base64', async () => {
      const api = await loadRoute({ mode: 'webhook', preset: 'generic', sigHeader: 'X-Webhook-Signature', sigEncoding: 'base64', sigPrefix: 'sha256=', secretsType: 'cred', secretList: 'generic-secret-0123456789abcdef0123' }, { url: '/hooks/generic' });
      const sig = crypto.createHmac('sha256', 'generic-secret-0123456789abcdef0123').update(body).digest('base64');
      await api.post('/hooks/generic').set('X-Webhook-Signature', 'sha256=' + sig).send(body).expect(200);
      assert.strictEqual((await api.post('/hooks/generic').set('X-Webhook-Signature', sig).send(body).expect(400)).body.error, 'AUTH_003');
    });

    it('an unusable secret fails the node closed at deploy (503, never a pass)', async () => {
      const api = await loadRoute({ mode: 'webhook', preset: 'standard', secretsType: 'cred', secretList: '' }, { url: '/hooks/none' });
      assert.strictEqual((await api.post('/hooks/none').set({ 'webhook-id': 'a', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' }).send(body).expect(503)).body.error, 'AUTH_011');
    });
  });
});
