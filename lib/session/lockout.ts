/**
 * Brute-force regulation in the style of Authelia: failures are counted per
 * (user, IP) and per IP in a fixed window of `findTimeSec`; reaching the limit
 * bans that pair (or that IP) for `banTimeSec`. While banned the password is
 * not even checked (ASVS 6.1.1/6.3.1): 429 AUTH_007 with Retry-After.
 *
 * Counting per (user, IP) rather than per user means an attacker cannot lock
 * a victim out from elsewhere; the per-IP limit stops one address spraying
 * many usernames. Counters live in the store, so instances sharing a store
 * share them.
 */
import type { Store } from '../store/store';
import { LockedError } from '../errors';
import { keys } from './keys';

export interface LockoutOptions {
  /** Failures per (user, IP) within findTime before a ban; 0 = off. Default 5. */
  maxRetries?: number;
  /** Failures per IP (any user) within findTime before a ban; 0 = off. Default 20. */
  ipMaxRetries?: number;
  /** Counting window, seconds. Default 120. */
  findTimeSec?: number;
  /** Ban length, seconds. Default 300. */
  banTimeSec?: number;
  now?: () => number;
}

export const LOCKOUT_DEFAULTS = Object.freeze({ maxRetries: 5, ipMaxRetries: 20, findTimeSec: 120, banTimeSec: 300 });

export class Lockout {
  readonly maxRetries: number;
  readonly ipMaxRetries: number;
  private readonly findTimeMs: number;
  private readonly banTimeMs: number;
  private readonly now: () => number;

  constructor(private readonly store: Store, opts: LockoutOptions = {}) {
    this.maxRetries = count(opts.maxRetries ?? LOCKOUT_DEFAULTS.maxRetries, 'maxRetries');
    this.ipMaxRetries = count(opts.ipMaxRetries ?? LOCKOUT_DEFAULTS.ipMaxRetries, 'ipMaxRetries');
    this.findTimeMs = seconds(opts.findTimeSec ?? LOCKOUT_DEFAULTS.findTimeSec, 'findTime') * 1000;
    this.banTimeMs = seconds(opts.banTimeSec ?? LOCKOUT_DEFAULTS.banTimeSec, 'banTime') * 1000;
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.maxRetries > 0 || this.ipMaxRetries > 0;
  }

  /** Throws LockedError (429, retryAfter) while the pair or the IP is banned. */
  async check(user: string, ip: string): Promise<void> {
    if (!this.enabled) return;
    const [pair, addr] = await Promise.all([
      this.maxRetries > 0 ? this.store.get(keys.banUserIp(user, ip)) : undefined,
      this.ipMaxRetries > 0 ? this.store.get(keys.banIp(ip)) : undefined,
    ]);
    const now = this.now();
    const until = Math.max(banEnd(pair, now), banEnd(addr, now));
    if (until > 0) {
      const retryAfter = Math.max(1, Math.ceil((until - now) / 1000));
      throw new LockedError(pair !== undefined ? 'too many failures for this user from this address' : 'too many failures from this address', { retryAfter });
    }
  }

  /** Counts one failure; bans when a limit is reached. */
  async failure(user: string, ip: string): Promise<void> {
    if (!this.enabled) return;
    await Promise.all([
      this.maxRetries > 0 && this.bump(keys.failUserIp(user, ip), keys.banUserIp(user, ip), this.maxRetries),
      this.ipMaxRetries > 0 && this.bump(keys.failIp(ip), keys.banIp(ip), this.ipMaxRetries),
    ]);
  }

  /** A success clears the (user, IP) count — never the IP count, so one valid account cannot launder an address. */
  async success(user: string, ip: string): Promise<void> {
    if (this.maxRetries > 0) await this.store.delete(keys.failUserIp(user, ip));
  }

  private async bump(counterKey: string, banKey: string, limit: number): Promise<void> {
    const { value } = await this.store.increment(counterKey, this.findTimeMs);
    if (value < limit) return;
    const until = this.now() + this.banTimeMs;
    await this.store.set(banKey, String(until), this.banTimeMs);
    await this.store.delete(counterKey);
  }
}

/** The ban's end (epoch ms); a present but unreadable entry still bans (fail closed) for a minute. */
function banEnd(raw: string | undefined, now: number): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : now + 60_000;
}

function count(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 1_000_000) throw new Error(`lockout: ${what} must be an integer >= 0`);
  return v;
}

function seconds(v: number, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`lockout: ${what} must be > 0 seconds`);
  return v;
}
