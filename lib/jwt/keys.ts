/**
 * JWS keys, built once at configuration time and bound to exactly one `alg`
 * (RFC 8725 §3.1). A bound key carries a Node `KeyObject`, so no request ever
 * re-parses a PEM or re-derives a secret.
 *
 * Configuration errors are plain `Error`s: they happen at deploy time, never
 * per request.
 */
import { KeyObject, createPrivateKey, createPublicKey, createSecretKey } from 'crypto';

export type JwsAlg =
  | 'HS256' | 'HS384' | 'HS512'
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA';

type Family = 'HS' | 'RS' | 'PS' | 'ES' | 'EdDSA';

export interface AlgInfo {
  readonly family: Family;
  /** Node digest name; undefined for EdDSA (the curve fixes the hash). */
  readonly hash?: 'sha256' | 'sha384' | 'sha512';
  /** HS: minimum secret size = hash output size (RFC 7518 §3.2). */
  readonly minSecretBytes?: number;
  /** ES: Node's name for the curve (RFC 7518 §3.4). */
  readonly curve?: string;
  /** ES: JOSE signature length, r||s each padded to the curve size (RFC 7518 §3.4). */
  readonly sigBytes?: number;
}

/** RFC 7518 §3.1 algorithms this package implements. `none` is deliberately absent. */
export const ALGORITHMS: Readonly<Record<JwsAlg, AlgInfo>> = Object.freeze({
  HS256: { family: 'HS', hash: 'sha256', minSecretBytes: 32 },
  HS384: { family: 'HS', hash: 'sha384', minSecretBytes: 48 },
  HS512: { family: 'HS', hash: 'sha512', minSecretBytes: 64 },
  RS256: { family: 'RS', hash: 'sha256' },
  RS384: { family: 'RS', hash: 'sha384' },
  RS512: { family: 'RS', hash: 'sha512' },
  PS256: { family: 'PS', hash: 'sha256' },
  PS384: { family: 'PS', hash: 'sha384' },
  PS512: { family: 'PS', hash: 'sha512' },
  ES256: { family: 'ES', hash: 'sha256', curve: 'prime256v1', sigBytes: 64 },
  ES384: { family: 'ES', hash: 'sha384', curve: 'secp384r1', sigBytes: 96 },
  ES512: { family: 'ES', hash: 'sha512', curve: 'secp521r1', sigBytes: 132 },
  EdDSA: { family: 'EdDSA' },
});

export const SUPPORTED_ALGS: readonly JwsAlg[] = Object.freeze(Object.keys(ALGORITHMS) as JwsAlg[]);

/** RFC 7518 §3.3/§3.5: RSA keys of 2048 bits or larger MUST be used. */
export const MIN_RSA_BITS = 2048;

export function isJwsAlg(alg: unknown): alg is JwsAlg {
  return typeof alg === 'string' && Object.prototype.hasOwnProperty.call(ALGORITHMS, alg);
}

export interface KeySpec {
  alg: JwsAlg;
  /** HS only. `base64:`/`base64url:` prefix = encoded bytes; otherwise the UTF-8 bytes of the string. */
  secret?: string | Buffer;
  /** RS/PS/ES/EdDSA: PEM public key, certificate or private key. */
  pem?: string;
  /** A JWK (`oct` for HS; `RSA`/`EC`/`OKP` otherwise). */
  jwk?: Record<string, unknown>;
  kid?: string;
}

/** A verification key bound to one algorithm. */
export interface BoundKey {
  readonly purpose: 'verify';
  readonly alg: JwsAlg;
  readonly kid?: string;
  readonly key: KeyObject;
}

/** A signing key bound to one algorithm. */
export interface BoundSigningKey {
  readonly purpose: 'sign';
  readonly alg: JwsAlg;
  readonly kid?: string;
  readonly key: KeyObject;
}

const PEM_MARKER = /-----BEGIN [A-Z0-9 ]+-----/;

function fail(msg: string): never {
  throw new Error('JWT key: ' + msg);
}

/** Decode an HS secret. Never a PEM or DER public key: that is the RS→HS confusion (RFC 8725 §2.1). */
export function decodeSecret(secret: string | Buffer): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(secret)) {
    bytes = Buffer.from(secret);
  } else if (typeof secret === 'string') {
    const m = /^(base64url|base64):(.*)$/s.exec(secret);
    if (m) {
      const body = m[2].replace(/=+$/, '');
      if (!/^[A-Za-z0-9+/_-]*$/.test(body) || body.length % 4 === 1) fail('secret is not valid ' + m[1]);
      bytes = Buffer.from(body.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
    } else {
      bytes = Buffer.from(secret, 'utf8');
    }
  } else {
    fail('secret must be a string or a Buffer');
  }
  if (PEM_MARKER.test(bytes.toString('latin1'))) fail('a PEM key can never be used as an HMAC secret');
  if (looksLikeDerPublicKey(bytes)) fail('a DER public key can never be used as an HMAC secret');
  return bytes;
}

function looksLikeDerPublicKey(bytes: Buffer): boolean {
  if (bytes.length < 32 || bytes[0] !== 0x30) return false;
  try {
    createPublicKey({ key: bytes, format: 'der', type: 'spki' });
    return true;
  } catch {
    return false;
  }
}

/** Bind an existing KeyObject to `alg`, refusing a key whose type does not fit (ASVS 9.1.2). */
export function bindKeyObject(key: KeyObject, alg: JwsAlg, kid: string | undefined, purpose: 'verify'): BoundKey;
export function bindKeyObject(key: KeyObject, alg: JwsAlg, kid: string | undefined, purpose: 'sign'): BoundSigningKey;
export function bindKeyObject(
  key: KeyObject, alg: JwsAlg, kid: string | undefined, purpose: 'verify' | 'sign',
): BoundKey | BoundSigningKey {
  if (!isJwsAlg(alg)) fail(`unsupported alg ${JSON.stringify(String(alg)).slice(0, 40)}`);
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) fail('kid must be a non-empty string');
  checkKeyFitsAlg(key, alg, purpose);
  return Object.freeze({ purpose, alg, kid, key }) as BoundKey | BoundSigningKey;
}

function checkKeyFitsAlg(key: KeyObject, alg: JwsAlg, purpose: 'verify' | 'sign'): void {
  const info = ALGORITHMS[alg];
  if (info.family === 'HS') {
    if (key.type !== 'secret') fail(`${alg} needs a secret key, got a ${key.type} key`);
    const size = key.symmetricKeySize ?? 0;
    if (size < info.minSecretBytes!) {
      fail(`${alg} secret must be at least ${info.minSecretBytes} bytes (RFC 7518 §3.2), got ${size}`);
    }
    return;
  }
  if (key.type === 'secret') fail(`${alg} needs an asymmetric key, got a secret`);
  if (purpose === 'sign' && key.type !== 'private') fail(`signing with ${alg} needs a private key`);
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (info.family) {
    case 'RS':
    case 'PS': {
      const ok = type === 'rsa' || (info.family === 'PS' && type === 'rsa-pss');
      if (!ok) fail(`${alg} needs an RSA key, got ${type}`);
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        fail(`${alg} needs an RSA key of at least ${MIN_RSA_BITS} bits (RFC 7518 §3.3)`);
      }
      return;
    }
    case 'ES':
      if (type !== 'ec' || details.namedCurve !== info.curve) {
        fail(`${alg} needs an EC key on ${info.curve}, got ${type}${details.namedCurve ? ' ' + details.namedCurve : ''}`);
      }
      return;
    case 'EdDSA':
      if (type !== 'ed25519' && type !== 'ed448') fail(`EdDSA needs an Ed25519 or Ed448 key, got ${type}`);
      return;
  }
}

function checkJwkMeta(jwk: Record<string, unknown>, alg: JwsAlg): void {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) fail('jwk must be an object');
  if (jwk.alg !== undefined && jwk.alg !== alg) fail(`jwk alg ${String(jwk.alg)} does not match ${alg}`);
  if (jwk.use !== undefined && jwk.use !== 'sig') fail('jwk use must be "sig"');
}

function secretFromSpec(spec: KeySpec): KeyObject {
  if (spec.pem !== undefined) fail(`${spec.alg} takes a secret, never a PEM key (RFC 8725 §2.1)`);
  if (spec.jwk !== undefined) {
    if (spec.secret !== undefined) fail('give either secret or jwk, not both');
    checkJwkMeta(spec.jwk, spec.alg);
    if (spec.jwk.kty !== 'oct' || typeof spec.jwk.k !== 'string') fail(`${spec.alg} needs an "oct" JWK`);
    return createSecretKey(decodeSecret('base64url:' + spec.jwk.k));
  }
  if (spec.secret === undefined) fail(`${spec.alg} needs a secret`);
  return createSecretKey(decodeSecret(spec.secret));
}

function sourceOf(spec: KeySpec): 'pem' | 'jwk' {
  if (spec.secret !== undefined) fail(`${spec.alg} takes a public/private key, never a secret`);
  if ((spec.pem === undefined) === (spec.jwk === undefined)) fail(`${spec.alg} needs exactly one of pem or jwk`);
  if (spec.jwk !== undefined) {
    checkJwkMeta(spec.jwk, spec.alg);
    if (spec.jwk.kty === 'oct') fail(`${spec.alg} cannot use an "oct" JWK`);
    return 'jwk';
  }
  if (typeof spec.pem !== 'string') fail('pem must be a string');
  return 'pem';
}

function kidOf(spec: KeySpec): string | undefined {
  if (spec.kid !== undefined) return spec.kid;
  const k = spec.jwk?.kid;
  return typeof k === 'string' && k !== '' ? k : undefined;
}

function wrap<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('JWT key: ')) throw err;
    // Never echo the key material: only the library's error code.
    fail(`cannot read ${what} (${(err as { code?: string }).code ?? 'invalid key'})`);
  }
}

/** Build a verification key (public key or HMAC secret) bound to `spec.alg`. */
export function buildVerificationKey(spec: KeySpec): BoundKey {
  if (!spec || !isJwsAlg(spec.alg)) fail('unsupported or missing alg');
  let key: KeyObject;
  if (ALGORITHMS[spec.alg].family === 'HS') {
    key = wrap('secret', () => secretFromSpec(spec));
  } else if (sourceOf(spec) === 'jwk') {
    key = wrap('jwk', () => createPublicKey({ key: spec.jwk as never, format: 'jwk' }));
  } else {
    // A private key or certificate PEM yields its public key.
    key = wrap('pem', () => createPublicKey(spec.pem as string));
  }
  return bindKeyObject(key, spec.alg, kidOf(spec), 'verify');
}

/** Build a signing key (private key or HMAC secret) bound to `spec.alg`. */
export function buildSigningKey(spec: KeySpec): BoundSigningKey {
  if (!spec || !isJwsAlg(spec.alg)) fail('unsupported or missing alg');
  let key: KeyObject;
  if (ALGORITHMS[spec.alg].family === 'HS') {
    key = wrap('secret', () => secretFromSpec(spec));
  } else if (sourceOf(spec) === 'jwk') {
    key = wrap('jwk', () => createPrivateKey({ key: spec.jwk as never, format: 'jwk' }));
  } else {
    key = wrap('pem', () => createPrivateKey(spec.pem as string));
  }
  return bindKeyObject(key, spec.alg, kidOf(spec), 'sign');
}

/** The verification twin of a signing key (same secret for HS; the public half otherwise). */
export function verificationKeyFor(signing: BoundSigningKey): BoundKey {
  const key = signing.key.type === 'secret' ? signing.key : createPublicKey(signing.key);
  return bindKeyObject(key, signing.alg, signing.kid, 'verify');
}
