/**
 * The tokens we mint ourselves (refresh tokens, opaque access tokens): 256
 * bits from the CSPRNG (ASVS 7.2.3 asks for at least 128), base64url, and
 * stored only as their SHA-256 (sha256Hex).
 */
import { randomBytes } from 'crypto';

/** 32 random bytes, base64url: exactly 43 characters. */
const FORMAT = /^[A-Za-z0-9_-]{43}$/;

export function mintRandomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether `value` has the shape of a token we mint (cheap refusal before any store read). */
export function isRandomToken(value: unknown): value is string {
  return typeof value === 'string' && FORMAT.test(value);
}
