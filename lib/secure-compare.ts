import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';

/** SHA-256 of a UTF-8 string as lowercase hex: how API keys and refresh tokens are stored. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Constant-time equality of two strings of any length: both sides are hashed
 * first so timingSafeEqual always compares equal-length digests and the
 * length of the secret does not leak.
 */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** Constant-time equality of two buffers (false, not a throw, on length mismatch). */
export function safeEqualBuffers(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A per-process key for cache keys, so a cache never holds a presented secret or its plain hash. */
const processCacheKey = randomBytes(32);

/** Keyed hash of the parts (joined unambiguously) for cache keys. */
export function cacheKey(...parts: string[]): string {
  const h = createHmac('sha256', processCacheKey);
  for (const p of parts) h.update(String(p.length)).update(':').update(p, 'utf8');
  return h.digest('base64');
}
