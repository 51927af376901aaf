'use strict';
// JWK publication (lib/jwt/jwk.ts): public JWKs, RFC 7638 thumbprint kids, JWK Sets —
// checked by jose and consumed over real HTTP by our JWKS resolver and by jose's.
const assert = require('assert');
const crypto = require('crypto');
const http = require('http');
const {
  publicJwkOf, jwkThumbprintOf, withThumbprintKid, jwkSetOf,
  buildSigningKey, buildVerificationKey, verificationKeyFor, signJwt, JwtVerifier, JwksKeyResolver,
} = require('../../../dist/lib/jwt');

const pem = (k) => k.export({ type: k.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' });
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const now = Math.floor(Date.now() / 1000);
const claims = () => ({ sub: 'svc', iat: now, exp: now + 300, jti: crypto.randomUUID() });

describe('lib/jwt JWK publication', () => {
  let jose;
  before(async () => {
    jose = await import('jose');
  });

  const cases = [
    ['RS256', crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), 'RSA'],
    ['PS384', crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), 'RSA'],
    ['ES256', crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'EC'],
    ['ES512', crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' }), 'EC'],
    ['EdDSA', crypto.generateKeyPairSync('ed25519'), 'OKP'],
  ];
  for (const [alg, kp, kty] of cases) {
    it(`${alg}: the public JWK of a signing key has public members only, alg and use; jose verifies with it`, async () => {
      const signing = buildSigningKey({ alg, pem: pem(kp.privateKey), kid: 'main' });
      const jwk = await publicJwkOf(signing);
      assert.strictEqual(jwk.kty, kty);
      assert.strictEqual(jwk.alg, alg);
      assert.strictEqual(jwk.use, 'sig');
      assert.strictEqual(jwk.kid, 'main');
      for (const m of PRIVATE_MEMBERS) assert.ok(!(m in jwk), `private member ${m} published`);
      assert.deepStrictEqual(await publicJwkOf(verificationKeyFor(signing)), jwk, 'the same JWK from either half');
      const token = signJwt(claims(), signing);
      await jose.jwtVerify(token, await jose.importJWK(jwk, alg), { algorithms: [alg] });
    });
  }

  it('an HS secret is never published, and keys must be bound keys', async () => {
    const hs = buildSigningKey({ alg: 'HS256', secret: crypto.randomBytes(32) });
    await assert.rejects(publicJwkOf(hs), /never published/);
    await assert.rejects(jwkSetOf([hs]), /never published/);
    await assert.rejects(publicJwkOf({ alg: 'RS256', key: crypto.generateKeyPairSync('ed25519').publicKey }), /buildSigningKey/);
  });

  it('withThumbprintKid: the RFC 7638 thumbprint becomes the kid, the same for both halves; tokens carry it', async () => {
    const kp = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signing = await withThumbprintKid(buildSigningKey({ alg: 'ES256', pem: pem(kp.privateKey) }));
    const expected = await jose.calculateJwkThumbprint(kp.publicKey.export({ format: 'jwk' }));
    assert.strictEqual(signing.kid, expected);
    assert.strictEqual(signing.purpose, 'sign');
    assert.ok(Object.isFrozen(signing));
    assert.strictEqual((await withThumbprintKid(buildVerificationKey({ alg: 'ES256', pem: pem(kp.publicKey) }))).kid, expected);
    assert.strictEqual(await jwkThumbprintOf(signing), expected);
    const header = JSON.parse(Buffer.from(signJwt(claims(), signing).split('.')[0], 'base64url'));
    assert.strictEqual(header.kid, expected);
  });

  it('jwkSetOf: several keys need distinct kids (a verifier must never guess)', async () => {
    const a = buildSigningKey({ alg: 'EdDSA', pem: pem(crypto.generateKeyPairSync('ed25519').privateKey) });
    const b = buildSigningKey({ alg: 'EdDSA', pem: pem(crypto.generateKeyPairSync('ed25519').privateKey) });
    assert.strictEqual((await jwkSetOf([a])).keys.length, 1, 'one kid-less key is unambiguous');
    await assert.rejects(jwkSetOf([a, b]), /every key needs a kid/);
    const ka = await withThumbprintKid(a);
    await assert.rejects(jwkSetOf([ka, ka]), /used twice/);
    await assert.rejects(jwkSetOf([]), /at least one/);
  });

  describe('a published set, served over HTTP (key rotation)', () => {
    let server;
    let url;
    let body;
    beforeEach(async () => {
      server = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
        res.end(body);
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${server.address().port}/jwks`;
    });
    afterEach(() => {
      server.closeAllConnections();
      server.close();
    });

    it('the current and the next key both verify, by kid, in our resolver and in jose', async () => {
      const current = await withThumbprintKid(buildSigningKey({ alg: 'ES256', pem: pem(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) }));
      const next = await withThumbprintKid(buildSigningKey({ alg: 'RS256', pem: pem(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey) }));
      body = JSON.stringify(await jwkSetOf([current, next]));
      const ours = new JwtVerifier({ keys: new JwksKeyResolver({ url, algorithms: ['ES256', 'RS256'] }) });
      const theirs = jose.createRemoteJWKSet(new URL(url));
      for (const k of [current, next]) {
        const t = signJwt(claims(), k);
        assert.strictEqual((await ours.verify(t)).header.kid, k.kid);
        assert.strictEqual((await jose.jwtVerify(t, theirs)).protectedHeader.kid, k.kid);
      }
    });
  });
});
