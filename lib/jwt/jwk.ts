/**
 * Publishing our keys: public JWKs (RFC 7517 §4), RFC 7638 thumbprints as
 * key ids, and a JWK Set for a `jwks_uri` (RFC 8414 §2) — what the OAuth 2.0
 * server and any relying party need. jose does the encoding; the policy is
 * ours: only public halves of asymmetric keys ever leave (an HS secret never),
 * each JWK pinned to its one `alg` with `use: "sig"` (RFC 8725 §3.1), and
 * `kid`s that let a verifier pick a key without guessing.
 * Deploy-time work: every function here is async (jose) and off the request path.
 */
import { createPublicKey } from 'crypto';
import type { JWK } from 'jose';
import { ALGORITHMS, BoundKey, BoundSigningKey, bindKeyObject } from './keys';
import { jose } from './jose';

/** A published verification key: public members only, plus kid, alg and use. */
export interface PublicJwk extends JWK {
  kty: 'RSA' | 'EC' | 'OKP';
  alg: string;
  use: 'sig';
}

export interface PublishedJwkSet {
  keys: PublicJwk[];
}

type AnyBoundKey = BoundKey | BoundSigningKey;

function publicKeyObject(key: AnyBoundKey) {
  if (!key || (key.purpose !== 'sign' && key.purpose !== 'verify')) throw new Error('JWK: key must come from buildSigningKey or buildVerificationKey');
  // RFC 7517 §8 / RFC 8725 §3.1: a secret is never published, nor is a private member.
  if (ALGORITHMS[key.alg].family === 'HS') throw new Error(`JWK: ${key.alg} keys are secrets and are never published`);
  return key.key.type === 'private' ? createPublicKey(key.key) : key.key;
}

/** The RFC 7517 public JWK of a bound key, with `alg`, `use: "sig"` and its kid (if it has one). */
export async function publicJwkOf(key: AnyBoundKey): Promise<PublicJwk> {
  const exported = await jose().exportJWK(publicKeyObject(key));
  const jwk = { ...exported, alg: key.alg, use: 'sig' } as PublicJwk;
  if (key.kid !== undefined) jwk.kid = key.kid;
  return jwk;
}

/** RFC 7638 SHA-256 thumbprint (base64url) of the key's public half: the same for its signing and verification forms. */
export async function jwkThumbprintOf(key: AnyBoundKey): Promise<string> {
  return jose().calculateJwkThumbprint(await publicJwkOf(key), 'sha256');
}

/**
 * The key with its RFC 7638 thumbprint as `kid` (RFC 7638 §1: a kid anyone
 * can recompute from the key, stable across restarts and instances).
 */
export async function withThumbprintKid<K extends AnyBoundKey>(key: K): Promise<K> {
  const kid = await jwkThumbprintOf(key);
  return bindKeyObject(key.key, key.alg, kid, key.purpose as never) as K;
}

/**
 * A JWK Set publishing the public halves of `keys` (e.g. the current signing
 * key and the next one during a rotation). Every key needs a distinct kid
 * (give keys one, e.g. withThumbprintKid): several kid-less keys would leave
 * verifiers guessing, which our own verifier refuses.
 */
export async function jwkSetOf(keys: AnyBoundKey[]): Promise<PublishedJwkSet> {
  if (!Array.isArray(keys) || keys.length === 0) throw new Error('JWKS: at least one key is required');
  const seen = new Set<string>();
  for (const k of keys) {
    if (keys.length > 1 && k?.kid === undefined) throw new Error('JWKS: with several keys, every key needs a kid');
    const id = `${k?.kid}/${k?.alg}`;
    if (seen.has(id)) throw new Error(`JWKS: kid ${JSON.stringify(k.kid)} is used twice for ${k.alg}`);
    seen.add(id);
  }
  return { keys: await Promise.all(keys.map(publicJwkOf)) };
}
