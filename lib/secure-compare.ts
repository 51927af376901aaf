import { Hash, Hmac, createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';

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
  return updateParts(createHmac('sha256', processCacheKey), parts).digest('base64');
}

/**
 * SHA-256 hex of the parts, joined unambiguously: store keys built from
 * attacker-chosen parts (usernames, IPs). Stored data depends on this exact
 * construction; changing it orphans every existing key.
 */
export function sha256Parts(...parts: string[]): string {
  return updateParts(createHash('sha256'), parts).digest('hex');
}

/** Each part as `<length>:<part>`, so ("ab", "c") and ("a", "bc") never collide. */
function updateParts<H extends Hash | Hmac>(h: H, parts: string[]): H {
  for (const p of parts) h.update(String(p.length)).update(':').update(p, 'utf8');
  return h;
}
