import { verifyPassword, passwordKind } from './verify';
import { dummyHashLike } from './dummy-hash';
import { LruCache } from '../util/lru';
import { ConcurrencyLimiter } from '../util/concurrency-limiter';
import { availableParallelism } from 'os';
import { cacheKey } from '../crypto/secure-compare';

export interface PasswordCheckerOptions {
  /** Successful verifications remembered (never failures). */
  cacheSize?: number;
  cacheTtlMs?: number;
  /** Defaults to one limiter for the whole process, so many nodes together still share one hashing budget. */
  limiter?: ConcurrencyLimiter;
}

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
 *  - failures are never cached, so a wrong password always costs a full hash;
 *  - an unknown user costs the same hash work as a wrong password (ASVS 6.3.8);
 *  - hashing runs with bounded concurrency, shared by every checker in the process.
 */
export class PasswordChecker {
  /** cacheKey(user, presented) → the stored hash it was verified against. */
  private readonly cache: LruCache<string, string>;
  private readonly limiter: ConcurrencyLimiter;
  private readonly ttlMs: number;

  constructor(opts: PasswordCheckerOptions = {}) {
    this.cache = new LruCache(opts.cacheSize ?? 10_000);
    this.ttlMs = opts.cacheTtlMs ?? 10 * 60_000;
    this.limiter = opts.limiter ?? processLimiter;
  }

  /**
   * stored undefined = unknown user: verify against a dummy hash with the same
   * parameters as `likeHash` (another user's hash), then fail. `likeHash` may
   * be a function: it is then only evaluated for unknown users.
   */
  async check(
    username: string, presented: string, stored: string | undefined,
    likeHash?: string | (() => string | undefined),
  ): Promise<boolean> {
    if (stored === undefined) {
      const dummy = dummyHashLike(typeof likeHash === 'function' ? likeHash() : likeHash);
      await this.limiter.run(() => verifyPassword(presented, dummy));
      return false;
    }
    const kind = passwordKind(stored);
    const key = kind === 'plain' ? undefined : cacheKey(username, presented);
    if (key && this.cache.get(key) === stored) return true;
    const ok = kind === 'plain' ? await verifyPassword(presented, stored) : await this.limiter.run(() => verifyPassword(presented, stored));
    if (ok && key) this.cache.set(key, stored, this.ttlMs);
    return ok;
  }

  /**
   * True when this exact password was verified for this stored hash recently
   * (the success cache): no hash work, no await. Never true for plain text.
   */
  knownGood(username: string, presented: string, stored: string | undefined): boolean {
    if (stored === undefined || passwordKind(stored) === 'plain') return false;
    return this.cache.get(cacheKey(username, presented)) === stored;
  }
}
