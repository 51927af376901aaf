'use strict';
// Webhook presets on the neutral request: the official Standard Webhooks
// vector, signatures made by the `standardwebhooks` npm package, Stripe and
// GitHub signatures computed as their docs describe (their npm libraries are
// not installed here), Kindly's Go function, and a generic header.
const assert = require('assert');
const crypto = require('crypto');
const { Webhook } = require('standardwebhooks');
const { MemoryStore } = require('../../../dist/lib');
const { webhookCheck, requestBody } = require('../../../dist/lib/signatures');

const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  ts: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const hmacHex = (secret, msg) => crypto.createHmac('sha256', secret).update(msg).digest('hex');

function request(headers, body = '', now, opts = {}) {
  const rawHeaders = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, v]));
  if (body) rawHeaders.push('Content-Length', String(Buffer.byteLength(body)));
  return { rawHeaders, query: '', peer: '::ffff:10.1.2.3', previous: undefined, now, body: opts.parsed !== undefined ? requestBody(undefined, opts.parsed, true) : requestBody(undefined, Buffer.from(body), !!body) };
}
async function outcome(fn) {
  try {
    return await fn();
  } catch (e) {
    return { code: e.code, status: e.status, reason: e.reason };
  }
}
const codeOf = async (fn) => ((r) => [r.code, r.status])(await outcome(fn));

describe('signatures: webhook presets', () => {
  let store;
  beforeEach(() => (store = new MemoryStore({ sweepIntervalMs: 0 })));
  let receivers = 0; // each check a receiver of its own: deliveries are de-duplicated per receiver
  const check = (preset, secret, opts = {}) => webhookCheck({ fixed: secret }, { preset, store, scope: `node-${++receivers}`, ...opts });

  describe('Standard Webhooks', () => {
    const headers = (sig = VECTOR.signature, id = VECTOR.id, ts = VECTOR.ts) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig });

    it('the official vector verifies; msg.auth says who sent it', async () => {
      const info = await check('standard', VECTOR.secret).run(request(headers(), VECTOR.body, VECTOR.ts * 1000));
      assert.deepStrictEqual(info, { method: 'hmac', subject: 'standard-webhooks', keyId: undefined, scopes: [], ip: '10.1.2.3' });
    });

    it('several space-separated signatures: any one v1 matching is enough; other versions are ignored', async () => {
      const other = 'v1,' + Buffer.alloc(32, 7).toString('base64');
      const c = check('standard', VECTOR.secret);
      assert.strictEqual((await c.run(request(headers(`${other} v1a,abc ${VECTOR.signature}`), VECTOR.body, VECTOR.ts * 1000))).method, 'hmac');
      // The right MAC labelled with another version does not count.
      assert.deepStrictEqual(await codeOf(() => c.run(request(headers(`v2,${VECTOR.signature.slice(3)} ${other}`, 'msg_2'), VECTOR.body, VECTOR.ts * 1000))), ['AUTH_010', 401]);
    });

    it('a duplicate webhook-id → 401 AUTH_010 (de-duplicated in the store)', async () => {
      const c = check('standard', VECTOR.secret);
      await c.run(request(headers(), VECTOR.body, VECTOR.ts * 1000));
      assert.deepStrictEqual(await codeOf(() => c.run(request(headers(), VECTOR.body, VECTOR.ts * 1000 + 1000))), ['AUTH_010', 401]);
    });

    it('timestamps outside the tolerance are refused both ways', async () => {
      for (const d of [-301, 301]) {
        assert.deepStrictEqual(await codeOf(() => check('standard', VECTOR.secret).run(request(headers(), VECTOR.body, (VECTOR.ts + d) * 1000))), ['AUTH_010', 401]);
      }
      assert.strictEqual((await check('standard', VECTOR.secret, { toleranceSeconds: 400 }).run(request(headers(), VECTOR.body, (VECTOR.ts - 350) * 1000))).method, 'hmac');
    });

    it('signatures made by the standardwebhooks npm package verify, and ours refuses what it refuses', async () => {
      const secret = 'whsec_' + crypto.randomBytes(24).toString('base64');
      const wh = new Webhook(secret);
      const c = check('standard', secret);
      for (let i = 0; i < 20; i++) {
        const id = `msg_${i}`;
        const body = JSON.stringify({ i, text: 'é😀', nested: { a: [1, 2.5] } });
        const now = new Date();
        const sig = wh.sign(id, now, body);
        const h = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': sig };
        wh.verify(body, h); // the reference implementation agrees
        assert.strictEqual((await c.run(request(h, body))).method, 'hmac');
        const tampered = body.replace('1', '9');
        assert.throws(() => wh.verify(tampered, { ...h, 'webhook-id': id + 'x' }));
        assert.strictEqual((await outcome(() => c.run(request({ ...h, 'webhook-id': id + 'x' }, tampered)))).code, 'AUTH_010');
      }
    });

    it('missing headers → 401 AUTH_001; one missing or duplicated → 400 AUTH_003; a parsed body → 400', async () => {
      const c = check('standard', VECTOR.secret);
      assert.deepStrictEqual(await codeOf(() => c.run(request({}, VECTOR.body, VECTOR.ts * 1000))), ['AUTH_001', 401]);
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'webhook-id': VECTOR.id }, VECTOR.body, VECTOR.ts * 1000))), ['AUTH_003', 400]);
      assert.deepStrictEqual(await codeOf(() => c.run(request({ ...headers(), 'webhook-id': [VECTOR.id, 'msg_x'] }, VECTOR.body, VECTOR.ts * 1000))), ['AUTH_003', 400]);
      assert.deepStrictEqual(await codeOf(() => c.run(request(headers(), VECTOR.body, VECTOR.ts * 1000, { parsed: { test: 2432232314 } }))), ['AUTH_003', 400]);
    });
  });

  describe('Stripe (Stripe-Signature: t=…,v1=… over "t.body", per Stripe\'s docs)', () => {
    const secret = 'whsec_test_' + 'a'.repeat(32);
    const body = '{"id":"evt_1","type":"payment_intent.succeeded"}';
    const t = 1700000000;
    const header = (v1s, ts = t) => `t=${ts},${v1s.map((v) => `v1=${v}`).join(',')},v0=${'0'.repeat(64)}`;

    it('verifies; several v1 (a rolled secret) — any one matching; replay and stale refused', async () => {
      const c = check('stripe', secret);
      const good = hmacHex(secret, `${t}.${body}`);
      assert.strictEqual((await c.run(request({ 'Stripe-Signature': header(['f'.repeat(64), good]) }, body, t * 1000))).subject, 'stripe');
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'Stripe-Signature': header(['f'.repeat(64), good]) }, body, t * 1000))), ['AUTH_010', 401]);
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'Stripe-Signature': header([good]) }, body, (t + 301) * 1000))), ['AUTH_010', 401]);
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'Stripe-Signature': `v1=${good}` }, body, t * 1000))), ['AUTH_003', 400]);
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'Stripe-Signature': `t=${t}` }, body, t * 1000))), ['AUTH_010', 401]);
    });
  });

  describe('GitHub, Kindly, generic', () => {
    const body = '{"action":"opened","number":1}';
    const secret = "It's a Secret to Everybody";

    it('GitHub: X-Hub-Signature-256: sha256=<hex HMAC of the body> (GitHub docs example secret)', async () => {
      // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
      const doc = check('github', secret);
      assert.strictEqual((await doc.run(request({ 'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' }, 'Hello, World!'))).subject, 'github');
      const c = check('github', secret);
      assert.strictEqual((await c.run(request({ 'X-Hub-Signature-256': 'sha256=' + hmacHex(secret, body) }, body))).method, 'hmac');
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'X-Hub-Signature-256': 'sha256=' + hmacHex(secret, body) }, body))), ['AUTH_010', 401]);
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'X-Hub-Signature-256': hmacHex(secret, body) }, body))), ['AUTH_003', 400]);
    });

    it('Kindly: X-Kindly-Signature = hex HMAC of the raw payload (the guide\'s Go function)', async () => {
      const c = check('kindly', 'kindly-webhook-secret');
      assert.strictEqual((await c.run(request({ 'X-Kindly-Signature': hmacHex('kindly-webhook-secret', body) }, body))).method, 'hmac');
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'X-Kindly-Signature': hmacHex('other', body) }, body + ' '))), ['AUTH_010', 401]);
    });

    it('generic: named header, base64 or hex, optional prefix', async () => {
      const b64 = crypto.createHmac('sha256', secret).update(body).digest('base64');
      const c = check('generic', secret, { header: 'X-Signature', encoding: 'base64', prefix: 'hmac-sha256=' });
      assert.strictEqual((await c.run(request({ 'X-Signature': 'hmac-sha256=' + b64 }, body))).subject, 'webhook');
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'X-Signature': b64 }, body))), ['AUTH_003', 400]);
      const h = check('generic', secret, { header: 'X-Sig', encoding: 'hex' });
      assert.strictEqual((await h.run(request({ 'X-Sig': hmacHex(secret, body) }, body))).method, 'hmac');
      assert.throws(() => check('generic', secret, { header: 'bad header' }), /header name/);
    });

    it('rotation: {secret, previousSecret, previousSecretExpiresAt} accepts both until the end of the grace period', async () => {
      const value = { secret: 'new-secret', previousSecret: 'old-secret', previousSecretExpiresAt: 2_000_000_000_000, subject: 'kindly-prod', scopes: ['events:write'] };
      const during = check('kindly', value, { now: () => 1_999_999_999_000 });
      assert.deepStrictEqual(await during.run(request({ 'X-Kindly-Signature': hmacHex('old-secret', body) }, body)), { method: 'hmac', subject: 'kindly-prod', keyId: undefined, scopes: ['events:write'], ip: '10.1.2.3' });
      const after = check('kindly', value, { now: () => 2_000_000_000_000 });
      assert.deepStrictEqual(await codeOf(() => after.run(request({ 'X-Kindly-Signature': hmacHex('old-secret', body + ' ') }, body + ' '))), ['AUTH_010', 401]);
      assert.strictEqual((await after.run(request({ 'X-Kindly-Signature': hmacHex('new-secret', body) }, body))).method, 'hmac');
    });

    it('a missing secret fails closed with 503 AUTH_011; a body over the limit → 413', async () => {
      const c = webhookCheck({ read: () => undefined, what: 'secret (env.X)' }, { preset: 'kindly', store, scope: 's' });
      assert.deepStrictEqual(await codeOf(() => c.run(request({ 'X-Kindly-Signature': hmacHex('x', body) }, body))), ['AUTH_011', 503]);
      const small = check('kindly', 'x', { maxBodyBytes: 5 });
      assert.deepStrictEqual(await codeOf(() => small.run(request({ 'X-Kindly-Signature': hmacHex('x', body) }, body))), ['AUTH_003', 413]);
    });
  });
});
