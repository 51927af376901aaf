import { randomBytes } from 'crypto';
import { parseScryptHash, DEFAULT_SCRYPT, SCRYPT_PREFIX } from './scrypt';
import { passwordKind } from './verify';

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A syntactically valid hash with the same algorithm and cost as `reference`
 * but random salt and key. Verifying any password against it costs exactly
 * the work of a real check and always fails: that is what an unknown user
 * costs, so timing does not reveal whether a user exists (ASVS 6.3.8).
 */
export function dummyHashLike(reference: string | undefined): string {
  // A plain-text list is compared in constant time, so the dummy is a random plain value too.
  if (reference && passwordKind(reference) === 'plain') return randomBytes(16).toString('base64');
  if (reference && passwordKind(reference) === 'bcrypt') {
    const cost = reference.slice(4, 6);
    const bytes = randomBytes(53);
    let tail = '';
    for (const b of bytes) tail += BCRYPT_ALPHABET[b & 63];
    return `$2b$${cost}$${tail}`;
  }
  const params = (reference && parseScryptHash(reference)) || DEFAULT_SCRYPT;
  const b64 = (n: number) => randomBytes(n).toString('base64').replace(/=+$/, '');
  return `${SCRYPT_PREFIX}ln=${params.ln},r=${params.r},p=${params.p}$${b64(16)}$${b64(32)}`;
}
