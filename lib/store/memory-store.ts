import type { Store } from './store';
import type { Maybe } from '../util/maybe';
import { StoreUnavailableError } from '../errors';
import { checkKey, checkValue, optionalTtl, parseCounter, requiredTtl } from './validate';

/**
 * In-process Store: tests, the Express middleware, and the backing of one
 * Node-RED process. Bounded, so a flood of distinct keys (usernames, IPs)
 * cannot exhaust memory — at the price that such a flood can evict counters;
 * use Redis/PostgreSQL when that matters.
 */
export interface MemoryStoreOptions {
  /** Upper bound on entries. When full: expired entries go first, then as `whenFull` says. Default 100000. */
  maxEntries?: number;
  /**
   * Full of live entries: 'evict' (default) forgets the least recently
   * written; 'refuse' fails the write with StoreUnavailableError (503
   * AUTH_011). A store of used nonces must refuse: a forgotten nonce that is
   * still inside its time window could be replayed.
   */
  whenFull?: 'evict' | 'refuse';
  /** Period of the background sweep of expired entries; 0 disables it (lazy expiry still applies). Default 60000. */
  sweepIntervalMs?: number;
  /** Clock in epoch ms; injectable for tests. */
  now?: () => number;
}

interface Entry {
  v: string;
  /** Expiry in epoch ms; undefined = never. */
  exp: number | undefined;
}

/** A full expiry scan is O(n); while full, run it at most this often and evict the oldest in between. */
const FULL_SWEEP_MIN_INTERVAL_MS = 1000;

export class MemoryStore implements Store {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly refuseWhenFull: boolean;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private lastFullSweep = -Infinity;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError('MemoryStore: maxEntries must be a positive integer');
    }
    if (options.whenFull !== undefined && options.whenFull !== 'evict' && options.whenFull !== 'refuse') {
      throw new RangeError('MemoryStore: whenFull must be "evict" or "refuse"');
    }
    this.refuseWhenFull = options.whenFull === 'refuse';
    this.now = options.now ?? Date.now;
    const interval = options.sweepIntervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.sweep(), interval);
      this.timer.unref(); // never keep the process alive for housekeeping
    }
  }

  /** Number of entries held, expired ones included until swept. */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    return this.read(key);
  }

  /** get without a promise (Store.read): the value is in this process. */
  read(key: string): Maybe<string | undefined> {
    try {
      checkKey(key);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.live(key)?.v;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    checkKey(key);
    checkValue(value);
    this.write(key, { v: value, exp: this.expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    return this.claim(key, value, ttlMs);
  }

  /** setIfAbsent without a promise (Store.claim): the nonce check of a signed request stays synchronous. */
  claim(key: string, value: string, ttlMs?: number): Maybe<boolean> {
    try {
      checkKey(key);
      checkValue(value);
      const exp = this.expiry(ttlMs);
      if (this.live(key)) return false;
      this.write(key, { v: value, exp });
      return true;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async increment(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }> {
    checkKey(key);
    const windowMs = requiredTtl(ttlMs);
    const now = this.now();
    const current = this.live(key);
    let value = 1;
    let exp = now + windowMs;
    if (current) {
      value = parseCounter(current.v) + 1;
      // Fixed window: keep the existing expiry; a counter set without one gets this window.
      if (current.exp !== undefined) exp = current.exp;
    }
    this.write(key, { v: String(value), exp });
    return { value, ttlMs: Math.max(0, exp - now) };
  }

  async compareAndSet(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean> {
    checkKey(key);
    checkValue(expected);
    checkValue(value);
    const exp = this.expiry(ttlMs);
    const current = this.live(key);
    if (!current || current.v !== expected) return false;
    this.write(key, { v: value, exp });
    return true;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  /** Remove every expired entry; returns how many went. */
  sweep(): number {
    const now = this.now();
    this.lastFullSweep = now;
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.exp !== undefined && entry.exp <= now) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Expired entries at the old end of the map (written first): with one TTL
   * per use, as for nonces, that is where they expire, so a full store frees
   * room without a scan of every entry. Stops at the first live one.
   */
  private dropExpiredOldest(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.exp === undefined || entry.exp > now) return;
      this.entries.delete(key);
    }
  }

  /** The entry when present and unexpired; drops it lazily when expired. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.exp !== undefined && entry.exp <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private expiry(ttlMs: number | undefined): number | undefined {
    const ms = optionalTtl(ttlMs);
    return ms === undefined ? undefined : this.now() + ms;
  }

  /** Re-insert so Map order is write order: the first key is the least recently written. */
  private write(key: string, entry: Entry): void {
    if (!this.entries.delete(key)) this.makeRoom();
    this.entries.set(key, entry);
  }

  private makeRoom(): void {
    if (this.entries.size < this.maxEntries) return;
    this.dropExpiredOldest();
    if (this.entries.size < this.maxEntries) return;
    if (this.now() - this.lastFullSweep >= FULL_SWEEP_MIN_INTERVAL_MS) this.sweep();
    if (this.entries.size >= this.maxEntries && this.refuseWhenFull) {
      throw new StoreUnavailableError(`memory store full (${this.maxEntries} live entries)`);
    }
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
