/**
 * How a key is kept at rest: HMAC-SHA-256 (RFC 2104) under a per-installation
 * secret that never goes into the store. A database dump alone then holds
 * digests nobody can test guesses against offline; the display prefix
 * (`kapi_prod_2fGq`) is the only part of a key that is stored readable.
 *
 * The secret comes from the key store's configuration (the authflow-key-store
 * node's credential, an environment variable, or `secret` in code), the same
 * on every instance sharing the store. Changing it makes every key unknown.
 */
import { createHmac, createSecretKey, KeyObject } from 'crypto';

/** RFC 2104 §3: a key shorter than the hash output (32 bytes) weakens HMAC. */
export const MIN_SECRET_BYTES = 32;

export class KeyHasher {
  private readonly key: KeyObject;

  constructor(secret: string | Buffer) {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (!Buffer.isBuffer(bytes) || bytes.length < MIN_SECRET_BYTES) {
      throw new Error(`the API key hashing secret must be at least ${MIN_SECRET_BYTES} bytes (characters); generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`);
    }
    // Built once: no key import per request.
    this.key = createSecretKey(Buffer.from(bytes));
  }

  /** 43 base64url characters: the key's lookup id in the store. */
  digest(apiKey: string): string {
    return createHmac('sha256', this.key).update(apiKey, 'utf8').digest('base64url');
  }
}
