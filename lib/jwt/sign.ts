/**
 * JWT issuing: JWS compact serialization (RFC 7515 §7.1) with a bound
 * signing key. Synchronous node:crypto rather than jose's SignJWT: an access
 * token is signed on every login and refresh, and SignJWT goes through
 * WebCrypto on libuv's threadpool — HS256 (the issuer's default) measured
 * 9–18× slower there, RS256 about even (bench/jose.js) — and it queues
 * behind any other threadpool work. Interoperability with jose is tested both ways
 * (test/lib/jwt/differential.test.js).
 */
import { constants, createHmac, randomBytes, sign as cryptoSign } from 'crypto';
import { ALGORITHMS, BoundSigningKey } from './keys';

export interface SignJwtOptions {
  /** Overrides the key's own kid. */
  kid?: string;
  /** `typ` header; default 'JWT' (RFC 7519 §5.1). Use 'at+jwt' for RFC 9068 access tokens. */
  typ?: string;
}

/** Sign `claims` as a JWT. The caller sets iat/exp/jti etc.: nothing is added here. */
export function signJwt(claims: Record<string, unknown>, key: BoundSigningKey, opts: SignJwtOptions = {}): string {
  if (!key || key.purpose !== 'sign') throw new Error('signJwt: key must come from buildSigningKey');
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new Error('signJwt: claims must be an object (RFC 7519 §7.1)');
  }
  const header: Record<string, string> = { alg: key.alg, typ: opts.typ ?? 'JWT' };
  const kid = opts.kid ?? key.kid;
  if (kid !== undefined) header.kid = kid;
  const input = b64json(header) + '.' + b64json(claims);
  return input + '.' + signJws(key, input).toString('base64url');
}

/** Raw JWS signature over the ASCII signing input (RFC 7518 §3). */
export function signJws(key: BoundSigningKey, signingInput: string): Buffer {
  const info = ALGORITHMS[key.alg];
  const data = Buffer.from(signingInput, 'ascii');
  switch (info.family) {
    case 'HS':
      return createHmac(info.hash!, key.key).update(data).digest();
    case 'RS':
      return cryptoSign(info.hash!, data, { key: key.key, padding: constants.RSA_PKCS1_PADDING });
    case 'PS':
      return cryptoSign(info.hash!, data, {
        key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    case 'ES':
      // JOSE form: fixed-size r||s, not DER (RFC 7518 §3.4).
      return cryptoSign(info.hash!, data, { key: key.key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return cryptoSign(null, data, key.key);
  }
}

/** A random 128-bit identifier, base64url (for `jti`, RFC 7519 §4.1.7). */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

function b64json(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error('signJwt: value is not JSON-serializable');
  return Buffer.from(json, 'utf8').toString('base64url');
}
