'use strict';
/** lib/bearer/keys.ts: one way to build verification keys for the bearer node's dialog and settings.js. */
const assert = require('assert');
const crypto = require('crypto');
const { hmacKey, keysFromText, keysFromSpecs, algList } = require('../../../dist/lib/internal');

describe('lib/bearer: verification keys', () => {
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = ec.publicKey.export({ type: 'spki', format: 'pem' });
  const jwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' };

  it('a shared secret is bound to an HS algorithm only, and must be long enough (RFC 7518 §3.2)', () => {
    assert.strictEqual(hmacKey(undefined, 'x'.repeat(32)).alg, 'HS256');
    assert.throws(() => hmacKey('RS256', 'x'.repeat(32)), /HS256, HS384 or HS512/);
    assert.throws(() => hmacKey('HS256', ''), /empty/);
    assert.throws(() => hmacKey('HS256', 'short'), /32 bytes/);
  });

  it('PEM, JWK and JWK Set text give keys bound to one algorithm each; settings.js specs and text give the same', () => {
    assert.strictEqual(keysFromText(pem, 'ES256')[0].alg, 'ES256');
    assert.strictEqual(keysFromText(JSON.stringify(jwk))[0].alg, 'ES256');
    const set = keysFromText(JSON.stringify({ keys: [jwk] }), undefined, 'ES256');
    assert.deepStrictEqual(set.map((k) => [k.alg, k.kid]), [['ES256', 'k1']]);
    assert.throws(() => keysFromText(JSON.stringify({ keys: [jwk] }), undefined, 'RS256'), /no usable key/);
    assert.deepStrictEqual(keysFromSpecs(JSON.stringify({ keys: [jwk] })).map((k) => k.kid), ['k1']);
    assert.strictEqual(keysFromSpecs([{ alg: 'ES256', pem }])[0].alg, 'ES256');
    assert.throws(() => keysFromSpecs([]), /no key/);
  });

  it('algorithm lists: text or arrays, unsupported names refused, asymmetric defaults when empty', () => {
    assert.deepStrictEqual(algList('RS256, ES256'), ['RS256', 'ES256']);
    assert.deepStrictEqual(algList(undefined), ['RS256', 'ES256', 'EdDSA']);
    assert.throws(() => algList(['none']), /unsupported/);
  });
});
