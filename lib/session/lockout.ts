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
 *
 * Hot path: a per-IP mark is written before any counter or ban of that IP
 * and outlives them all, so a request from an address with no recent
 * failure costs one store read (the mark) and nothing on success. Counters
 * or bans written without a mark (by a version before it) are not seen.
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

/** What check() saw, for success(): `quiet` = no failure state existed for the IP, so there is nothing to reset. */
export interface LockCheck {
  readonly quiet: boolean;
}

const QUIET: LockCheck = Object.freeze({ quiet: true });
const NOISY: LockCheck = Object.freeze({ quiet: false });

/** The mark outlives the writes that follow it (counter, ban) by this much: covers a slow store between them. */
const MARK_SLACK_MS = 60_000;

export class Lockout {
  readonly maxRetries: number;
  readonly ipMaxRetries: number;
  private readonly findTimeMs: number;
  private readonly banTimeMs: number;
  private readonly markTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly store: Store, opts: LockoutOptions = {}) {
    this.maxRetries = count(opts.maxRetries ?? LOCKOUT_DEFAULTS.maxRetries, 'maxRetries');
    this.ipMaxRetries = count(opts.ipMaxRetries ?? LOCKOUT_DEFAULTS.ipMaxRetries, 'ipMaxRetries');
    this.findTimeMs = seconds(opts.findTimeSec ?? LOCKOUT_DEFAULTS.findTimeSec, 'findTime') * 1000;
    this.banTimeMs = seconds(opts.banTimeSec ?? LOCKOUT_DEFAULTS.banTimeSec, 'banTime') * 1000;
    this.markTtlMs = Math.max(this.findTimeMs, this.banTimeMs) + MARK_SLACK_MS;
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.maxRetries > 0 || this.ipMaxRetries > 0;
  }

  /**
   * Throws LockedError (429, retryAfter) while the pair or the IP is banned.
   * An IP without a mark has no counter and no ban: one read, then done.
   */
  async check(user: string, ip: string): Promise<LockCheck> {
    if (!this.enabled) return QUIET;
    if ((await this.store.get(keys.lockMark(ip))) === undefined) return QUIET;
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
    return NOISY;
  }

  /** Counts one failure; bans when a limit is reached. */
  async failure(user: string, ip: string): Promise<void> {
    if (!this.enabled) return;
    // The mark first: whoever reads no mark may rely on there being no counter and no ban.
    await this.store.set(keys.lockMark(ip), String(this.now() + this.markTtlMs), this.markTtlMs);
    await Promise.all([
      this.maxRetries > 0 && this.bump(keys.failUserIp(user, ip), keys.banUserIp(user, ip), this.maxRetries),
      this.ipMaxRetries > 0 && this.bump(keys.failIp(ip), keys.banIp(ip), this.ipMaxRetries),
    ]);
  }

  /**
   * A success clears the (user, IP) count — never the IP count, so one valid
   * account cannot launder an address. Pass what check() returned: after a
   * quiet check there is no count to clear, and no store call is made (a
   * failure racing in between then stays counted: the safe side).
   */
  async success(user: string, ip: string, checked?: LockCheck): Promise<void> {
    if (this.maxRetries > 0 && !checked?.quiet) await this.store.delete(keys.failUserIp(user, ip));
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
