import { hash, randomBytes, timingSafeEqual } from 'crypto';

/** SHA-256 of a UTF-8 string as lowercase hex: how API keys and refresh tokens are stored. */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/**
 * Constant-time equality of two strings of any length: both sides are hashed
 * first so timingSafeEqual always compares equal-length digests and the
 * length of the secret does not leak.
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}

/** Constant-time equality of two buffers (false, not a throw, on length mismatch). */
export function safeEqualBuffers(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A per-process secret prefix for cache keys, so a cache never holds a
 * presented secret or its plain hash. A secret-prefixed SHA-256 is enough
 * here (length extension gives nothing: the key is only looked up, never
 * verified) and costs a quarter of an HMAC object per request.
 */
const processCachePrefix = randomBytes(32).toString('base64');

/** Keyed hash of the parts (joined unambiguously) for in-memory cache keys. */
export function cacheKey(...parts: string[]): string {
  return hash('sha256', processCachePrefix + joinParts(parts), 'base64');
}

/**
 * SHA-256 hex of the parts, joined unambiguously: store keys built from
 * attacker-chosen parts (usernames, IPs). Stored data depends on this exact
 * construction; changing it orphans every existing key.
 */
export function sha256Parts(...parts: string[]): string {
  return hash('sha256', joinParts(parts), 'hex');
}

/** Each part as `<length>:<part>`, so ("ab", "c") and ("a", "bc") never collide. */
function joinParts(parts: string[]): string {
  let joined = '';
  for (const p of parts) joined += `${p.length}:${p}`;
  return joined;
}
