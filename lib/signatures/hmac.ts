import { createHmac, KeyObject } from 'crypto';
import { safeEqualBuffers } from '../crypto/secure-compare';

/** HMAC-SHA-256 (RFC 2104, FIPS 198-1) of the parts, fed in order without copying them together. */
export function hmacSha256(key: KeyObject, ...parts: Array<string | Uint8Array>): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * Whether any presented signature equals the HMAC under any live key. Every
 * comparison is constant-time (equal-length buffers through timingSafeEqual);
 * which key or candidate matched is not secret.
 */
export function anySignatureMatches(keys: readonly KeyObject[], presented: readonly Buffer[], parts: Array<string | Uint8Array>): boolean {
  let match = false;
  for (const key of keys) {
    const expected = hmacSha256(key, ...parts);
    for (const candidate of presented) if (safeEqualBuffers(expected, candidate)) match = true;
  }
  return match;
}
