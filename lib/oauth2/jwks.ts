/**
 * JWK Set publication (RFC 7517 §5): public keys only. A secret (HS*) key is
 * never published; each key carries `kid`, `alg` and `use: "sig"` so a
 * verifier selects it without guessing (RFC 8725 §3.1).
 */
import { createPublicKey, hash, KeyObject } from 'crypto';
import type { BoundKey } from '../jwt/keys';

export interface JwkSet {
  keys: Record<string, unknown>[];
}

/** Public members only, by key type (RFC 7518 §6). */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};

/** The published form of verification keys; HS keys and `undefined` are left out. */
export function publicJwks(...keys: Array<BoundKey | undefined>): JwkSet {
  return { keys: keys.filter((k): k is BoundKey => !!k && k.key.type !== 'secret').map((k) => publicJwk(k.key, k.alg, k.kid)) };
}

export function publicJwk(key: KeyObject, alg: string, kid?: string): Record<string, unknown> {
  if (key.type === 'secret') throw new Error('a secret key is never published');
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const full = pub.export({ format: 'jwk' }) as Record<string, unknown>;
  const members = PUBLIC_MEMBERS[String(full.kty)];
  if (!members) throw new Error(`cannot publish a ${String(full.kty)} key`);
  const jwk: Record<string, unknown> = {};
  for (const m of members) jwk[m] = full[m];
  return { ...jwk, kid: kid ?? jwkThumbprint(jwk), alg, use: 'sig' };
}

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = PUBLIC_MEMBERS[String(jwk.kty)];
  if (!members) throw new Error(`no thumbprint for a ${String(jwk.kty)} key`);
  const canonical = '{' + [...members].sort().map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',') + '}';
  return hash('sha256', canonical, 'base64url');
}

