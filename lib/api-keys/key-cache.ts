/**
 * Verified keys kept in memory, so a warm check costs one HMAC and a map
 * lookup, no store round trip. Correct under revocation because:
 *  - every change to a key (revoke, rotate) is announced, and the
 *    announcement evicts it here; a change made on this instance is heard
 *    before the operation returns (the in-process bus is synchronous), on
 *    other instances when the store's channel delivers it (Redis pub/sub,
 *    PostgreSQL NOTIFY: normally well under a millisecond on a LAN);
 *  - a lookup that was in flight while its key changed is never cached and
 *    is read again (an epoch per key), so a stale "valid" cannot outlive the
 *    announcement;
 *  - while the channel is down (lost connection) nothing is cached or
 *    served from the cache: every check reads the store, or fails closed
 *    when the store cannot answer;
 *  - entries live at most maxAgeMs, a backstop for a channel that fails
 *    silently. Bounded: maxEntries keys, least recently used go first.
 */
import type { KeyObject } from 'crypto';
import { LruCache } from '../util/lru';
import { IpAccessList } from '../ip/access-list';
import type { ApiKeyRecord } from './record';

export interface CachedKey {
  record: ApiKeyRecord;
  /** The key's own IP rules, compiled once per load (prefix tries, no list scan per request). */
  access: IpAccessList | undefined;
  /** The unsealed signing secret, set on first signed request; evicted with the entry (revoke, rotate). */
  signing?: KeyObject;
}

export interface KeyCacheOptions {
  /** Default 10000. */
  maxEntries?: number;
  /** Default 60000. 0 turns the cache off (every check reads the store). */
  maxAgeMs?: number;
  now?: () => number;
}

export class KeyCache {
  private readonly entries: LruCache<string, CachedKey>;
  /** id → epoch of its last change heard here; bounded like the entries. */
  private readonly changed: LruCache<string, number>;
  /** id → digest of cached entries, to evict by id. */
  private readonly digests: LruCache<string, string>;
  private readonly maxAgeMs: number;
  private epochCounter = 0;
  /** Epoch of the last channel loss: a read begun before it may predate a change nobody heard. */
  private lostAt = 0;
  private trusted = false;

  constructor(opts: KeyCacheOptions = {}) {
    const max = opts.maxEntries ?? 10_000;
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.entries = new LruCache(max, opts.now);
    // Changes are remembered a little longer than any lookup can take.
    this.changed = new LruCache(max, opts.now);
    this.digests = new LruCache(max, opts.now);
  }

  /** The moment a lookup starts; compare with changedSince when it ends. */
  get epoch(): number {
    return this.epochCounter;
  }

  get size(): number {
    return this.entries.size;
  }

  get(digest: string): CachedKey | undefined {
    if (!this.trusted) return undefined;
    const hit = this.entries.get(digest);
    // Served only while invalidate() can still find it: the id → digest map evicts on its own (a hot key
    // outlives its mapping once maxEntries other keys were loaded), and a revoke must never miss it.
    if (hit && this.digests.get(hit.record.id) !== digest) {
      this.entries.delete(digest);
      return undefined;
    }
    return hit;
  }

  /** Whether the key changed (an announcement) after `epoch`. */
  changedSince(id: string, epoch: number): boolean {
    const at = this.changed.get(id);
    return at !== undefined && at > epoch;
  }

  /** Keeps a record read at `epoch`, unless it changed meanwhile or the channel is down. */
  put(digest: string, entry: CachedKey, epoch: number): void {
    if (!this.trusted || this.maxAgeMs <= 0 || epoch < this.lostAt || this.changedSince(entry.record.id, epoch)) return;
    this.entries.set(digest, entry, this.maxAgeMs);
    this.digests.set(entry.record.id, digest, this.maxAgeMs);
  }

  /** An announcement: the key changed in the store. */
  invalidate(id: string): void {
    this.changed.set(id, ++this.epochCounter, 300_000);
    const digest = this.digests.get(id);
    if (digest !== undefined) this.entries.delete(digest);
  }

  /** The invalidation channel is up (true) or may have missed messages (false: drop everything). */
  setTrusted(up: boolean): void {
    if (!up) {
      this.lostAt = ++this.epochCounter;
      this.entries.clear();
    }
    this.trusted = up;
  }
}

export function compileAccess(record: ApiKeyRecord): IpAccessList | undefined {
  if (record.allowedIps.length === 0 && record.deniedIps.length === 0) return undefined;
  return new IpAccessList({ allow: record.allowedIps, deny: record.deniedIps });
}
