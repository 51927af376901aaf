'use strict';
// verifyClientAssertion: private_key_jwt client authentication (RFC 7523 §2.2, §3).
// Assertions come from independent clients: openid-client's PrivateKeyJwt and jose's SignJWT.
const assert = require('assert');
const crypto = require('crypto');
const http = require('http');
const { verifyClientAssertion, buildVerificationKey, buildSigningKey, signJws, JwksKeyResolver, CLIENT_ASSERTION_TYPE } = require('../../../dist/lib/jwt');
const { AuthError } = require('../../../dist/lib/errors');

const ISSUER = 'https://auth.example';
const TOKEN_URL = 'https://auth.example/oauth/token';
const CLIENT = 'svc-orders';
const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

async function rejects(p, code, reason) {
  const e = await p.then(() => undefined, (err) => err);
  assert.ok(e instanceof AuthError, `expected an AuthError, got ${e && e.stack}`);
  assert.strictEqual(e.code, code, `code (reason: ${e.reason})`);
  assert.strictEqual(e.oauthError, undefined, 'the token endpoint answers invalid_client itself (RFC 6749 §5.2)');
  if (reason) assert.match(e.reason, reason);
  return e;
}

describe('lib/jwt verifyClientAssertion (RFC 7523)', () => {
  let jose;
  let pair; // the client's ES256 key pair (CryptoKeys, as a client library holds it)
  let key; // its registered public key, bound to ES256
  const now = () => Date.now();
  const opts = (extra = {}) => ({ clientId: CLIENT, audience: [ISSUER, TOKEN_URL], keys: [key], ...extra });
  /** A jose-signed assertion with overridable claims and header. */
  const assertion = (claims = {}, header = {}) => {
    const t = Math.floor(Date.now() / 1000);
    const base = { iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, iat: t, exp: t + 60, jti: crypto.randomUUID() };
    const c = { ...base, ...claims };
    for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
    return new jose.SignJWT(c).setProtectedHeader({ alg: 'ES256', kid: 'c1', ...header }).sign(pair.privateKey);
  };

  before(async () => {
    jose = await import('jose');
    pair = await jose.generateKeyPair('ES256', { extractable: true });
    key = buildVerificationKey({ alg: 'ES256', jwk: { ...(await jose.exportJWK(pair.publicKey)), kid: 'c1' } });
  });

  it('accepts an assertion made by openid-client (PrivateKeyJwt), with its client_assertion_type', async () => {
    const client = await import('openid-client');
    const body = new URLSearchParams();
    await client.PrivateKeyJwt({ key: pair.privateKey, kid: 'c1' })({ issuer: ISSUER, token_endpoint: TOKEN_URL }, { client_id: CLIENT }, body, new Headers());
    assert.strictEqual(body.get('client_assertion_type'), CLIENT_ASSERTION_TYPE);
    const r = await verifyClientAssertion(body.get('client_assertion'), opts());
    assert.strictEqual(r.clientId, CLIENT);
    assert.strictEqual(r.alg, 'ES256');
    assert.strictEqual(r.kid, 'c1');
    assert.ok(typeof r.jti === 'string' && r.jti.length > 0);
    assert.strictEqual(r.expiresAt, r.claims.exp * 1000);
  });

  it('aud may be the token endpoint, the issuer, or a list containing one of them (§3 item 3)', async () => {
    await verifyClientAssertion(await assertion({ aud: TOKEN_URL }), opts());
    await verifyClientAssertion(await assertion({ aud: ISSUER }), opts());
    await verifyClientAssertion(await assertion({ aud: ['https://other.example', ISSUER] }), opts());
    await rejects(verifyClientAssertion(await assertion({ aud: 'https://other.example/token' }), opts()), 'AUTH_001', /aud/);
  });

  it('iss and sub must both be the client (§3 items 1–2)', async () => {
    await rejects(verifyClientAssertion(await assertion({ iss: 'svc-other' }), opts()), 'AUTH_001', /iss/);
    await rejects(verifyClientAssertion(await assertion({ sub: 'svc-other' }), opts()), 'AUTH_001', /sub/);
    await rejects(verifyClientAssertion(await assertion(), opts({ clientId: 'svc-other' })), 'AUTH_001');
  });

  it('exp is required, enforced, and may not lie far in the future (§3 item 4)', async () => {
    const t = Math.floor(Date.now() / 1000);
    await rejects(verifyClientAssertion(await assertion({ exp: undefined }), opts()), 'AUTH_001', /exp claim missing/);
    await rejects(verifyClientAssertion(await assertion({ exp: t - 60, iat: t - 120 }), opts()), 'AUTH_002');
    await rejects(verifyClientAssertion(await assertion({ exp: t + 3600 }), opts()), 'AUTH_001', /too far/);
    await verifyClientAssertion(await assertion({ exp: t + 3600 }), opts({ maxLifetimeSec: 7200 }));
    await rejects(verifyClientAssertion(await assertion({ nbf: t + 600 }), opts()), 'AUTH_001', /nbf/);
    // A claim of the wrong type is malformed (AUTH_003), as in the per-request core.
    await rejects(verifyClientAssertion(await assertion({ exp: String(t + 60) }), opts()), 'AUTH_003', /exp claim is malformed/);
  });

  it('jti is required and single use through isReplay (§3 item 7)', async () => {
    await rejects(verifyClientAssertion(await assertion({ jti: undefined }), opts()), 'AUTH_001', /jti claim missing/);
    const used = new Map();
    const isReplay = (client, jti, until) => {
      const k = `${client}/${jti}`;
      if (used.has(k)) return true;
      used.set(k, until);
      return false;
    };
    const a = await assertion();
    await verifyClientAssertion(a, opts({ isReplay }));
    await rejects(verifyClientAssertion(a, opts({ isReplay })), 'AUTH_001', /replayed/);
    assert.ok([...used.values()][0] > Date.now(), 'remembered until exp');
  });

  it('the signature must be the registered key\'s; a key in the header (jwk) is never used (J5)', async () => {
    const attacker = await jose.generateKeyPair('ES256', { extractable: true });
    const t = Math.floor(Date.now() / 1000);
    const forged = await new jose.SignJWT({ iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, exp: t + 60, jti: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: 'c1', jwk: await jose.exportJWK(attacker.publicKey) }).sign(attacker.privateKey);
    await rejects(verifyClientAssertion(forged, opts()), 'AUTH_001', /signature/);
  });

  it('the same pre-parse as the core: none, duplicate members, size, unknown kid', async () => {
    const t = Math.floor(Date.now() / 1000);
    const claims = { iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, exp: t + 60, jti: 'j' };
    await rejects(verifyClientAssertion(`${b64({ alg: 'none' })}.${b64(claims)}.`, opts()), 'AUTH_001', /none/);
    // J8: {"alg":"none","alg":"ES256"} validly signed: jose alone would take the last member.
    const input = `${b64('{"alg":"none","alg":"ES256","kid":"c1"}')}.${b64(claims)}`;
    const signer = buildSigningKey({ alg: 'ES256', jwk: await jose.exportJWK(pair.privateKey) });
    await rejects(verifyClientAssertion(`${input}.${signJws(signer, input).toString('base64url')}`, opts()), 'AUTH_003', /duplicate/);
    await rejects(verifyClientAssertion(await assertion({ pad: 'x'.repeat(9000) }), opts()), 'AUTH_003', /exceeds/);
    await rejects(verifyClientAssertion(await assertion({}, { kid: 'c2' }), opts()), 'AUTH_001', /unknown kid/);
    await rejects(verifyClientAssertion('not.a.jwt', opts()), 'AUTH_003');
  });

  it('a client jwks_uri that cannot be fetched is 503 AUTH_011, not a wrong client', async () => {
    const server = http.createServer((req, res) => { res.writeHead(500); res.end(); });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      const keys = new JwksKeyResolver({ url: `http://127.0.0.1:${server.address().port}/jwks`, algorithms: ['ES256'] });
      const e = await verifyClientAssertion(await assertion(), opts({ keys })).then(() => undefined, (err) => err);
      assert.strictEqual(e.code, 'AUTH_011');
    } finally {
      server.close();
    }
  });

  it('configuration errors are plain Errors, not verdicts on the client', async () => {
    const a = await assertion();
    await assert.rejects(verifyClientAssertion(a, { ...opts(), clientId: '' }), (e) => !(e instanceof AuthError) && /clientId/.test(e.message));
    await assert.rejects(verifyClientAssertion(a, { ...opts(), audience: [] }), (e) => !(e instanceof AuthError) && /audience/.test(e.message));
    await assert.rejects(verifyClientAssertion(a, opts({ leewaySec: 3600 })), (e) => !(e instanceof AuthError) && /leewaySec/.test(e.message));
  });
});
