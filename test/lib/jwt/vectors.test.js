'use strict';
// Published vectors (test/lib/jwt/vectors.js): RFC 7520 §4.1–§4.4, RFC 8037 A.3/A.4,
// RFC 7638 §3.1. Each is checked by our synchronous core and by jose, independently.
const assert = require('assert');
const jwt = require('../../../dist/lib/jwt');
const V = require('./vectors');

const { buildVerificationKey, buildSigningKey, verifyJwsSignature, signJws, JwtVerifier, jwkThumbprintOf, publicJwkOf } = jwt;

const publicPart = (jwk) => {
  const { d, p, q, dp, dq, qi, k, ...pub } = jwk;
  return jwk.kty === 'oct' ? { ...pub, k } : pub;
};
const split = (compact) => {
  const [h, p, s] = compact.split('.');
  return { signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url'), header: JSON.parse(Buffer.from(h, 'base64url')) };
};
/** One bit of the signature flipped. */
const tamper = (sig) => {
  const t = Buffer.from(sig);
  t[t.length >> 1] ^= 1;
  return t;
};

describe('lib/jwt published vectors', () => {
  let jose;
  before(async () => {
    jose = await import('jose');
  });

  describe('RFC 7520 §4 JWS examples', () => {
    for (const [name, v] of Object.entries(V.RFC7520_JWS)) {
      describe(`§${name}`, () => {
        const { signingInput, signature, header } = split(v.compact);
        const key = buildVerificationKey({ alg: v.alg, ...(v.alg === 'HS256' ? { jwk: v.key } : { jwk: publicPart(v.key) }) });

        it('the header names the alg and the RFC kid; the payload is the RFC text', () => {
          assert.deepStrictEqual(header, { alg: v.alg, kid: v.key.kid });
          assert.strictEqual(Buffer.from(v.compact.split('.')[1], 'base64url').toString('utf8'), V.RFC7520_PAYLOAD);
          assert.strictEqual(key.kid, v.key.kid, 'kid taken from the JWK');
        });

        it('our core verifies the signature; one flipped bit fails it', () => {
          assert.strictEqual(verifyJwsSignature(key, signingInput, signature), true);
          assert.strictEqual(verifyJwsSignature(key, signingInput, tamper(signature)), false);
          assert.strictEqual(verifyJwsSignature(key, signingInput.replace('SXTigJlz', 'SXTigJl6'), signature), false);
        });

        it('jose verifies it too, with the same key', async () => {
          const k = await jose.importJWK(v.alg === 'HS256' ? v.key : publicPart(v.key), v.alg);
          const { payload, protectedHeader } = await jose.compactVerify(v.compact, k, { algorithms: [v.alg] });
          assert.strictEqual(new TextDecoder().decode(payload), V.RFC7520_PAYLOAD);
          assert.strictEqual(protectedHeader.kid, v.key.kid);
        });

        if (v.deterministic) {
          it('signing the same input with the RFC private key gives the RFC signature', () => {
            const signing = buildSigningKey({ alg: v.alg, jwk: v.key });
            assert.strictEqual(signJws(signing, signingInput).toString('base64url'), v.compact.split('.')[2]);
          });
        } else {
          it('our fresh signature (randomized alg) verifies with the RFC public key, by both', async () => {
            const signing = buildSigningKey({ alg: v.alg, jwk: v.key });
            const sig = signJws(signing, signingInput);
            assert.notStrictEqual(sig.toString('base64url'), v.compact.split('.')[2]);
            assert.strictEqual(verifyJwsSignature(key, signingInput, sig), true);
            const k = await jose.importJWK(publicPart(v.key), v.alg);
            await jose.compactVerify(`${signingInput}.${sig.toString('base64url')}`, k, { algorithms: [v.alg] });
          });
        }

        it('the JWT layer refuses it: the payload is text, not a claims object (RFC 7519 §7.2 step 10)', async () => {
          await assert.rejects(new JwtVerifier({ keys: [key] }).verify(v.compact), (e) => e.code === 'AUTH_003' && /JSON object|UTF-8 JSON/.test(e.reason));
        });
      });
    }

    it('the RFC 7520 keys are bound to their alg: the §4.1 RSA key does not verify the §4.2 PS384 example', () => {
      const rs = buildVerificationKey({ alg: 'RS256', jwk: publicPart(V.RFC7520_RSA) });
      const { signingInput, signature } = split(V.RFC7520_JWS['4.2 PS384'].compact);
      assert.strictEqual(verifyJwsSignature(rs, signingInput, signature), false);
    });
  });

  describe('RFC 8037 Appendix A (Ed25519)', () => {
    const pub = publicPart(V.RFC8037_ED25519);
    const key = buildVerificationKey({ alg: 'EdDSA', jwk: pub });
    const { signingInput, signature } = split(V.RFC8037_A4.compact);

    it('A.4: our core verifies the signature of "Example of Ed25519 signing"', () => {
      assert.strictEqual(Buffer.from(V.RFC8037_A4.compact.split('.')[1], 'base64url').toString(), V.RFC8037_A4.payload);
      assert.strictEqual(verifyJwsSignature(key, signingInput, signature), true);
      assert.strictEqual(verifyJwsSignature(key, signingInput, tamper(signature)), false);
    });

    it('A.4: signing with the A.1 private key reproduces the signature (Ed25519 is deterministic)', () => {
      const signing = buildSigningKey({ alg: 'EdDSA', jwk: V.RFC8037_ED25519 });
      assert.strictEqual(signJws(signing, signingInput).toString('base64url'), V.RFC8037_A4.compact.split('.')[2]);
    });

    it('A.4: jose verifies it too', async () => {
      const { payload } = await jose.compactVerify(V.RFC8037_A4.compact, await jose.importJWK(pub, 'EdDSA'), { algorithms: ['EdDSA'] });
      assert.strictEqual(new TextDecoder().decode(payload), V.RFC8037_A4.payload);
    });

    it('A.3: the thumbprint of the key, from its public and from its private form', async () => {
      assert.strictEqual(await jwkThumbprintOf(key), V.RFC8037_THUMBPRINT);
      assert.strictEqual(await jwkThumbprintOf(buildSigningKey({ alg: 'EdDSA', jwk: V.RFC8037_ED25519 })), V.RFC8037_THUMBPRINT);
      assert.strictEqual(await jose.calculateJwkThumbprint(pub), V.RFC8037_THUMBPRINT);
    });
  });

  describe('RFC 7638 §3.1', () => {
    it('the thumbprint of the RFC 7517 A.1 RSA key', async () => {
      const key = buildVerificationKey({ alg: 'RS256', jwk: V.RFC7638_RSA });
      assert.strictEqual(key.kid, '2011-04-29');
      assert.strictEqual(await jwkThumbprintOf(key), V.RFC7638_THUMBPRINT);
      // kid, alg and use are published but are not part of the thumbprint (RFC 7638 §3.2).
      const jwk = await publicJwkOf(key);
      assert.deepStrictEqual(jwk, { kty: 'RSA', n: V.RFC7638_RSA.n, e: 'AQAB', alg: 'RS256', use: 'sig', kid: '2011-04-29' });
      assert.strictEqual(await jose.calculateJwkThumbprint(jwk), V.RFC7638_THUMBPRINT);
    });
  });
});
