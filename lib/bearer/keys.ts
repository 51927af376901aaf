/**
 * Verification keys of a bearer check, built the same way for the bearer
 * node's dialog and the bearerAuth middleware: each key bound to one
 * algorithm at build time (RFC 8725 §3.1), so the key list is the allow-list.
 */
import { BoundKey, JwsAlg, KeySpec, buildVerificationKey, isJwsAlg } from '../jwt/keys';
import { parseJwks } from '../jwt/jwks';

const HMAC_ALGS: readonly string[] = ['HS256', 'HS384', 'HS512'];
/** Asymmetric algorithms accepted from a JWK Set or a JWKS URL when none are named. */
export const DEFAULT_ASYMMETRIC_ALGS: readonly JwsAlg[] = ['RS256', 'ES256', 'EdDSA'];

/** One algorithm name (`dflt` when empty); throws for one this package does not support. */
export function oneAlg(value: string | undefined, dflt: string): JwsAlg {
  const alg = (value || dflt).trim();
  if (!isJwsAlg(alg)) throw new Error(`unsupported algorithm "${alg}"`);
  return alg;
}

/** An algorithm allow-list from a list or space/comma-separated text; the asymmetric defaults when empty. */
export function algList(value: string | readonly string[] | undefined): JwsAlg[] {
  const items = typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value ? [...value] : [];
  const algs = items.length ? items : [...DEFAULT_ASYMMETRIC_ALGS];
  for (const a of algs) if (!isJwsAlg(a)) throw new Error(`unsupported algorithm "${a}"`);
  return algs as JwsAlg[];
}

/** The HS algorithm of a shared secret (default HS256); throws for any other. */
export function hmacAlg(alg: string | undefined): JwsAlg {
  const bound = oneAlg(alg, 'HS256');
  if (!HMAC_ALGS.includes(bound)) throw new Error('a shared secret needs HS256, HS384 or HS512');
  return bound;
}

/** A shared secret bound to an HS algorithm (RFC 7518 §3.2 minimum length is enforced by buildVerificationKey). */
export function hmacKey(alg: string | undefined, secret: unknown): BoundKey {
  const bound = hmacAlg(alg);
  if (typeof secret !== 'string' || secret === '') throw new Error('the shared secret is empty');
  return buildVerificationKey({ alg: bound, secret });
}

/**
 * Keys written as text: a PEM public key (bound to `alg`, default RS256), a
 * JWK (bound to `alg`, else its own `alg`), or a JWK Set (each key to its own
 * alg within `algorithms`).
 */
export function keysFromText(text: string, alg?: string, algorithms?: string | readonly string[]): BoundKey[] {
  const t = text.trim();
  if (!t) throw new Error('a public key (PEM, JWK or JWK Set) is required');
  if (!t.startsWith('{')) return [buildVerificationKey({ alg: oneAlg(alg, 'RS256'), pem: t })];
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(t);
  } catch {
    throw new Error('the key is not valid JSON');
  }
  if (Array.isArray(doc.keys)) {
    const keys = parseJwks(t, new Set(algList(algorithms)));
    if (keys.length === 0) throw new Error('the JWK Set has no usable key for the allowed algorithms');
    return keys;
  }
  return [buildVerificationKey({ alg: oneAlg(alg, typeof doc.alg === 'string' ? doc.alg : 'RS256'), jwk: doc })];
}

/** Keys as settings.js gives them: KeySpec objects (one or a list), or the text forms of keysFromText. */
export function keysFromSpecs(raw: unknown): BoundKey[] {
  if (typeof raw === 'string') return keysFromText(raw);
  const specs = Array.isArray(raw) ? raw : [raw];
  if (specs.length === 0) throw new Error('no key given');
  return specs.flatMap((spec) => (typeof spec === 'string' ? keysFromText(spec) : [buildVerificationKey(spec as KeySpec)]));
}
