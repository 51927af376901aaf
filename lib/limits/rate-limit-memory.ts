/**
 * The embedded rate-limit state: GCRA TATs in this process, for one Node-RED
 * instance (or as the local insurance while a shared store is down).
 *
 * Memory is bounded whatever clients send: at most `maxKeys` keys. The Map
 * is kept in (nearly) last-update order (an allowed request re-inserts its
 * key once it has drifted a quarter of the capacity), so the oldest entries
 * sit at the head; each insert first drops expired heads
 * (state whose every TAT has passed is the same as no state), and only when
 * the map is still full drops the least recently updated live key — like
 * nginx's limit_req zone. Such evictions are counted (`evictedLive`) so the
 * node can say its capacity is too small; they forget a client's recent use,
 * they never refuse anyone.
 */
import { gcraAll, type GcraDecision, type GcraPolicy } from './rate-limit-gcra';

export interface TakeResult {
  decision: GcraDecision;
  /** The clock the decision used, µs since the epoch (the Redis server's for Redis). */
  nowUs: number;
}

/** Where GCRA state lives: applies every policy to one key atomically. */
export interface RateLimitBackend {
  take(key: string, policies: readonly GcraPolicy[], cost: number): TakeResult | Promise<TakeResult>;
}

export interface MemoryRateLimitOptions {
  /** Most keys held at once. Default 100,000 (≈ 15 MB with two policies). */
  maxKeys?: number;
  /** Clock in µs since the epoch. Default: a monotonic clock anchored at the epoch. */
  nowUs?: () => number;
}

/** Monotonic (never steps back with NTP), sub-millisecond, anchored at the Unix epoch. */
export const monotonicNowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

const NONE: ReadonlyArray<number | undefined> = [];
/** Heads examined for expiry per insert: keeps the sweep O(1). */
const SWEEP = 2;

export class MemoryRateLimitStore implements RateLimitBackend {
  /** key → the TAT of each policy, then the insertion count when it was last moved to the newest end. */
  private readonly tats = new Map<string, number[]>();
  private readonly maxKeys: number;
  private readonly refreshAfter: number;
  private insertions = 0;
  private readonly nowUs: () => number;
  /** Live (unexpired) states dropped to make room: > 0 means maxKeys is too small for the traffic. */
  evictedLive = 0;

  constructor(options: MemoryRateLimitOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) throw new RangeError('maxKeys must be a positive integer');
    this.nowUs = options.nowUs ?? monotonicNowUs;
    this.refreshAfter = Math.floor(this.maxKeys / 4);
  }

  get size(): number {
    return this.tats.size;
  }

  take(key: string, policies: readonly GcraPolicy[], cost: number): TakeResult {
    const nowUs = this.nowUs();
    const entry = this.tats.get(key);
    const decision = gcraAll(policies, entry ?? NONE, nowUs, cost);
    if (decision.allowed && cost > 0) {
      const n = policies.length;
      if (entry) {
        for (let i = 0; i < n; i++) entry[i] = decision.outcomes[i].tat;
        // Move to the newest end only once it has drifted a quarter of the
        // capacity from there (as LruCache): a Map delete+set costs more than the decision.
        if (this.insertions - entry[n] > this.refreshAfter) {
          this.tats.delete(key);
          entry[n] = ++this.insertions;
          this.tats.set(key, entry);
        }
      } else {
        this.makeRoom(nowUs);
        const fresh = new Array<number>(n + 1);
        for (let i = 0; i < n; i++) fresh[i] = decision.outcomes[i].tat;
        fresh[n] = ++this.insertions;
        this.tats.set(key, fresh);
      }
    }
    return { decision, nowUs };
  }

  private makeRoom(nowUs: number): void {
    let swept = 0;
    for (const [key, entry] of this.tats) {
      let expired = true;
      for (let i = 0; i < entry.length - 1; i++) if (entry[i] > nowUs) expired = false;
      if (expired) this.tats.delete(key);
      else if (this.tats.size >= this.maxKeys) {
        this.tats.delete(key);
        this.evictedLive++;
      } else break;
      if (++swept >= SWEEP && this.tats.size < this.maxKeys) break;
    }
  }
}
