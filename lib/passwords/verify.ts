import { SCRYPT_PREFIX, verifyScrypt, parseScryptHash } from './scrypt';
import { BCRYPT_PATTERN, compareBcrypt } from './hash-pool';
import { safeEqual } from '../crypto/secure-compare';

export type PasswordKind = 'scrypt' | 'bcrypt' | 'plain';

/** What kind of stored password this is. Anything not a recognised hash is plain text. */
export function passwordKind(stored: string): PasswordKind {
  if (stored.startsWith(SCRYPT_PREFIX)) return 'scrypt';
  if (stored.startsWith('$2')) return 'bcrypt';
  return 'plain';
}

/** A configuration problem with a stored hash, to show at deploy (never contains the hash). */
export function storedPasswordProblem(stored: unknown): string | undefined {
  if (typeof stored !== 'string' || stored === '') return 'password missing';
  const kind = passwordKind(stored);
  if (kind === 'scrypt' && !parseScryptHash(stored)) return 'malformed scrypt hash';
  if (kind === 'bcrypt' && !BCRYPT_PATTERN.test(stored)) return 'malformed bcrypt hash';
  return undefined;
}

/**
 * Checks a presented password against a stored one, off the event loop:
 * scrypt and bcrypt in a hashing worker thread (hash-pool.ts), plain text in
 * constant time. Malformed hashes verify as false (fail closed).
 */
export async function verifyPassword(presented: string, stored: string): Promise<boolean> {
  if (storedPasswordProblem(stored)) return false;
  switch (passwordKind(stored)) {
    case 'scrypt':
      return verifyScrypt(presented, stored);
    case 'bcrypt':
      return compareBcrypt(presented, stored);
    default:
      return safeEqual(presented.normalize('NFC'), stored.normalize('NFC'));
  }
}
