/**
 * Bounded least-recently-used map with optional per-entry expiry. Every cache
 * in the package is one of these, so memory stays bounded whatever clients send.
 *
 * Recency is kept by Map insertion order. A hit re-inserts its entry only
 * once the entry has drifted a quarter of the capacity away from the newest
 * end (counted in insertions): a hot key costs one lookup per hit, and an
 * entry still needs 3/4 of the capacity in newer insertions to be evicted.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number; insertedAt: number }>();
  private insertions = 0;
  private readonly refreshAfter: number;

  constructor(readonly maxEntries: number, private readonly now: () => number = Date.now) {
    if (!(maxEntries > 0)) throw new Error('LruCache needs maxEntries > 0');
    this.refreshAfter = Math.floor(maxEntries / 4);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.insertions - hit.insertedAt > this.refreshAfter) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.entries.delete(key);
      hit.insertedAt = ++this.insertions;
      this.entries.set(key, hit);
    }
    return hit.value;
  }

  /** ttlMs omitted = no expiry. */
  set(key: K, value: V, ttlMs?: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : this.now() + ttlMs, insertedAt: ++this.insertions });
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as K);
    }
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
