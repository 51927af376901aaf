import { performance } from 'perf_hooks';
import { verifyPassword, passwordKind } from './verify';
import { dummyHashLike } from './dummy-hash';
import { expectedCheckMs, observeCheck } from './hash-cost';
import { LruCache } from '../util/lru';
import { ConcurrencyLimiter } from '../util/concurrency-limiter';
import { availableParallelism } from 'os';
import { cacheKey } from '../crypto/secure-compare';

export interface PasswordCheckerOptions {
  /** Successful verifications remembered (never failures). */
  cacheSize?: number;
  /** How long a verified password is trusted without a new hash, ms (each entry 90–100 % of it). Default 10 min. */
  cacheTtlMs?: number;
  /** Defaults to one limiter for the whole process, so many nodes together still share one hashing budget. */
  limiter?: ConcurrencyLimiter;
  now?: () => number;
}

/** The stored hash a password was verified against, and when to verify it again in the background. */
interface Verified { stored: string; refreshAt: number }

/** A check in progress: identical checks (same user, password and stored hash) share it. */
interface Flight { stored: string | undefined; result: Promise<boolean> }

/** A cached success is re-verified once this share of its lifetime has passed and it is still in use. */
const REFRESH_AFTER = 0.8;

// Each hash keeps a core fully busy (in a hashing worker thread, hash-pool.ts).
// Leaving one core to the event loop is what keeps a login storm
// from stalling every other route (measured in docs/BENCHMARKS.md): at most
// cores − 1 hashes at once, at least 1.
const processLimiter = new ConcurrencyLimiter(Math.max(1, availableParallelism() - 1), 1_000);

/**
 * Password verification for the request path:
 *  - a bounded cache of successful checks: keyed by a keyed hash of (user,
 *    presented password) with a per-process secret, holding the stored hash
 *    the password matched — it never holds a plain password, and a changed
 *    or removed credential misses by itself (the stored hash differs);
 *  - a cached success in use is re-verified in the background before it
 *    expires, and lifetimes are jittered: steady traffic never meets a miss,
 *    and credentials verified together do not expire together;
 *  - identical checks in flight share one hash (single flight): a client
 *    opening ten connections at once costs one hash, not ten;
 *  - failures are never cached, so a wrong password always costs a full hash;
 *  - an unknown user costs what a wrong password of the list's costliest
 *    hash costs, and a wrong password of a cheaper hash is padded to that
 *    (ASVS 6.3.8; costs are measured per hash profile, hash-cost.ts);
 *  - hashing runs with bounded concurrency, shared by every checker in the process.
 */
export class PasswordChecker {
  /** cacheKey(user, presented) → the stored hash it was verified against. */
  private readonly cache: LruCache<string, Verified>;
  /** cacheKey(user, presented) → the check in flight; as bounded as the limiter's queue. */
  private readonly flights = new Map<string, Flight>();
  private readonly limiter: ConcurrencyLimiter;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: PasswordCheckerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.cache = new LruCache(opts.cacheSize ?? 10_000, this.now);
    this.ttlMs = opts.cacheTtlMs ?? 10 * 60_000;
    this.limiter = opts.limiter ?? processLimiter;
  }

  /**
   * stored undefined = unknown user: verify against a dummy hash with the same
   * parameters as `likeHash` (the list's costliest hash), then fail.
   * `likeHash` may be a function: it is then only evaluated when needed (an
   * unknown user, or a failure to pad).
   */
  check(
    username: string, presented: string, stored: string | undefined,
    likeHash?: string | (() => string | undefined),
    floorHash?: string,
  ): Promise<boolean> {
    const key = cacheKey(username, presented);
    if (stored !== undefined && this.cachedGood(key, presented, stored)) return Promise.resolve(true);
    const flight = this.flights.get(key);
    if (flight && flight.stored === stored) return flight.result;
    return this.fly(key, stored, this.verify(key, presented, stored, likeHash, floorHash));
  }

  /**
   * True when this exact password was verified for this stored hash recently
   * (the success cache): no hash work, no await. Never true for plain text.
   */
  knownGood(username: string, presented: string, stored: string | undefined): boolean {
    if (stored === undefined || passwordKind(stored) === 'plain') return false;
    return this.cachedGood(cacheKey(username, presented), presented, stored);
  }

  /** A cache hit for `stored`; a hit due for refresh starts its background re-verification. */
  private cachedGood(key: string, presented: string, stored: string): boolean {
    const hit = this.cache.get(key);
    if (hit?.stored !== stored) return false;
    if (this.now() >= hit.refreshAt && !this.flights.has(key)) {
      hit.refreshAt = Infinity; // once: the refresh below replaces the entry
      const refresh = this.hash(presented, stored).then(({ ok }) => {
        if (ok) this.remember(key, stored);
        else this.cache.delete(key);
        return ok;
      }, () => false); // a full hashing queue: the entry simply expires as it would have
      void this.fly(key, stored, refresh);
    }
    return true;
  }

  /** Registers `result` as the flight for `key` until it settles. */
  private fly(key: string, stored: string | undefined, result: Promise<boolean>): Promise<boolean> {
    const flight: Flight = { stored, result };
    this.flights.set(key, flight);
    const land = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    result.then(land, land);
    return result;
  }

  private async verify(
    key: string, presented: string, stored: string | undefined, likeHash: string | (() => string | undefined) | undefined,
    floorHash: string | undefined,
  ): Promise<boolean> {
    // `floorHash`: users also come from elsewhere (registered accounts); every failure lasts at least its check.
    const like = () => costlier(typeof likeHash === 'function' ? likeHash() : likeHash, floorHash);
    if (stored === undefined) {
      const dummy = dummyHashLike(typeof likeHash === 'function' ? likeHash() : likeHash);
      const { ms } = await this.hash(presented, dummy);
      await padFailure(dummy, floorHash, ms);
      return false;
    }
    if (passwordKind(stored) === 'plain') {
      if (await verifyPassword(presented, stored)) return true;
      await padFailure(stored, like(), 0);
      return false;
    }
    const { ok, ms } = await this.hash(presented, stored);
    if (ok) {
      this.remember(key, stored);
      return true;
    }
    await padFailure(stored, like(), ms);
    return false;
  }

  /**
   * One hash once a slot is free. `ms` is the hash's own time, without the
   * wait for the slot (an unknown user waits for a slot too): it feeds the
   * profile's slowdown, and padding adds only what the hash itself lacked.
   */
  private hash(presented: string, stored: string): Promise<{ ok: boolean; ms: number }> {
    return this.limiter.run(async () => {
      const started = performance.now();
      const ok = await verifyPassword(presented, stored);
      const ms = performance.now() - started;
      observeCheck(stored, ms);
      return { ok, ms };
    });
  }

  private remember(key: string, stored: string): void {
    const ttl = this.ttlMs * (0.9 + 0.1 * Math.random());
    this.cache.set(key, { stored, refreshAt: this.now() + ttl * REFRESH_AFTER }, ttl);
  }
}

/**
 * A wrong password for a user with a cheaper hash than the list's costliest
 * lasts as long as the costliest check would take now — which is what an
 * unknown user costs (its measured cost, times how much slower than measured
 * checks currently run).
 */
function costlier(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return expectedCheckMs(a) >= expectedCheckMs(b) ? a : b;
}

async function padFailure(stored: string, like: string | undefined, hashMs: number): Promise<void> {
  if (like === undefined) return;
  const target = expectedCheckMs(like);
  if (target <= expectedCheckMs(stored)) return;
  const wait = target - hashMs;
  if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
}
