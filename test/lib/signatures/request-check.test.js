'use strict';
// The request-signature check on the neutral request, with a real MemoryStore and an injected clock.
const assert = require('assert');
const crypto = require('crypto');
const { MemoryStore } = require('../../../dist/lib');
const { signedRequestCheck, requestBody } = require('../../../dist/lib/signatures');

const NOW = 1_700_000_000_000;
const SECRET = 'k'.repeat(40);
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const hmac = (secret, msg) => crypto.createHmac('sha256', secret).update(msg).digest('hex');
const nonce = () => crypto.randomBytes(16).toString('hex');

/** The strict canonical string, written out from the documented format (not through the lib). */
function strictSign(secret, { method = 'POST', path = '/orders', query = '', ts = NOW / 1000, n = nonce(), body = '' } = {}) {
  const canonicalQuery = query.split('&').filter(Boolean).sort().join('&'); // the test queries are already encoded
  const msg = ['AUTHFLOW-HMAC-SHA256', method, path, canonicalQuery, String(ts), n, sha(Buffer.from(body))].join('\n');
  return { 'X-Key-Id': 'partner-a', 'X-Timestamp': String(ts), 'X-Nonce': n, 'X-Signature': hmac(secret, msg) };
}

function request(headers, { method = 'POST', path = '/orders', query = '', body = '', parsed, now = NOW } = {}) {
  const rawHeaders = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, v]));
  const hadBody = body.length > 0 || parsed !== undefined;
  if (hadBody) rawHeaders.push('Content-Length', String(Buffer.byteLength(parsed !== undefined ? JSON.stringify(parsed) : body)));
  return { rawHeaders, query, peer: '127.0.0.1', previous: undefined, method, path, now, body: parsed !== undefined ? requestBody(undefined, parsed, true) : requestBody(undefined, Buffer.from(body), hadBody) };
}

async function outcome(fn) {
  try {
    return await fn();
  } catch (e) {
    return { code: e.code, status: e.status, reason: e.reason };
  }
}

describe('signatures: signed-request check (strict scheme)', () => {
  let store, check;
  const keys = [{ keyId: 'partner-a', secret: SECRET, subject: 'Partner A', scopes: ['orders:write'] }];
  beforeEach(() => {
    store = new MemoryStore({ sweepIntervalMs: 0 });
    check = signedRequestCheck({ fixed: keys }, { store, now: () => NOW });
  });

  it('accepts a valid signature; msg.auth names the key, never a secret', async () => {
    const body = '{"amount":10}';
    const info = await check.run(request(strictSign(SECRET, { body }), { body }));
    assert.deepStrictEqual(info, { method: 'hmac', subject: 'Partner A', keyId: 'partner-a', scopes: ['orders:write'], expiresAt: undefined, ip: '127.0.0.1' });
    assert.ok(!JSON.stringify(info).includes(SECRET));
  });

  it('an exact replay → 401 AUTH_010', async () => {
    const h = strictSign(SECRET);
    await check.run(request(h));
    assert.deepStrictEqual(await outcome(() => check.run(request(h))), { code: 'AUTH_010', status: 401, reason: 'nonce already used with key partner-a (replay)' });
  });

  it('the nonce is remembered for at least twice the window', async () => {
    const h = strictSign(SECRET, { ts: NOW / 1000 + 300 });
    await check.run(request(h)); // signed 300 s "ahead", accepted now
    const later = NOW + 600_000; // ts is now 300 s in the past: still inside the window
    const s = signedRequestCheck({ fixed: keys }, { store, now: () => later });
    assert.strictEqual((await outcome(() => s.run(request(h, { now: later })))).code, 'AUTH_010');
  });

  it('timestamps are checked in both directions, edges included', async () => {
    for (const [delta, ok] of [[-300, true], [300, true], [-301, false], [301, false], [86400, false]]) {
      const r = await outcome(() => check.run(request(strictSign(SECRET, { ts: NOW / 1000 + delta }))));
      if (ok) assert.strictEqual(r.method, 'hmac', `ts ${delta}`);
      else assert.deepStrictEqual([r.code, r.status], ['AUTH_010', 401], `ts ${delta}`);
    }
  });

  it('a wrong signature, a tampered body, path, method or query → 401 AUTH_010, and nothing is written to the store', async () => {
    const body = '{"amount":10}';
    const h = strictSign(SECRET, { body, query: 'a=1' });
    for (const r of [
      request({ ...h, 'X-Signature': hmac('other-secret', 'x') }, { body, query: 'a=1' }),
      request(h, { body: '{"amount":99}', query: 'a=1' }),
      request(h, { body, path: '/orders/', query: 'a=1' }),
      request(h, { body, method: 'PUT', query: 'a=1' }),
      request(h, { body, query: 'a=2' }),
      request(h, { body, query: '' }),
    ]) assert.strictEqual((await outcome(() => check.run(r))).code, 'AUTH_010');
    assert.strictEqual(store.size, 0);
  });

  it('query parameters are signed in canonical order', async () => {
    const h = strictSign(SECRET, { query: 'b=2&a=1' }); // strictSign sorts: a=1&b=2
    assert.strictEqual((await check.run(request(h, { query: 'b=2&a=1' }))).method, 'hmac');
  });

  it('no signature headers → 401 AUTH_001 with a challenge; one missing, duplicated or malformed → 400 AUTH_003', async () => {
    const none = await outcome(() => check.run(request({})));
    assert.deepStrictEqual([none.code, none.status], ['AUTH_001', 401]);
    assert.match(check.challenge({ status: 401 })['WWW-Authenticate'], /^HMAC realm="api", algorithm="hmac-sha256", headers="X-Key-Id X-Timestamp X-Nonce X-Signature"$/);
    const h = strictSign(SECRET);
    const cases = [
      { ...h, 'X-Nonce': undefined },
      { ...h, 'X-Signature': [h['X-Signature'], h['X-Signature']] },
      { ...h, 'X-Timestamp': '1700000000.5' },
      { ...h, 'X-Timestamp': '01700000000' },
      { ...h, 'X-Nonce': 'short' },
      { ...h, 'X-Nonce': 'abc[1]abcdefghijklmnop' },
      { ...h, 'X-Signature': 'zz' + h['X-Signature'].slice(2) },
      { ...h, 'X-Signature': h['X-Signature'].slice(1) },
    ].map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)));
    for (const c of cases) assert.deepStrictEqual(((r) => [r.code, r.status])(await outcome(() => check.run(request(c)))), ['AUTH_003', 400], JSON.stringify(c));
  });

  it('an unknown or expired key → 401 AUTH_004', async () => {
    const h = strictSign(SECRET);
    assert.strictEqual((await outcome(() => check.run(request({ ...h, 'X-Key-Id': 'nobody' })))).code, 'AUTH_004');
    const expired = signedRequestCheck({ fixed: [{ ...keys[0], expiresAt: NOW - 1 }] }, { store, now: () => NOW });
    assert.strictEqual((await outcome(() => expired.run(request(h)))).code, 'AUTH_004');
  });

  it('a body over the limit → 413 before any hashing', async () => {
    const small = signedRequestCheck({ fixed: keys }, { store, maxBodyBytes: 10, now: () => NOW });
    const body = 'x'.repeat(11);
    const r = await outcome(() => small.run(request(strictSign(SECRET, { body }), { body })));
    assert.deepStrictEqual([r.code, r.status], ['AUTH_003', 413]);
    assert.strictEqual((await small.run(request(strictSign(SECRET, { body: 'x'.repeat(10) }), { body: 'x'.repeat(10) }))).method, 'hmac');
  });

  it('a parsed body cannot be verified by the strict scheme: 400 that names "Don\'t parse body"', async () => {
    const r = await outcome(() => check.run(request(strictSign(SECRET, { body: '{"a":1}' }), { parsed: { a: 1 } })));
    assert.deepStrictEqual([r.code, r.status], ['AUTH_003', 400]);
    assert.match(r.reason, /Don't parse body/);
    // No body sent: whatever a parser left is no body, and the empty body verifies.
    const get = request(strictSign(SECRET, { method: 'GET' }), { method: 'GET' });
    get.body = requestBody(undefined, {}, false);
    assert.strictEqual((await check.run(get)).method, 'hmac');
  });

  it('rotation: the previous secret verifies until its grace period ends, then not', async () => {
    const rotated = [{ keyId: 'partner-a', secret: 'n'.repeat(40), previousSecret: SECRET, previousSecretExpiresAt: new Date(NOW + 1000).toISOString() }];
    const during = signedRequestCheck({ fixed: rotated }, { store, now: () => NOW });
    assert.strictEqual((await during.run(request(strictSign(SECRET)))).method, 'hmac');
    assert.strictEqual((await during.run(request(strictSign('n'.repeat(40))))).method, 'hmac');
    const after = signedRequestCheck({ fixed: rotated }, { store, now: () => NOW + 1000 });
    assert.strictEqual((await outcome(() => after.run(request(strictSign(SECRET), { now: NOW + 1000 })))).code, 'AUTH_010');
    const problems = [];
    signedRequestCheck({ fixed: [{ keyId: 'x', secret: SECRET, previousSecret: 'y' }] }, { store }, (p) => problems.push(...p));
    assert.match(problems.join(), /previousSecretExpiresAt/);
  });

  it('a store that cannot answer → 503 AUTH_011, never an accept', async () => {
    const { StoreUnavailableError } = require('../../../dist/lib');
    const down = { setIfAbsent: async () => { throw new StoreUnavailableError('down'); } };
    const c = signedRequestCheck({ fixed: keys }, { store: down, now: () => NOW });
    assert.deepStrictEqual(((r) => [r.code, r.status])(await outcome(() => c.run(request(strictSign(SECRET))))), ['AUTH_011', 503]);
  });

  it('a replay flood keeps the store flat', async () => {
    const h = strictSign(SECRET);
    await check.run(request(h));
    for (let i = 0; i < 500; i++) await outcome(() => check.run(request(h)));
    for (let i = 0; i < 500; i++) await outcome(() => check.run(request({ ...h, 'X-Nonce': nonce() }))); // forged: bad signature
    assert.strictEqual(store.size, 1);
  });
});

describe('signatures: signed-request check (Kindly scheme)', () => {
  const API_KEY = 'kapi_prod_7f3d9a2b5c1e4890abcdef1234567890';
  let store, check;
  beforeEach(() => {
    store = new MemoryStore({ sweepIntervalMs: 0 });
    check = signedRequestCheck({ fixed: [{ apiKey: API_KEY, secret: SECRET, id: 'prod-server' }] }, { scheme: 'kindly', store, now: () => NOW });
  });
  const kindly = (method, target, signedBody, n = nonce(), ts = String(NOW / 1000)) =>
    ({ 'X-API-Key': API_KEY, 'X-Timestamp': ts, 'X-Nonce': n, 'X-Signature': hmac(SECRET, method + target + ts + n + (signedBody ?? '')) });

  it('verifies json.dumps(body, sort_keys=True) from the raw body and from a parsed one; msg.auth never holds the API key', async () => {
    const sent = '{"b": [1.0, "\\u00e9"], "a": 1}';
    const info = await check.run(request(kindly('POST', '/orders', '{"a": 1, "b": [1.0, "\\u00e9"]}'), { body: sent }));
    assert.strictEqual(info.keyId, 'prod-server');
    assert.ok(!JSON.stringify(info).includes(API_KEY));
    // Parsed by http in: 1.0 became 1, so only bodies without integral floats match.
    assert.strictEqual((await check.run(request(kindly('POST', '/orders', '{"a": 1, "b": "x"}'), { parsed: { b: 'x', a: 1 } }))).method, 'hmac');
  });

  it('an empty body, {} or [] adds nothing (the guide signs `if body:`); the query is part of the signed path', async () => {
    assert.strictEqual((await check.run(request(kindly('GET', '/stats?x=1'), { method: 'GET', path: '/stats', query: 'x=1' }))).method, 'hmac');
    assert.strictEqual((await check.run(request(kindly('POST', '/orders'), { body: '{}' }))).method, 'hmac');
    assert.strictEqual((await outcome(() => check.run(request(kindly('GET', '/stats'), { method: 'GET', path: '/stats', query: 'x=1' })))).code, 'AUTH_010');
  });

  it('closes the concatenation gaps: a non-container body or a non-JSON body → 400', async () => {
    for (const body of ['5', '"s"', 'true', 'not json', '{"a":1,"a":2}']) {
      const r = await outcome(() => check.run(request(kindly('POST', '/orders', body), { body })));
      assert.deepStrictEqual([r.code, r.status], ['AUTH_003', 400], body);
    }
  });

  it('an unknown API key → AUTH_004; a replay → AUTH_010', async () => {
    const h = kindly('POST', '/orders');
    assert.strictEqual((await outcome(() => check.run(request({ ...h, 'X-API-Key': 'kapi_prod_other' })))).code, 'AUTH_004');
    await check.run(request(h));
    assert.strictEqual((await outcome(() => check.run(request(h)))).code, 'AUTH_010');
  });
});
