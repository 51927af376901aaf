/**
 * Argument checks every adapter applies before touching its backend, so a
 * caller tested against MemoryStore sees the same rejections from Redis or
 * PostgreSQL. U+0000 is refused because PostgreSQL text cannot hold it.
 */

export const MAX_KEY_LENGTH = 512;

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || key.includes('\u0000')) {
    throw new TypeError(`store: key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters without U+0000`);
  }
}

export function checkValue(value: string): void {
  if (typeof value !== 'string' || value.includes('\u0000')) {
    throw new TypeError('store: value must be a string without U+0000');
  }
}

/** A required TTL as whole milliseconds (Redis PX and PostgreSQL bigint take integers). */
export function requiredTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError('store: ttlMs must be a positive finite number of milliseconds');
  }
  return Math.ceil(ttlMs);
}

/** An optional TTL: undefined = no expiry; adapters map that to their own "never". */
export function optionalTtl(ttlMs: number | undefined): number | undefined {
  return ttlMs === undefined ? undefined : requiredTtl(ttlMs);
}

/** What increment() throws on a non-counter value: the caller's bug, not an outage. */
export function notACounter(): TypeError {
  return new TypeError('store: value is not an integer counter');
}

/** A stored counter; at most 15 digits so it stays an exact JS number. */
export function parseCounter(v: string): number {
  if (!/^-?\d{1,15}$/.test(v)) throw notACounter();
  return Number(v);
}
