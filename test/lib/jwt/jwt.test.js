'use strict';
// lib/jwt: keys, verification (SECURITY-CASES.md J1–J13), JWKS, signing, Bearer extraction.
const assert = require('assert');
const crypto = require('crypto');
const http = require('http');
const fc = require('fast-check');
const jwt = require('../../../dist/lib/jwt');
const { AuthError, InvalidCredentialsError } = require('../../../dist/lib/errors');

const {
  buildVerificationKey, buildSigningKey, verificationKeyFor, JwtVerifier, StaticKeyResolver,
  JwksKeyResolver, parseJwks, signJwt, signJws, newTokenId, extractBearer, findDuplicateMember,
} = jwt;

// ---------------------------------------------------------------- helpers

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8').toString('base64url');
const NOW = 1_700_000_000; // seconds
const clock = (sec = NOW) => () => sec * 1000;

/** A token from raw header/payload text, HMAC-signed: for shapes signJwt will not produce. */
function hsRaw(headerText, payloadText, secret, hash = 'sha256') {
  const input = b64(headerText) + '.' + b64(payloadText);
  return input + '.' + crypto.createHmac(hash, secret).update(input).digest('base64url');
}

/** A token from a raw header/payload with any bound signing key. */
function rawSigned(header, payload, signingKey) {
  const input = b64(header) + '.' + b64(payload);
  return input + '.' + signJws(signingKey, input).toString('base64url');
}

async function rejects(promise, code, reason) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'expected a rejection');
  assert.ok(err instanceof AuthError, `expected an AuthError, got ${err && err.stack}`);
  assert.strictEqual(err.code, code, `code (reason: ${err.reason})`);
  if (reason) assert.match(err.reason, reason);
  return err;
}
const rejectsToken = async (p, code, reason) => {
  const e = await rejects(p, code, reason);
  assert.strictEqual(e.oauthError, 'invalid_token');
  assert.strictEqual(e.status, 401);
  return e;
};

/** A key server that cannot answer: 503 AUTH_011 (fail closed), not a verdict on the token. */
const rejectsUnavailable = async (p, reason) => {
  const e = await rejects(p, 'AUTH_011', reason);
  assert.strictEqual(e.status, 503);
  return e;
};

const SECRET = crypto.randomBytes(32);
const hsSign = buildSigningKey({ alg: 'HS256', secret: SECRET });
const hsVerify = buildVerificationKey({ alg: 'HS256', secret: SECRET });
const claimsOk = (extra = {}) => ({ sub: 'alice', iat: NOW - 10, exp: NOW + 300, ...extra });
const verifier = (opts = {}) => new JwtVerifier({ keys: [hsVerify], now: clock(), ...opts });

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPubPem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
const rsaPrivPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' });
const ec256 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ec521 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed25519 = crypto.generateKeyPairSync('ed25519');
const ed448 = crypto.generateKeyPairSync('ed448');
const pem = (k) => k.export({ type: k.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' });

// ---------------------------------------------------------------- RFC 7515 vectors

const A1_KEY = 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow';
const A_PAYLOAD = 'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ';
const A1_HEADER = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9';
const A1_SIG = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const A1 = `${A1_HEADER}.${A_PAYLOAD}.${A1_SIG}`;
const A_EXP = 1300819380;
const A2 = 'eyJhbGciOiJSUzI1NiJ9.' + A_PAYLOAD + '.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw';
const A2_PUB = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofgWCuLjybRlzo0tZWJj
NiuSfb4p4fAkd/wWJcyQoTbji9k0l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEz
P1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo
9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTB
EMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxX
FvUK+DWNmoudF8NAco9/h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp
oQIDAQAB
-----END PUBLIC KEY-----`;
const A3 = 'eyJhbGciOiJFUzI1NiJ9.' + A_PAYLOAD + '.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q';
const A3_JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
const A5 = 'eyJhbGciOiJub25lIn0.' + A_PAYLOAD + '.';
const before2011 = clock(A_EXP - 3600);

describe('lib/jwt', () => {
  describe('RFC 7515 Appendix A vectors', () => {
    const a1Key = buildVerificationKey({ alg: 'HS256', secret: 'base64url:' + A1_KEY });

    it('A.1 HS256 verifies with a clock before exp', async () => {
      const { header, claims } = await new JwtVerifier({ keys: [a1Key], now: before2011 }).verify(A1);
      assert.deepStrictEqual(header, { typ: 'JWT', alg: 'HS256' });
      assert.deepStrictEqual(claims, { iss: 'joe', exp: A_EXP, 'http://example.com/is_root': true });
    });

    it('A.1 HS256 is refused as expired (AUTH_002) after exp', async () => {
      const v = new JwtVerifier({ keys: [a1Key], now: clock(A_EXP + 31) });
      await rejectsToken(v.verify(A1), 'AUTH_002');
      // With the real clock as well: the injected clock is what rules.
      await rejectsToken(new JwtVerifier({ keys: [a1Key] }).verify(A1), 'AUTH_002');
    });

    it('A.1 signing input gives the RFC signature', () => {
      const k = buildSigningKey({ alg: 'HS256', secret: 'base64url:' + A1_KEY });
      assert.strictEqual(signJws(k, `${A1_HEADER}.${A_PAYLOAD}`).toString('base64url'), A1_SIG);
    });

    it('A.2 RS256 verifies', async () => {
      const k = buildVerificationKey({ alg: 'RS256', pem: A2_PUB });
      const { claims } = await new JwtVerifier({ keys: [k], now: before2011 }).verify(A2);
      assert.strictEqual(claims.iss, 'joe');
    });

    it('A.3 ES256 verifies (JWK key, JOSE r||s signature)', async () => {
      const k = buildVerificationKey({ alg: 'ES256', jwk: A3_JWK });
      const { claims } = await new JwtVerifier({ keys: [k], now: before2011 }).verify(A3);
      assert.strictEqual(claims.iss, 'joe');
    });

    it('A.5 unsecured JWS (alg none) is refused', async () => {
      await rejectsToken(new JwtVerifier({ keys: [a1Key], now: before2011 }).verify(A5), 'AUTH_001', /none/);
    });
  });

  describe('J1 alg none', () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      it(`"${alg}" with an empty signature is refused`, async () => {
        const t = b64({ alg }) + '.' + b64(claimsOk()) + '.';
        await rejectsToken(verifier().verify(t), 'AUTH_001', /none/);
      });
      it(`"${alg}" with a signature is refused`, async () => {
        await rejectsToken(verifier().verify(hsRaw(JSON.stringify({ alg }), JSON.stringify(claimsOk()), SECRET)), 'AUTH_001');
      });
    }
    it('an empty signature with alg HS256 is refused', async () => {
      const t = b64({ alg: 'HS256' }) + '.' + b64(claimsOk()) + '.';
      await rejectsToken(verifier().verify(t), 'AUTH_001', /empty signature/);
    });
  });

  describe('J2 RS256→HS256 confusion', () => {
    const rsVerify = buildVerificationKey({ alg: 'RS256', pem: rsaPubPem });

    it('a token HMAC-signed with the public key PEM is refused', async () => {
      for (const secret of [rsaPubPem, Buffer.from(rsaPubPem), rsa.publicKey.export({ type: 'spki', format: 'der' })]) {
        const t = hsRaw('{"alg":"HS256"}', JSON.stringify(claimsOk()), secret);
        await rejectsToken(new JwtVerifier({ keys: [rsVerify], now: clock() }).verify(t), 'AUTH_001');
      }
    });

    it('a public key can never become an HMAC secret', () => {
      assert.throws(() => buildVerificationKey({ alg: 'HS256', secret: rsaPubPem }), /PEM/);
      assert.throws(() => buildVerificationKey({ alg: 'HS256', secret: Buffer.from(rsaPubPem) }), /PEM/);
      assert.throws(() => buildVerificationKey({ alg: 'HS256', secret: rsa.publicKey.export({ type: 'spki', format: 'der' }) }), /DER/);
      assert.throws(() => buildVerificationKey({ alg: 'HS256', pem: rsaPubPem }), /never a PEM/);
      assert.throws(() => buildVerificationKey({ alg: 'HS256', jwk: rsa.publicKey.export({ format: 'jwk' }) }), /oct/);
    });

    it('a secret can never become an RSA key', () => {
      assert.throws(() => buildVerificationKey({ alg: 'RS256', secret: SECRET }), /never a secret/);
    });

    it('each key is bound to one alg: an RS256 key does not verify RS512 or PS256', async () => {
      const rs512 = buildSigningKey({ alg: 'RS512', pem: rsaPrivPem });
      const ps256 = buildSigningKey({ alg: 'PS256', pem: rsaPrivPem });
      const v = new JwtVerifier({ keys: [rsVerify], now: clock() });
      await rejectsToken(v.verify(signJwt(claimsOk(), rs512)), 'AUTH_001', /no key/);
      await rejectsToken(v.verify(signJwt(claimsOk(), ps256)), 'AUTH_001', /no key/);
    });

    it('a resolver returning a key for another alg is refused', async () => {
      const lying = { resolve: async () => rsVerify };
      await rejectsToken(new JwtVerifier({ keys: lying, now: clock() }).verify(signJwt(claimsOk(), hsSign)), 'AUTH_001', /does not match/);
    });
  });

  describe('J3 algorithm allowlist', () => {
    for (const alg of ['HS1', 'hs256', 'RS1', 'ES256K', 'HS256 ', 'A128KW', 'dir']) {
      it(`header alg ${JSON.stringify(alg)} is refused`, async () => {
        await rejectsToken(verifier().verify(hsRaw(JSON.stringify({ alg }), JSON.stringify(claimsOk()), SECRET)), 'AUTH_001', /unsupported alg/);
      });
    }
    it('a non-string alg is refused', async () => {
      await rejectsToken(verifier().verify(hsRaw('{"alg":["HS256"]}', JSON.stringify(claimsOk()), SECRET)), 'AUTH_003');
      await rejectsToken(verifier().verify(hsRaw('{"typ":"JWT"}', JSON.stringify(claimsOk()), SECRET)), 'AUTH_003');
    });
    it('a key whose type does not fit the alg is refused at configuration', () => {
      assert.throws(() => buildVerificationKey({ alg: 'RS256', pem: pem(ec256.publicKey) }), /RSA/);
      assert.throws(() => buildVerificationKey({ alg: 'ES256', pem: pem(ec384.publicKey) }), /prime256v1/);
      assert.throws(() => buildVerificationKey({ alg: 'ES384', pem: pem(ec256.publicKey) }), /secp384r1/);
      assert.throws(() => buildVerificationKey({ alg: 'EdDSA', pem: rsaPubPem }), /Ed25519/);
      assert.throws(() => buildVerificationKey({ alg: 'ES256', pem: pem(ed25519.publicKey) }), /EC key/);
      assert.throws(() => buildVerificationKey({ alg: 'none', secret: SECRET }), /alg/);
      const small = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
      assert.throws(() => buildVerificationKey({ alg: 'RS256', pem: pem(small.publicKey) }), /2048/);
    });
    it('a token whose alg differs from its key (ES384 header on an ES256 key) is refused', async () => {
      const k = buildVerificationKey({ alg: 'ES256', pem: pem(ec256.publicKey), kid: 'e' });
      const s = buildSigningKey({ alg: 'ES384', pem: pem(ec384.privateKey), kid: 'e' });
      await rejectsToken(new JwtVerifier({ keys: [k], now: clock() }).verify(signJwt(claimsOk(), s)), 'AUTH_001');
    });
  });

  describe('J4 kid is an opaque lookup key', () => {
    const k1s = buildSigningKey({ alg: 'HS256', secret: SECRET, kid: 'k1' });
    const other = crypto.randomBytes(32);
    const keys = [
      buildVerificationKey({ alg: 'HS256', secret: SECRET, kid: 'k1' }),
      buildVerificationKey({ alg: 'HS256', secret: other, kid: 'k2' }),
    ];
    const v = new JwtVerifier({ keys, now: clock() });

    it('the configured kid verifies', async () => {
      const { header } = await v.verify(signJwt(claimsOk(), k1s));
      assert.strictEqual(header.kid, 'k1');
    });
    for (const kid of ['../../dev/null', "' OR 1=1--", '__proto__', 'constructor', 'k1 ', 'K1', '', 'k1\u0000']) {
      it(`unknown kid ${JSON.stringify(kid)} → 401`, async () => {
        await rejectsToken(v.verify(signJwt(claimsOk(), k1s, { kid })), 'AUTH_001', /unknown kid/);
      });
    }
    it('a 10 kB kid is refused by size by default, and as unknown when the size cap allows it', async () => {
      const kid = 'x'.repeat(10 * 1024);
      const t = signJwt(claimsOk(), k1s, { kid });
      await rejectsToken(v.verify(t), 'AUTH_003', /exceeds/);
      const big = new JwtVerifier({ keys, now: clock(), maxLength: 64 * 1024 });
      const e = await rejectsToken(big.verify(t), 'AUTH_001', /unknown kid/);
      assert.ok(e.reason.length < 200, 'reason stays short');
    });
    it('the right kid with the wrong key fails the signature', async () => {
      await rejectsToken(v.verify(signJwt(claimsOk(), k1s, { kid: 'k2' })), 'AUTH_001', /signature/);
    });
    it('a non-string kid is malformed', async () => {
      await rejectsToken(v.verify(hsRaw('{"alg":"HS256","kid":1}', JSON.stringify(claimsOk()), SECRET)), 'AUTH_003');
    });
    it('a resolver receives the kid verbatim', async () => {
      const seen = [];
      const resolver = { resolve: async (kid, alg) => { seen.push([kid, alg]); return undefined; } };
      await rejectsToken(new JwtVerifier({ keys: resolver, now: clock() }).verify(signJwt(claimsOk(), k1s, { kid: "' OR 1=1--" })), 'AUTH_001');
      assert.deepStrictEqual(seen, [["' OR 1=1--", 'HS256']]);
    });
    it('a resolver that fails unexpectedly is not disguised as a bad token (issue 11 defect 4: 503 + log upstream)', async () => {
      const broken = { resolve: async () => { throw new TypeError('bug in a resolver'); } };
      const err = await new JwtVerifier({ keys: broken, now: clock() }).verify(signJwt(claimsOk(), k1s)).then(() => undefined, (e) => e);
      assert.ok(err instanceof TypeError && !(err instanceof AuthError), `got ${err}`);
    });
    it('a kid-less key (a pasted PEM) serves tokens of its alg whatever their kid; a kid-less token never matches a kid-bearing key', async () => {
      const { claims } = await verifier().verify(signJwt(claimsOk(), k1s));
      assert.strictEqual(claims.sub, 'alice');
      await rejectsToken(v.verify(signJwt(claimsOk(), hsSign)), 'AUTH_001', /without kid/);
      // The alg binding still holds for the kid-less key.
      const hs384 = buildSigningKey({ alg: 'HS384', secret: crypto.randomBytes(48), kid: 'k1' });
      await rejectsToken(verifier().verify(signJwt(claimsOk(), hs384)), 'AUTH_001');
    });
    it('two kid-less keys for one alg are ambiguous and refused', async () => {
      const two = new JwtVerifier({ keys: [hsVerify, buildVerificationKey({ alg: 'HS256', secret: other })], now: clock() });
      await rejectsToken(two.verify(signJwt(claimsOk(), hsSign)), 'AUTH_001');
    });
  });

  describe('J5 header-supplied keys are ignored', () => {
    it('an embedded jwk of the attacker\'s key is not used', async () => {
      const attacker = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const s = buildSigningKey({ alg: 'ES256', pem: pem(attacker.privateKey) });
      const header = { alg: 'ES256', jwk: attacker.publicKey.export({ format: 'jwk' }) };
      const t = rawSigned(header, claimsOk(), s);
      await rejectsToken(verifier().verify(t), 'AUTH_001');
      const legit = buildVerificationKey({ alg: 'ES256', pem: pem(ec256.publicKey) });
      await rejectsToken(new JwtVerifier({ keys: [legit], now: clock() }).verify(t), 'AUTH_001', /signature/);
    });

    it('jku / x5u are never fetched; x5c is never used', async () => {
      let hits = 0;
      const server = http.createServer((req, res) => { hits++; res.end('{"keys":[]}'); });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${server.address().port}/jwks`;
      try {
        const attacker = crypto.randomBytes(32);
        for (const extra of [{ jku: url }, { x5u: url }, { x5c: ['MIIB'] }]) {
          const forged = hsRaw(JSON.stringify({ alg: 'HS256', ...extra }), JSON.stringify(claimsOk()), attacker);
          await rejectsToken(verifier().verify(forged), 'AUTH_001', /signature/);
          // Signed with our key, the extra header is simply ignored.
          const ok = rawSigned({ alg: 'HS256', ...extra }, claimsOk(), hsSign);
          assert.strictEqual((await verifier().verify(ok)).claims.sub, 'alice');
        }
        await new Promise((r) => setTimeout(r, 50));
        assert.strictEqual(hits, 0);
      } finally {
        server.close();
      }
    });
  });

  describe('J6 time claims (injected clock, leeway L = 30 s by default)', () => {
    const L = 30;
    const v = verifier();
    const tok = (c) => signJwt(c, hsSign);

    it('exp = now − L is refused (on or after)', async () => {
      await rejectsToken(v.verify(tok({ exp: NOW - L })), 'AUTH_002', /expired/);
    });
    it('exp = now − L + 1 is accepted', async () => {
      await v.verify(tok({ exp: NOW - L + 1 }));
    });
    it('nbf = now + L + 1 is refused; nbf = now + L is accepted', async () => {
      await rejectsToken(v.verify(tok({ exp: NOW + 600, nbf: NOW + L + 1 })), 'AUTH_001', /not valid before/);
      await v.verify(tok({ exp: NOW + 600, nbf: NOW + L }));
    });
    it('a string exp is refused', async () => {
      await rejectsToken(v.verify(tok({ exp: String(NOW + 600) })), 'AUTH_003', /NumericDate/);
      await rejectsToken(v.verify(tok({ exp: null })), 'AUTH_003', /NumericDate/);
      await rejectsToken(v.verify(tok({ exp: NOW + 600, nbf: 'soon' })), 'AUTH_003');
      await rejectsToken(v.verify(tok({ exp: NOW + 600, iat: true })), 'AUTH_003');
    });
    it('a missing exp is refused by default, accepted with requireExp: false', async () => {
      await rejectsToken(v.verify(tok({ sub: 'a' })), 'AUTH_001', /exp claim missing/);
      await verifier({ requireExp: false }).verify(tok({ sub: 'a' }));
    });
    it('an iat in the future beyond L is refused', async () => {
      await rejectsToken(v.verify(tok({ exp: NOW + 600, iat: NOW + L + 1 })), 'AUTH_001', /iat/);
      await v.verify(tok({ exp: NOW + 600, iat: NOW + L }));
    });
    it('maxTokenAge caps token age and needs iat', async () => {
      const m = verifier({ maxTokenAgeSec: 600 });
      await m.verify(tok({ exp: NOW + 600, iat: NOW - 600 }));
      await rejectsToken(m.verify(tok({ exp: NOW + 600, iat: NOW - 600 - L - 1 })), 'AUTH_002', /maxTokenAge/);
      await rejectsToken(m.verify(tok({ exp: NOW + 600 })), 'AUTH_001', /iat/);
    });
    it('leeway 0: exp = now is refused, exp = now + 1 accepted', async () => {
      const z = verifier({ leewaySec: 0 });
      await rejectsToken(z.verify(tok({ exp: NOW })), 'AUTH_002');
      await z.verify(tok({ exp: NOW + 1 }));
    });
    it('the injected clock rules, not the system clock', async () => {
      const t = tok({ exp: NOW + 60 });
      await verifier({ now: clock(NOW) }).verify(t);
      await rejectsToken(verifier({ now: clock(NOW + 3600) }).verify(t), 'AUTH_002');
    });
    it('bad configuration throws', () => {
      assert.throws(() => verifier({ leewaySec: -1 }), /leewaySec/);
      assert.throws(() => verifier({ maxTokenAgeSec: NaN }), /maxTokenAgeSec/);
    });
  });

  describe('J7 crit', () => {
    for (const crit of [['x-custom'], [], ['exp'], ['b64'], 'exp', null]) {
      it(`crit ${JSON.stringify(crit)} is refused`, async () => {
        const t = rawSigned({ alg: 'HS256', crit, 'x-custom': 1, b64: true, exp: NOW }, claimsOk(), hsSign);
        await rejectsToken(verifier().verify(t), 'AUTH_001', /crit/);
      });
    }
  });

  describe('J8 duplicate members', () => {
    const payload = JSON.stringify(claimsOk());
    it('{"alg":"HS256","alg":"none"} in the header is refused', async () => {
      await rejectsToken(verifier().verify(hsRaw('{"alg":"HS256","alg":"none"}', payload, SECRET)), 'AUTH_003', /duplicate header member "alg"/);
      await rejectsToken(verifier().verify(hsRaw('{"alg":"none","alg":"HS256"}', payload, SECRET)), 'AUTH_003', /duplicate/);
    });
    it('a duplicate claim is refused', async () => {
      const p = `{"sub":"alice","exp":${NOW + 60},"sub":"admin"}`;
      await rejectsToken(verifier().verify(hsRaw('{"alg":"HS256"}', p, SECRET)), 'AUTH_003', /duplicate payload member "sub"/);
    });
    it('a duplicate spelled with an escape is refused', async () => {
      await rejectsToken(verifier().verify(hsRaw('{"alg":"HS256","\\u0061lg":"HS256"}', payload, SECRET)), 'AUTH_003', /duplicate/);
    });
    it('a duplicate in a nested object is refused', async () => {
      const p = `{"exp":${NOW + 60},"cnf":{"jkt":"a","jkt":"b"}}`;
      await rejectsToken(verifier().verify(hsRaw('{"alg":"HS256"}', p, SECRET)), 'AUTH_003', /duplicate/);
    });
    it('the same name at different levels, in arrays, or inside strings is fine', async () => {
      const p = `{"exp":${NOW + 60},"a":{"a":{"a":1}},"l":[{"a":1},{"a":1}],"s":"{\\"exp\\":1,\\"exp\\":2}","e":"\\\\","exp2":1}`;
      const { claims } = await verifier().verify(hsRaw('{"alg":"HS256","x":{"alg":1}}', p, SECRET));
      assert.strictEqual(claims.s, '{"exp":1,"exp":2}');
    });
    it('findDuplicateMember: property — stringified objects never have duplicates', () => {
      fc.assert(fc.property(fc.jsonValue(), (v) => findDuplicateMember(JSON.stringify({ v })) === undefined), { numRuns: 300 });
    });
    it('findDuplicateMember: property — an injected duplicate is always found', () => {
      fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (obj, name) => {
        const json = JSON.stringify(obj);
        const inner = json === '{}' ? '' : json.slice(1, -1) + ',';
        const text = `{"wrap":{${inner}${JSON.stringify(name)}:1,${JSON.stringify(name)}:2}}`;
        return findDuplicateMember(text) !== undefined;
      }), { numRuns: 300 });
    });
  });

  describe('J9 size', () => {
    it('a token over 8 KiB is refused before any parsing', async () => {
      let calls = 0;
      const resolver = { resolve: async () => { calls++; return hsVerify; } };
      const v = new JwtVerifier({ keys: resolver, now: clock() });
      const t = signJwt(claimsOk({ pad: 'p'.repeat(7000) }), hsSign);
      assert.ok(t.length > 8192);
      await rejectsToken(v.verify(t), 'AUTH_003', /exceeds 8192/);
      await rejectsToken(v.verify('x'.repeat(8193)), 'AUTH_003', /exceeds/);
      assert.strictEqual(calls, 0);
    });
    it('a valid token just under 8 KiB is accepted', async () => {
      const t = signJwt(claimsOk({ pad: 'p'.repeat(5900) }), hsSign);
      assert.ok(t.length > 8000 && t.length <= 8192, String(t.length));
      await verifier().verify(t);
    });
  });

  describe('J10 malformed input gives 401, not 500', () => {
    const good = signJwt(claimsOk(), hsSign);
    const [h, p, s] = good.split('.');
    const cases = {
      '2 segments': `${h}.${p}`,
      '4 segments': `${good}.${s}`,
      '5 segments': `${good}.${s}.${s}`,
      '1 segment': h,
      'empty string': '',
      'empty header': `.${p}.${s}`,
      'empty payload': `${h}..${s}`,
      '= padding': `${h}.${p}.${s}=`,
      '= padding in header': `${h}=.${p}.${s}`,
      '+ character': `${h}.${p}.${s.slice(0, -2)}+A`,
      '/ character': `${h}.${p.slice(0, -1)}/.${s}`,
      'leading space': ` ${good}`,
      'trailing newline': `${good}\n`,
      'inner whitespace': `${h}. ${p}.${s}`,
      'non-ASCII': `${h}.${p}é.${s}`,
      'length ≡ 1 mod 4': `${h}.${p}A.${s}`,
      'header is an array': `${b64('[]')}.${p}.${s}`,
      'header is a string': `${b64('"HS256"')}.${p}.${s}`,
      'header is null': `${b64('null')}.${p}.${s}`,
      'payload is a number': hsRaw('{"alg":"HS256"}', '1300819380', SECRET),
      'payload is an array': hsRaw('{"alg":"HS256"}', '[{"exp":1}]', SECRET),
      'payload is text': hsRaw('{"alg":"HS256"}', 'hello', SECRET),
      'header is not JSON': `${b64('{"alg":"HS256"')}.${p}.${s}`,
      'payload is not UTF-8': `${h}.${Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}.${s}`,
    };
    for (const [name, token] of Object.entries(cases)) {
      it(name, async () => {
        await rejectsToken(verifier().verify(token), 'AUTH_003');
      });
    }
    it('a non-canonical base64url signature (stray trailing bits) is refused', async () => {
      const last = s[s.length - 1];
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const twin = [...alphabet].find((c) => c !== last &&
        Buffer.from(s.slice(0, -1) + c, 'base64url').equals(Buffer.from(s, 'base64url')));
      assert.ok(twin);
      await rejectsToken(verifier().verify(`${h}.${p}.${s.slice(0, -1)}${twin}`), 'AUTH_003', /canonical/);
    });
    it('non-string input', async () => {
      for (const t of [undefined, null, 42, {}, ['a.b.c']]) await rejectsToken(verifier().verify(t), 'AUTH_003');
    });

    describe('ES signatures', () => {
      const es = buildSigningKey({ alg: 'ES256', pem: pem(ec256.privateKey) });
      const ev = new JwtVerifier({ keys: [buildVerificationKey({ alg: 'ES256', pem: pem(ec256.publicKey) })], now: clock() });
      const t = signJwt(claimsOk(), es);
      const [eh, ep, esig] = t.split('.');
      const sig = Buffer.from(esig, 'base64url');

      it('the untouched ES256 token verifies', async () => { await ev.verify(t); });
      it('a truncated ES256 signature is refused', async () => {
        for (const n of [63, 32, 1]) {
          await rejectsToken(ev.verify(`${eh}.${ep}.${sig.subarray(0, n).toString('base64url')}`), 'AUTH_001', /signature/);
        }
      });
      it('a DER-encoded ES256 signature is refused (JOSE needs r||s)', async () => {
        const der = crypto.sign('sha256', Buffer.from(`${eh}.${ep}`), { key: ec256.privateKey, dsaEncoding: 'der' });
        await rejectsToken(ev.verify(`${eh}.${ep}.${der.toString('base64url')}`), 'AUTH_001');
      });
      it('ECDSA r = s = 0 (CVE-2022-21449) is refused', async () => {
        await rejectsToken(ev.verify(`${eh}.${ep}.${Buffer.alloc(64).toString('base64url')}`), 'AUTH_001', /signature/);
        const rZero = Buffer.concat([Buffer.alloc(32), sig.subarray(32)]);
        await rejectsToken(ev.verify(`${eh}.${ep}.${rZero.toString('base64url')}`), 'AUTH_001');
      });
    });

    it('property: any string is refused with an AuthError', async () => {
      const v = verifier();
      await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), async (str) => {
        try {
          await v.verify(str);
          return false;
        } catch (e) {
          return e instanceof AuthError && e.status === 401;
        }
      }), { numRuns: 300 });
    });
    it('property: any one-character change to a valid token is refused with an AuthError', async () => {
      const v = verifier();
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
      await fc.assert(fc.asyncProperty(fc.nat(good.length - 1), fc.constantFrom(...alphabet), async (i, c) => {
        fc.pre(good[i] !== c);
        const t = good.slice(0, i) + c + good.slice(i + 1);
        try {
          await v.verify(t);
          return false;
        } catch (e) {
          return e instanceof AuthError;
        }
      }), { numRuns: 300 });
    });
  });

  describe('J11 RFC 9068 access-token profile', () => {
    const REQUIRED = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
    const v = verifier({ typ: 'at+jwt', issuer: 'https://idp.example', audience: 'api://orders', requiredClaims: REQUIRED });
    const full = () => ({
      iss: 'https://idp.example', exp: NOW + 300, aud: 'api://orders', sub: 'alice',
      client_id: 'app1', iat: NOW - 5, jti: newTokenId(),
    });
    const at = (c, typ = 'at+jwt') => signJwt(c, hsSign, { typ });

    it('a complete at+jwt token verifies', async () => {
      const { header, claims } = await v.verify(at(full()));
      assert.strictEqual(header.typ, 'at+jwt');
      assert.strictEqual(claims.client_id, 'app1');
    });
    it('typ is compared case-insensitively, "application/" optional', async () => {
      await v.verify(at(full(), 'AT+JWT'));
      await v.verify(at(full(), 'application/at+jwt'));
      await v.verify(at(full(), 'Application/AT+JWT'));
    });
    it('another or a missing typ is refused', async () => {
      await rejectsToken(v.verify(at(full(), 'JWT')), 'AUTH_001', /typ/);
      await rejectsToken(v.verify(rawSigned({ alg: 'HS256' }, full(), hsSign)), 'AUTH_001', /typ/);
    });
    for (const name of REQUIRED) {
      it(`a missing ${name} is refused`, async () => {
        const c = full();
        delete c[name];
        await rejectsToken(v.verify(at(c)), 'AUTH_001', new RegExp(name));
      });
    }
    it('a wrong iss or aud is refused', async () => {
      await rejectsToken(v.verify(at({ ...full(), iss: 'https://evil.example' })), 'AUTH_001', /unexpected iss/);
      await rejectsToken(v.verify(at({ ...full(), aud: 'api://billing' })), 'AUTH_001', /unexpected aud/);
      await rejectsToken(v.verify(at({ ...full(), aud: ['api://billing', 'x'] })), 'AUTH_001', /aud/);
      await rejectsToken(v.verify(at({ ...full(), aud: [] })), 'AUTH_001', /aud/);
    });
    it('aud as an array containing ours is accepted; several issuers/audiences can be configured', async () => {
      await v.verify(at({ ...full(), aud: ['api://billing', 'api://orders'] }));
      const multi = verifier({ issuer: ['a', 'https://idp.example'], audience: ['x', 'api://orders'] });
      await multi.verify(at(full()));
    });
    it('registered claims of the wrong type are malformed', async () => {
      await rejectsToken(v.verify(at({ ...full(), iss: 1 })), 'AUTH_003', /iss/);
      await rejectsToken(v.verify(at({ ...full(), aud: ['api://orders', 1] })), 'AUTH_003', /aud/);
      await rejectsToken(v.verify(at({ ...full(), sub: { id: 1 } })), 'AUTH_003', /sub/);
    });
  });

  describe('J12 key length (RFC 7518 §3.2)', () => {
    for (const [alg, n] of [['HS256', 32], ['HS384', 48], ['HS512', 64]]) {
      it(`${alg} refuses ${n - 1} bytes and accepts ${n}`, () => {
        assert.throws(() => buildVerificationKey({ alg, secret: crypto.randomBytes(n - 1) }), new RegExp(`at least ${n} bytes`));
        assert.throws(() => buildSigningKey({ alg, secret: crypto.randomBytes(n - 1) }), /at least/);
        assert.strictEqual(buildVerificationKey({ alg, secret: crypto.randomBytes(n) }).alg, alg);
      });
    }
    it('counts decoded bytes for base64/base64url secrets and UTF-8 bytes otherwise', () => {
      assert.throws(() => buildVerificationKey({ alg: 'HS256', secret: 'base64url:' + crypto.randomBytes(31).toString('base64url') }), /at least 32/);
      assert.throws(() => buildVerificationKey({ alg: 'HS256', secret: 'secret' }), /at least 32/);
      buildVerificationKey({ alg: 'HS256', secret: 'base64:' + crypto.randomBytes(32).toString('base64') });
      buildVerificationKey({ alg: 'HS256', secret: 'é'.repeat(16) }); // 32 UTF-8 bytes
      assert.throws(() => buildVerificationKey({ alg: 'HS256', secret: 'base64:@@@@' }), /not valid base64/);
      assert.throws(() => buildVerificationKey({ alg: 'HS256', jwk: { kty: 'oct', k: crypto.randomBytes(16).toString('base64url') } }), /at least 32/);
    });
    it('a key error never echoes the secret', () => {
      const secret = 'short-secret-value';
      const err = (() => { try { buildVerificationKey({ alg: 'HS256', secret }); } catch (e) { return e; } })();
      assert.ok(!err.message.includes(secret));
      const pemErr = (() => { try { buildVerificationKey({ alg: 'RS256', pem: '-----BEGIN PUBLIC KEY-----\nTOPSECRETBYTES\n-----END PUBLIC KEY-----' }); } catch (e) { return e; } })();
      assert.ok(pemErr && !pemErr.message.includes('TOPSECRETBYTES'), pemErr && pemErr.message);
    });
  });

  describe('J13 extractBearer (RFC 6750 §2)', () => {
    const ok = (authorization, q, allowQuery = false) => extractBearer({ authorization, queryToken: q, allowQuery });
    const badRequest = (fn, reason) => {
      assert.throws(fn, (e) => {
        assert.ok(e instanceof AuthError);
        assert.strictEqual(e.code, 'AUTH_003');
        assert.strictEqual(e.status, 400);
        assert.strictEqual(e.oauthError, 'invalid_request');
        if (reason) assert.match(e.reason, reason);
        return true;
      });
    };

    it('no credentials → 401 without an error attribute (RFC 6750 §3.1)', () => {
      for (const h of [[], ['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='], ['Bearerxyz'], ['Bearerxyz abc'], ['Token abc']]) {
        assert.throws(() => ok(h), (e) => e instanceof InvalidCredentialsError && e.status === 401 && e.oauthError === undefined);
      }
    });
    it('the scheme is case-insensitive; one or more spaces', () => {
      for (const h of ['Bearer abc', 'bearer abc', 'BEARER abc', 'bEaReR abc', 'Bearer   abc']) assert.strictEqual(ok([h]), 'abc');
    });
    it('the b64token grammar is enforced', () => {
      assert.strictEqual(ok(['Bearer a-b.c_d~e+f/g==']), 'a-b.c_d~e+f/g==');
      for (const h of ['Bearer a b', 'Bearer =abc', 'Bearer ab=c', 'Bearer a,b', 'Bearer "abc"', 'Bearer a\tb', 'Bearer ', 'Bearer', 'Bearer\tabc', ' Bearer abc', 'Bearer: abc', '']) {
        badRequest(() => ok([h]));
      }
    });
    it('a repeated Authorization header → 400 invalid_request', () => {
      badRequest(() => ok(['Bearer abc', 'Bearer abc']), /repeated/);
    });
    it('header and query together → 400 invalid_request, even when the query is allowed', () => {
      badRequest(() => ok(['Bearer abc'], 'abc', true), /more than one method/);
      badRequest(() => ok(['Bearer abc'], 'abc', false));
    });
    it('access_token in the query is off unless allowed', () => {
      badRequest(() => ok([], 'abc', false), /disabled/);
      assert.strictEqual(ok([], 'abc', true), 'abc');
      assert.strictEqual(ok(['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='], 'abc', true), 'abc');
      badRequest(() => ok([], ['a', 'b'], true), /repeated/);
      badRequest(() => ok([], 'a b', true));
      badRequest(() => ok([], '', true));
    });
    it('property: any header value gives a b64token or an AuthError', () => {
      fc.assert(fc.property(fc.oneof(fc.string(), fc.string().map((s) => 'Bearer ' + s)), (h) => {
        try {
          return jwt.B64TOKEN.test(ok([h]));
        } catch (e) {
          return e instanceof AuthError;
        }
      }), { numRuns: 500 });
    });
  });

  describe('round trips with generated keys', () => {
    const pairs = [
      ['RS256', rsa], ['RS384', rsa], ['RS512', rsa], ['PS256', rsa], ['PS384', rsa], ['PS512', rsa],
      ['ES256', ec256], ['ES384', ec384], ['ES512', ec521], ['EdDSA', ed25519], ['EdDSA', ed448],
    ];
    for (const [alg, kp] of pairs) {
      it(`${alg} (${kp.publicKey.asymmetricKeyType}${kp.publicKey.asymmetricKeyDetails.namedCurve ? ' ' + kp.publicKey.asymmetricKeyDetails.namedCurve : ''}) via PEM and JWK`, async () => {
        const s = buildSigningKey({ alg, pem: pem(kp.privateKey), kid: 'k' });
        const viaPem = buildVerificationKey({ alg, pem: pem(kp.publicKey), kid: 'k' });
        const viaJwk = buildVerificationKey({ alg, jwk: { ...kp.publicKey.export({ format: 'jwk' }), kid: 'k', use: 'sig', alg } });
        const c = claimsOk({ scope: 'orders:read', jti: newTokenId() });
        const t = signJwt(c, s);
        for (const k of [viaPem, viaJwk]) {
          const { header, claims } = await new JwtVerifier({ keys: [k], now: clock() }).verify(t);
          assert.deepStrictEqual(header, { alg, typ: 'JWT', kid: 'k' });
          assert.deepStrictEqual(claims, c);
        }
        const [h, , sig] = t.split('.');
        const tampered = `${h}.${b64({ ...c, sub: 'admin' })}.${sig}`;
        await rejectsToken(new JwtVerifier({ keys: [viaPem], now: clock() }).verify(tampered), 'AUTH_001', /signature/);
      });
    }
    it('HS256/384/512 round trip, and verificationKeyFor pairs a signing key', async () => {
      for (const [alg, n] of [['HS256', 32], ['HS384', 48], ['HS512', 64]]) {
        const s = buildSigningKey({ alg, secret: crypto.randomBytes(n) });
        const { claims } = await new JwtVerifier({ keys: [verificationKeyFor(s)], now: clock() }).verify(signJwt(claimsOk(), s));
        assert.strictEqual(claims.sub, 'alice');
      }
      const rs = buildSigningKey({ alg: 'RS256', pem: rsaPrivPem });
      assert.strictEqual(verificationKeyFor(rs).key.type, 'public');
    });
  });

  describe('keys, signing, misc', () => {
    it('a verification key built from a private PEM holds only the public key', () => {
      assert.strictEqual(buildVerificationKey({ alg: 'RS256', pem: rsaPrivPem }).key.type, 'public');
    });
    it('signing needs a private key; bound keys are frozen', () => {
      assert.throws(() => buildSigningKey({ alg: 'RS256', pem: rsaPubPem }), /cannot read pem|private/);
      const k = buildVerificationKey({ alg: 'HS256', secret: SECRET });
      assert.ok(Object.isFrozen(k));
    });
    it('a JWK whose alg or use disagrees is refused', () => {
      const jwk = ec256.publicKey.export({ format: 'jwk' });
      assert.throws(() => buildVerificationKey({ alg: 'ES256', jwk: { ...jwk, alg: 'ES384' } }), /does not match/);
      assert.throws(() => buildVerificationKey({ alg: 'ES256', jwk: { ...jwk, use: 'enc' } }), /use/);
      assert.strictEqual(buildVerificationKey({ alg: 'ES256', jwk: { ...jwk, kid: 'from-jwk' } }).kid, 'from-jwk');
    });
    it('PS256 accepts an RSA-PSS key; RS256 does not', () => {
      const pss = crypto.generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
      buildVerificationKey({ alg: 'PS256', pem: pem(pss.publicKey) });
      assert.throws(() => buildVerificationKey({ alg: 'RS256', pem: pem(pss.publicKey) }), /RSA/);
    });
    it('the verifier refuses signing keys and empty key lists', () => {
      assert.throws(() => new JwtVerifier({ keys: [hsSign] }), /buildVerificationKey/);
      assert.throws(() => new JwtVerifier({ keys: [] }), /at least one key/);
      assert.ok(new StaticKeyResolver([hsVerify]));
    });
    it('signJwt sets alg/typ/kid and refuses non-object claims', () => {
      const t = signJwt({ a: 1 }, buildSigningKey({ alg: 'HS256', secret: SECRET, kid: 'main' }), { typ: 'at+jwt' });
      assert.deepStrictEqual(JSON.parse(Buffer.from(t.split('.')[0], 'base64url')), { alg: 'HS256', typ: 'at+jwt', kid: 'main' });
      assert.throws(() => signJwt([1], hsSign), /object/);
      assert.throws(() => signJwt({ a: 1 }, hsVerify), /buildSigningKey/);
    });
    it('newTokenId is 128 random bits in base64url', () => {
      const ids = new Set(Array.from({ length: 1000 }, newTokenId));
      assert.strictEqual(ids.size, 1000);
      for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    });
    it('AuthError reasons never contain the token', async () => {
      const t = signJwt(claimsOk({ exp: NOW - 100 }), hsSign);
      const e = await rejects(verifier().verify(t), 'AUTH_002');
      assert.ok(!e.reason.includes(t.split('.')[2]) && !e.message.includes(t.split('.')[1]));
    });
  });

  describe('JWKS (local http server)', () => {
    const rsa2 = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwkOf = (kp, extra) => ({ ...kp.publicKey.export({ format: 'jwk' }), use: 'sig', ...extra });
    const signer = (alg, kp, kid) => buildSigningKey({ alg, pem: pem(kp.privateKey), kid });
    const RSA1 = signer('RS256', rsa, 'rsa-1');
    const RSA2 = signer('RS256', rsa2, 'rsa-2');
    const EC1 = signer('ES256', ec256, 'ec-1');
    const ED1 = signer('EdDSA', ed25519, 'ed-1');
    // rsa-1 has no alg (as Azure AD publishes), ec-1 and ed-1 pin theirs.
    const SET1 = { keys: [jwkOf(rsa, { kid: 'rsa-1' }), jwkOf(ec256, { kid: 'ec-1', alg: 'ES256' }), jwkOf(ed25519, { kid: 'ed-1', alg: 'EdDSA' })] };

    let server;
    let state;
    let url;
    let t; // fake clock, ms
    beforeEach(async () => {
      state = { hits: 0, status: 200, body: JSON.stringify(SET1), hang: false };
      t = NOW * 1000;
      server = http.createServer((req, res) => {
        state.hits++;
        if (state.hang) return;
        res.writeHead(state.status, { 'content-type': 'application/json' });
        res.end(state.body);
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${server.address().port}/.well-known/jwks.json`;
    });
    afterEach(() => {
      server.closeAllConnections();
      server.close();
    });
    const resolver = (opts = {}) => new JwksKeyResolver({ url, now: () => t, ...opts });
    const jv = (r, opts = {}) => new JwtVerifier({ keys: r, now: () => t, ...opts });

    it('selects keys by kid; one fetch serves many tokens', async () => {
      const v = jv(resolver());
      for (const s of [RSA1, EC1, ED1, RSA1, EC1]) {
        const { header } = await v.verify(signJwt(claimsOk(), s));
        assert.strictEqual(header.kid, s.kid);
      }
      assert.strictEqual(state.hits, 1);
    });

    it('a kid served for one alg does not verify another alg', async () => {
      const v = jv(resolver());
      // ec-1 pins ES256: an RS256 token claiming kid ec-1 finds no key.
      await rejectsToken(v.verify(signJwt(claimsOk(), signer('RS256', rsa, 'ec-1'))), 'AUTH_001', /unknown kid/);
      // rsa-1 has no alg: RS512 is still refused because the default allowlist is RS256, ES256, EdDSA.
      await rejectsToken(v.verify(signJwt(claimsOk(), signer('RS512', rsa, 'rsa-1'))), 'AUTH_001');
      // …and allowed when configured.
      await jv(resolver({ algorithms: ['RS512'] })).verify(signJwt(claimsOk(), signer('RS512', rsa, 'rsa-1')));
    });

    it('rotation: an unknown kid triggers one refetch', async () => {
      const v = jv(resolver());
      await v.verify(signJwt(claimsOk(), RSA1));
      state.body = JSON.stringify({ keys: [...SET1.keys, jwkOf(rsa2, { kid: 'rsa-2' })] });
      t += 31_000; // past the 30 s cooldown
      await v.verify(signJwt(claimsOk(), RSA2));
      assert.strictEqual(state.hits, 2);
      await v.verify(signJwt(claimsOk(), RSA2));
      assert.strictEqual(state.hits, 2);
    });

    it('cooldown: many unknown kids cause a bounded number of fetches', async () => {
      const v = jv(resolver());
      const forged = () => signJwt(claimsOk(), signer('RS256', rsa, crypto.randomBytes(8).toString('hex')));
      for (let i = 0; i < 50; i++) await rejectsToken(v.verify(forged()), 'AUTH_001', /unknown kid/);
      assert.strictEqual(state.hits, 1);
      await Promise.all(Array.from({ length: 50 }, () => rejectsToken(v.verify(forged()), 'AUTH_001')));
      assert.strictEqual(state.hits, 1);
      t += 31_000;
      await Promise.all(Array.from({ length: 50 }, () => rejectsToken(v.verify(forged()), 'AUTH_001')));
      assert.strictEqual(state.hits, 2);
    });

    it('kid rule on top of jose\'s set: a kid-less token matches only a kid-less key, never guesses among kid-bearing ones', async () => {
      // jose's own key selection would take the single RSA key for a kid-less RS256 token; we do not.
      const kidless = signer('RS256', rsa, undefined);
      await rejectsToken(jv(resolver()).verify(signJwt(claimsOk(), kidless)), 'AUTH_001', /unknown kid|no key/);
      state.body = JSON.stringify({ keys: [jwkOf(rsa, {})] });
      const { header } = await jv(resolver()).verify(signJwt(claimsOk(), kidless));
      assert.strictEqual(header.kid, undefined);
    });

    it('concurrent first requests share one fetch', async () => {
      const v = jv(resolver());
      await Promise.all(Array.from({ length: 20 }, () => v.verify(signJwt(claimsOk(), EC1))));
      assert.strictEqual(state.hits, 1);
    });

    it('keys expire after the cache TTL (default 10 min)', async () => {
      const v = jv(resolver());
      const claimsOk = () => ({ sub: 'alice', exp: NOW + 86400 });
      await v.verify(signJwt(claimsOk(), RSA1));
      t += 9 * 60_000;
      await v.verify(signJwt(claimsOk(), RSA1));
      assert.strictEqual(state.hits, 1);
      t += 2 * 60_000;
      // Stale keys still verify at once; the refetch runs in the background.
      await v.verify(signJwt(claimsOk(), RSA1));
      await new Promise((r) => setTimeout(r, 200));
      assert.strictEqual(state.hits, 2);
    });

    it('server down with keys cached: still verifies', async () => {
      const r = resolver();
      const claimsOk = () => ({ sub: 'alice', exp: NOW + 86400 });
      const v = jv(r);
      await v.verify(signJwt(claimsOk(), RSA1));
      server.closeAllConnections();
      await new Promise((res) => server.close(res));
      t += 11 * 60_000; // cache expired: a background refetch is attempted and fails
      await v.verify(signJwt(claimsOk(), RSA1));
      await r.refresh();
      await v.verify(signJwt(claimsOk(), RSA1));
      assert.match(r.status().lastError, /JWKS fetch/);
      assert.strictEqual(r.status().keys, 3);
    });

    it('server errors with nothing cached: 503 AUTH_011, JWKS unavailable', async () => {
      state.status = 500;
      await rejectsUnavailable(jv(resolver()).verify(signJwt(claimsOk(), RSA1)), /JWKS unavailable.*HTTP 500/);
      state.status = 200;
      state.body = 'not json';
      await rejectsUnavailable(jv(resolver()).verify(signJwt(claimsOk(), RSA1)), /JWKS unavailable.*not JSON/);
      state.body = JSON.stringify({ keys: {} });
      await rejectsUnavailable(jv(resolver()).verify(signJwt(claimsOk(), RSA1)), /JWKS unavailable/);
    });

    it('a failed fetch is retried only after the cooldown', async () => {
      state.status = 503;
      const v = jv(resolver());
      for (let i = 0; i < 10; i++) await rejectsUnavailable(v.verify(signJwt(claimsOk(), RSA1)), /unavailable/);
      assert.strictEqual(state.hits, 1);
      state.status = 200;
      t += 31_000;
      await v.verify(signJwt(claimsOk(), RSA1));
      assert.strictEqual(state.hits, 2);
    });

    it('nothing listening: 503 AUTH_011, JWKS unavailable', async () => {
      server.closeAllConnections();
      await new Promise((res) => server.close(res));
      await rejectsUnavailable(jv(resolver()).verify(signJwt(claimsOk(), RSA1)), /JWKS unavailable/);
    });

    it('the response size is capped', async () => {
      await rejectsUnavailable(jv(resolver({ maxBytes: 500 })).verify(signJwt(claimsOk(), RSA1)), /too large/);
    });

    it('the fetch times out', async () => {
      state.hang = true;
      const started = Date.now();
      await rejectsUnavailable(jv(resolver({ timeoutMs: 150 })).verify(signJwt(claimsOk(), RSA1)), /timeout/);
      assert.ok(Date.now() - started < 5000);
    });

    it('the size cap holds for a chunked body without content-length', async () => {
      server.removeAllListeners('request');
      server.on('request', (req, res) => {
        state.hits++;
        res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: chunked
        const pad = ' '.repeat(400);
        let n = 0;
        const more = () => (n++ < 10 ? res.write(pad, more) : res.end(JSON.stringify(SET1)));
        more();
      });
      await rejectsUnavailable(jv(resolver({ maxBytes: 2000 })).verify(signJwt(claimsOk(), RSA1)), /too large/);
      await jv(resolver({ maxBytes: 100_000 })).verify(signJwt(claimsOk(), RSA1));
    });

    it('asks for a JWK Set; a body that is not one (jose\'s set validation) is refused as a whole', async () => {
      let accept;
      server.on('request', (req) => { accept = req.headers.accept; });
      await jv(resolver()).verify(signJwt(claimsOk(), RSA1));
      assert.match(accept, /application\/jwk-set\+json/);
      state.body = JSON.stringify({ keys: [SET1.keys[0], 'not a key'] });
      await rejectsUnavailable(jv(resolver()).verify(signJwt(claimsOk(), RSA1)), /not a JWK Set/);
    });

    it('redirects are not followed', async () => {
      state.status = 302;
      await rejectsUnavailable(jv(resolver()).verify(signJwt(claimsOk(), RSA1)), /HTTP 302/);
    });

    it('skips keys with use other than sig, oct keys, disallowed or mismatched algs, weak RSA', () => {
      const weak = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
      const keys = parseJwks(JSON.stringify({ keys: [
        jwkOf(rsa, { kid: 'enc', use: 'enc' }),
        jwkOf(rsa, { kid: 'ops', key_ops: ['encrypt'] }),
        { kty: 'oct', kid: 'oct', k: crypto.randomBytes(32).toString('base64url'), alg: 'HS256' },
        jwkOf(rsa, { kid: 'rs512', alg: 'RS512' }),
        jwkOf(ec384, { kid: 'p384' }),
        jwkOf(ec256, { kid: 'lies', alg: 'EdDSA' }),
        jwkOf(weak, { kid: 'weak' }),
        { kty: 'RSA', kid: 'broken', n: 'AQAB', e: 'AQAB' },
        'not a key', null,
        jwkOf(ec256, { kid: 'good' }),
      ] }), new Set(['RS256', 'ES256', 'EdDSA']));
      assert.deepStrictEqual(keys.map((k) => `${k.kid}/${k.alg}`), ['good/ES256']);
    });

    it('never uses a private member published in the set', () => {
      const priv = { ...ec256.privateKey.export({ format: 'jwk' }), kid: 'p' };
      const [k] = parseJwks(JSON.stringify({ keys: [priv] }), new Set(['ES256']));
      assert.strictEqual(k.key.type, 'public');
    });

    it('configuration: https required off loopback; HS never allowed', () => {
      assert.throws(() => new JwksKeyResolver({ url: 'http://idp.example/jwks' }), /https/);
      new JwksKeyResolver({ url: 'http://idp.example/jwks', allowHttp: true });
      new JwksKeyResolver({ url: 'https://idp.example/jwks' });
      new JwksKeyResolver({ url: 'http://localhost:8080/jwks' });
      assert.throws(() => new JwksKeyResolver({ url: 'ftp://idp.example/jwks' }), /http/);
      assert.throws(() => new JwksKeyResolver({ url: 'https://idp.example/jwks', algorithms: ['HS256'] }), /HS/);
      assert.throws(() => new JwksKeyResolver({ url: 'not a url' }), /valid URL/);
    });
  });
});
