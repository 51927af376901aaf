/**
 * Brute-force regulation in the style of Authelia: failures are counted per
 * (user, IP) and per IP in a fixed window of `findTimeSec`; reaching the limit
 * bans that pair (or that IP) for `banTimeSec`. While banned the password is
 * not even checked (ASVS 6.1.1/6.3.1): 429 AUTH_007 with Retry-After.
 *
 * Counting per (user, IP) rather than per user means an attacker cannot lock
 * a victim out from elsewhere; the per-IP limit stops one address spraying
 * many usernames. Counters live in the store, so instances sharing a store
 * share them. IPv6 clients are counted per /64 (one customer's usual
 * allocation, RFC 6177), IPv4 per address.
 *
 * Concurrency: an attempt is reserved (in-process) before anything is read,
 * and admitted only while attempts in flight + failures recorded stay within
 * a limit — so a burst cannot have more guesses checked than the limit while
 * the first failures are still being counted. An attempt beyond it waits
 * (bounded: MAX_WAITERS_PER_KEY, WAIT_LIMIT_MS) for one ahead to end, then
 * reads the counts again: only failures lock anyone out, so a right password
 * that arrives with others is let through once those ahead are done — or
 * refused because they failed — never refused merely for arriving together.
 *
 * Hot path: a per-IP mark is written before any counter or ban of that IP
 * and outlives them all, so an address with no mark has nothing to check.
 * Per-request checks (basic) may also remember "no mark" in-process per
 * Store object for `quietMemoMs` (bounded, QUIET_MEMO_MAX addresses): a
 * request from an address with no recent failure then costs one store read
 * per `quietMemoMs` at most, and nothing on success. A mark this process writes drops the memo before and after the
 * write, and a read that overlapped any mark write is not remembered, so
 * nodes sharing a Store object see each other's failures at once; another
 * instance sharing the backend sees them within `quietMemoMs`. The login
 * endpoint leaves it off: a login costs a password hash anyway.
 */
import type { Store } from '../store/store';
import { LockedError } from '../errors';
import { parseAddress, formatBytes, ipv4Text } from '../ip/address';
import { keys } from '../store/keys';
import { noteBan } from './bans';
import { emitDecision } from '../audit';
import { performance } from 'perf_hooks';

export interface LockoutOptions {
  /** Failures per (user, IP) within findTime before a ban; 0 = off. Default 5. */
  maxRetries?: number;
  /** Failures per IP (any user) within findTime before a ban; 0 = off. Default 20. */
  ipMaxRetries?: number;
  /** Counting window, seconds. Default 120. */
  findTimeSec?: number;
  /** Ban length, seconds. Default 300. */
  banTimeSec?: number;
  /**
   * How long "this address had no mark" is trusted without asking the store
   * again, ms; 0 (default) asks every time. It is how long another instance
   * sharing the store (Redis, PostgreSQL) may take to see a ban decided
   * elsewhere: failures are still counted in the shared store at once.
   * Marks written in this process are seen at once. At most 10 s.
   */
  quietMemoMs?: number;
  now?: () => number;
}

/** What per-request checks (the basic node and middleware) use: one mark read per address per second at most. */
export const CHECK_QUIET_MEMO_MS = 1000;

export const LOCKOUT_DEFAULTS = Object.freeze({ maxRetries: 5, ipMaxRetries: 20, findTimeSec: 120, banTimeSec: 300 });

/** What check() saw, for success(): `quiet` = no failure state existed for the IP, so there is nothing to reset. */
export interface LockCheck {
  readonly quiet: boolean;
}

/** One reserved attempt: end it with exactly one of failure(), success() or end(). */
export interface LockAttempt {
  /** Counts the failure in the store, then frees the reservation. */
  failure(): Promise<void>;
  /** Clears the (user, IP) count when one may exist, then frees the reservation. */
  success(): Promise<void>;
  /** Frees the reservation without counting anything (e.g. "MFA code required", a store error). Idempotent. */
  end(): void;
}

const QUIET: LockCheck = Object.freeze({ quiet: true });

/** The mark outlives the writes that follow it (counter, ban) by this much: covers a slow store between them. */
const MARK_SLACK_MS = 60_000;

/**
 * Attempts in flight per counter key, for the whole process: login and basic
 * nodes sharing a store share counters, so they share reservations too.
 * `reserved` counts attempts reading the store or admitted, `admitted` those
 * being checked; `ended` counts admitted attempts that ended, and waking
 * `waiters` is what their ending does. Entries leave when their last
 * reservation ends; the size bounds fail closed (429, nothing counted).
 */
interface KeyAttempts { reserved: number; admitted: number; ended: number; waiters: Set<() => void> }
const inFlight = new Map<string, KeyAttempts>();
const MAX_IN_FLIGHT_KEYS = 100_000;
/** Attempts waiting for one key: more is a flood from one address, refused (429, not counted). */
const MAX_WAITERS_PER_KEY = 100;
/** How long an attempt waits for those ahead before it is refused (429, not counted). */
const WAIT_LIMIT_MS = 10_000;
/** When only reads are ahead (no attempt admitted yet to wake us), look again after this long. */
const RECHECK_MS = 5;

/** Addresses remembered per store; the oldest leaves first, so a flood of distinct IPs cannot grow memory. */
const QUIET_MEMO_MAX = 10_000;

/**
 * Lockout addresses whose mark was read absent from one Store object, with when the read started.
 * `epoch` moves whenever a mark write starts or ends: a read that saw it
 * move may have raced a mark and is not remembered.
 */
class QuietMarks {
  epoch = 0;
  private readonly readAt = new Map<string, number>();

  get size(): number {
    return this.readAt.size;
  }

  has(addr: string, now: number, ttlMs: number): boolean {
    const at = this.readAt.get(addr);
    if (at === undefined) return false;
    const age = now - at;
    if (age >= 0 && age < ttlMs) return true;
    this.readAt.delete(addr); // expired, or the clock went back: ask the store
    return false;
  }

  remember(addr: string, readStart: number): void {
    this.readAt.delete(addr); // re-inserted last: Map order stays read order
    if (this.readAt.size >= QUIET_MEMO_MAX) this.readAt.delete(this.readAt.keys().next().value as string);
    this.readAt.set(addr, readStart);
  }

  /** A mark write starts or ends: forget the address, and void reads in flight. */
  forget(addr: string): void {
    this.epoch++;
    this.readAt.delete(addr);
  }
}

/** Per Store object: nodes sharing a store share it, so a mark one writes is seen by all. */
const quietMemos = new WeakMap<Store, QuietMarks>();

function quietMarks(store: Store): QuietMarks {
  let memo = quietMemos.get(store);
  if (!memo) {
    memo = new QuietMarks();
    quietMemos.set(store, memo);
  }
  return memo;
}

/** How many addresses are remembered as quiet for `store` (diagnostics and tests). */
export function quietMemoSize(store: Store): number {
  return quietMemos.get(store)?.size ?? 0;
}

/** An attempt that counts nothing: lockout disabled or absent. */
export const NO_ATTEMPT: LockAttempt = Object.freeze({ failure: async () => {}, success: async () => {}, end: () => {} });

/** Reserves an attempt on `lockout` when there is one (see Lockout.begin). */
export function beginAttempt(lockout: Lockout | undefined, user: string, ip: string): Promise<LockAttempt> {
  return lockout ? lockout.begin(user, ip) : Promise.resolve(NO_ATTEMPT);
}

/**
 * The address failures count against: IPv6 by its /64 (a client is usually
 * handed a whole /64, so per-address counting gives it 2^64 tries); IPv4
 * and IPv4-mapped IPv6 per address; anything unparseable as given.
 */
export function lockoutAddress(ip: string): string {
  const v4 = ipv4Text(ip);
  if (v4 !== undefined) return v4;
  const addr = parseAddress(ip);
  if (!addr) return ip;
  if (addr.family === 4) return addr.text;
  const net = Uint8Array.from(addr.bytes);
  net.fill(0, 8);
  return `${formatBytes(6, net)}/64`;
}

interface LockState {
  quiet: boolean;
  pairFailures: number;
  ipFailures: number;
}

export class Lockout {
  readonly maxRetries: number;
  readonly ipMaxRetries: number;
  private readonly findTimeMs: number;
  private readonly banTimeMs: number;
  private readonly markTtlMs: number;
  private readonly quietMemoMs: number;
  private readonly now: () => number;

  constructor(private readonly store: Store, opts: LockoutOptions = {}) {
    this.maxRetries = count(opts.maxRetries ?? LOCKOUT_DEFAULTS.maxRetries, 'maxRetries');
    this.ipMaxRetries = count(opts.ipMaxRetries ?? LOCKOUT_DEFAULTS.ipMaxRetries, 'ipMaxRetries');
    this.findTimeMs = seconds(opts.findTimeSec ?? LOCKOUT_DEFAULTS.findTimeSec, 'findTime') * 1000;
    this.banTimeMs = seconds(opts.banTimeSec ?? LOCKOUT_DEFAULTS.banTimeSec, 'banTime') * 1000;
    this.markTtlMs = Math.max(this.findTimeMs, this.banTimeMs) + MARK_SLACK_MS;
    this.quietMemoMs = opts.quietMemoMs ?? 0;
    if (!Number.isInteger(this.quietMemoMs) || this.quietMemoMs < 0 || this.quietMemoMs > 10_000) {
      throw new Error('lockout: quietMemoMs must be an integer from 0 to 10000');
    }
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.maxRetries > 0 || this.ipMaxRetries > 0;
  }

  /**
   * Reserves one attempt and admits it once attempts in flight + failures
   * recorded stay within the limits, waiting for attempts ahead to end while
   * they do not. Throws LockedError (429) while the pair or the IP is banned,
   * when failures alone fill a limit, or when the wait is too long or too
   * crowded. The reservation happens before the first await, so concurrent
   * callers always see each other.
   */
  async begin(user: string, ip: string): Promise<LockAttempt> {
    if (!this.enabled) return NO_ATTEMPT;
    const addr = lockoutAddress(ip);
    const limits: Array<[string, number, (s: LockState) => number]> = [];
    if (this.maxRetries > 0) limits.push([keys.failUserIp(user, addr), this.maxRetries, (s) => s.pairFailures]);
    if (this.ipMaxRetries > 0) limits.push([keys.failIp(addr), this.ipMaxRetries, (s) => s.ipFailures]);
    const deadline = performance.now() + WAIT_LIMIT_MS;
    for (;;) {
      const held: Reservation[] = [];
      let state: LockState;
      try {
        for (const [key] of limits) held.push(reserve(key));
        state = await this.read(user, addr);
      } catch (err) {
        for (const r of held) r.drop();
        throw err;
      }
      const over = limits.findIndex(([, limit, failuresOf], i) => failuresOf(state) + held[i].ahead > limit);
      if (over < 0) return this.admitted(user, addr, state, held);
      for (const r of held) r.drop();
      const [, limit, failuresOf] = limits[over];
      // Failures alone fill the limit and no ban is readable yet (it is being written, or its write failed): fail closed.
      if (failuresOf(state) >= limit) throw new LockedError('too many failures for this user or address', { retryAfter: 1 });
      await held[over].turn(deadline);
    }
  }

  /** An attempt past the limits: counted by failure(), cleared by success(); each ends its reservations once. */
  private admitted(user: string, addr: string, state: LockState, held: Reservation[]): LockAttempt {
    for (const r of held) r.admit();
    const release = () => {
      for (const r of held.splice(0)) r.end();
    };
    return {
      failure: async () => {
        try {
          await this.countFailure(user, addr);
        } finally {
          release();
        }
      },
      success: async () => {
        try {
          if (this.maxRetries > 0 && !state.quiet) await this.store.delete(keys.failUserIp(user, addr));
        } finally {
          release();
        }
      },
      end: release,
    };
  }

  /**
   * True when the address is remembered as having no recent failure
   * (quietMemoMs): no ban to refuse and no count to reset, known without a
   * store read or an await. False means "ask check()", not "banned".
   */
  knownQuiet(ip: string): boolean {
    if (!this.enabled) return true;
    return this.quietMemoMs > 0 && quietMarks(this.store).has(lockoutAddress(ip), this.now(), this.quietMemoMs);
  }

  /**
   * Throws LockedError (429, retryAfter) while the pair or the IP is banned.
   * Reserves nothing: request paths use begin().
   */
  async check(user: string, ip: string): Promise<LockCheck> {
    if (!this.enabled) return QUIET;
    return (await this.read(user, lockoutAddress(ip))).quiet ? QUIET : Object.freeze({ quiet: false });
  }

  /** Counts one failure; bans when a limit is reached. */
  async failure(user: string, ip: string): Promise<void> {
    if (this.enabled) await this.countFailure(user, lockoutAddress(ip));
  }

  /**
   * A success clears the (user, IP) count — never the IP count, so one valid
   * account cannot launder an address. After a quiet check there is no count
   * to clear, and no store call is made (a failure racing in between then
   * stays counted: the safe side).
   */
  async success(user: string, ip: string, checked?: LockCheck): Promise<void> {
    if (this.maxRetries > 0 && !checked?.quiet) await this.store.delete(keys.failUserIp(user, lockoutAddress(ip)));
  }

  /** An IP without a mark has no counter and no ban: one read (or a fresh memo of it), then done. */
  private async read(user: string, addr: string): Promise<LockState> {
    if (await this.markAbsent(addr)) return { quiet: true, pairFailures: 0, ipFailures: 0 };
    const pairOn = this.maxRetries > 0;
    const ipOn = this.ipMaxRetries > 0;
    const [pair, ipBan, pairCount, ipCount] = await Promise.all([
      pairOn ? this.store.get(keys.banUserIp(user, addr)) : undefined,
      ipOn ? this.store.get(keys.banIp(addr)) : undefined,
      pairOn ? this.store.get(keys.failUserIp(user, addr)) : undefined,
      ipOn ? this.store.get(keys.failIp(addr)) : undefined,
    ]);
    const now = this.now();
    const until = Math.max(banEnd(pair, now), banEnd(ipBan, now));
    if (until > 0) {
      const retryAfter = Math.max(1, Math.ceil((until - now) / 1000));
      throw new LockedError(pair !== undefined ? 'too many failures for this user from this address' : 'too many failures from this address', { retryAfter });
    }
    return { quiet: false, pairFailures: failures(pairCount, this.maxRetries), ipFailures: failures(ipCount, this.ipMaxRetries) };
  }

  /**
   * Whether the IP has no mark, from the memo while it is fresh. A read is
   * remembered only when no mark write started or ended while it was in
   * flight; a read error propagates and is not remembered.
   */
  private async markAbsent(addr: string): Promise<boolean> {
    const memo = quietMarks(this.store);
    const readStart = this.now();
    if (this.quietMemoMs > 0 && memo.has(addr, readStart, this.quietMemoMs)) return true;
    const epoch = memo.epoch;
    const absent = (await this.store.get(keys.lockMark(addr))) === undefined;
    if (absent && this.quietMemoMs > 0 && memo.epoch === epoch) memo.remember(addr, readStart);
    return absent;
  }

  private async countFailure(user: string, addr: string): Promise<void> {
    // The mark first: whoever reads no mark may rely on there being no counter and no ban.
    await this.writeMark(addr);
    await Promise.all([
      this.maxRetries > 0 && this.bump(keys.failUserIp(user, addr), keys.banUserIp(user, addr), this.maxRetries, addr, user),
      this.ipMaxRetries > 0 && this.bump(keys.failIp(addr), keys.banIp(addr), this.ipMaxRetries, addr),
    ]);
  }

  /**
   * Writes the IP's mark. The memo is dropped before the write (no memo
   * answers "quiet" while the mark lands, and the epoch move voids reads
   * in flight) and again after it, even when it fails (a read that ended
   * in between, perhaps before the mark landed, is forgotten).
   */
  private async writeMark(addr: string): Promise<void> {
    const memo = quietMarks(this.store);
    memo.forget(addr);
    try {
      await this.keepLater(keys.lockMark(addr), this.now() + this.markTtlMs);
    } finally {
      memo.forget(addr);
    }
  }

  /** `user` set: the (user, address) pair's counter; else the address's. */
  private async bump(counterKey: string, banKey: string, limit: number, addr: string, user?: string): Promise<void> {
    const { value } = await this.store.increment(counterKey, this.findTimeMs);
    if (value < limit) return;
    const until = this.now() + this.banTimeMs;
    await this.keepLater(banKey, until);
    // Listed for operators (lib/limits/bans.ts, the editor's sidebar) and audited as the moment a ban starts.
    noteBan(this.store, user === undefined ? 'ip' : 'pair', addr, until, user);
    emitDecision(() => ({
      time: new Date().toISOString(), outcome: 'deny', method: 'lockout', event: 'lockout', code: 'AUTH_007', subject: user, ip: addr,
      reason: `banned for ${this.banTimeMs / 1000} s after ${value} failures ${user === undefined ? 'from this address' : 'for this user from this address'}`,
    }));
    await this.store.delete(counterKey);
  }

  /**
   * Sets `key` to expire at `until` (epoch ms, also its value) unless it
   * already lasts longer: nodes sharing a store may have different find and
   * ban times, and the shorter must never cut the longer's mark or ban.
   * Values only ever grow under compare-and-set, so giving up after a few
   * lost races still leaves a value at least as late as the one first read.
   */
  private async keepLater(key: string, until: number): Promise<void> {
    for (let i = 0; i < 5; i++) {
      const raw = await this.store.get(key);
      const ttl = Math.max(1, until - this.now());
      if (raw === undefined) {
        if (await this.store.setIfAbsent(key, String(until), ttl)) return;
        continue;
      }
      const current = Number(raw);
      if (Number.isFinite(current) && current >= until) return;
      if (await this.store.compareAndSet(key, raw, String(until), ttl)) return;
    }
  }
}

/** One attempt's place on one counter key. */
interface Reservation {
  /** Attempts in flight on the key, this one included, when it was reserved. */
  readonly ahead: number;
  /** Not admitted after all: gives the place up quietly (nothing was checked, so nobody is woken). */
  drop(): void;
  admit(): void;
  /** An admitted attempt ended: wakes the attempts waiting on the key. */
  end(): void;
  /** Resolves when an admitted attempt on the key has ended since this reservation (at once if one has). */
  turn(deadline: number): Promise<void>;
}

/** Adds one in-flight attempt for `key`. */
function reserve(key: string): Reservation {
  let entry = inFlight.get(key);
  if (!entry) {
    if (inFlight.size >= MAX_IN_FLIGHT_KEYS) throw new LockedError('too many attempts in flight', { retryAfter: 1 });
    entry = { reserved: 0, admitted: 0, ended: 0, waiters: new Set() };
    inFlight.set(key, entry);
  }
  const e = entry;
  e.reserved++;
  const seen = e.ended;
  let admitted = false;
  const leave = () => {
    if (--e.reserved === 0 && inFlight.get(key) === e) inFlight.delete(key);
  };
  return {
    ahead: e.reserved,
    drop: leave,
    admit: () => {
      admitted = true;
      e.admitted++;
    },
    end: () => {
      if (admitted) {
        e.admitted--;
        e.ended++;
        const waiters = [...e.waiters];
        e.waiters.clear();
        for (const wake of waiters) wake();
      }
      leave();
    },
    turn: (deadline) => waitTurn(key, e, seen, deadline),
  };
}

async function waitTurn(key: string, entry: KeyAttempts, seen: number, deadline: number): Promise<void> {
  const left = deadline - performance.now();
  if (left <= 0) throw new LockedError('waited too long for attempts in flight for this user or address', { retryAfter: 1 });
  // Gone (all ended) or an admitted attempt ended since: look again now.
  if (inFlight.get(key) !== entry || entry.ended !== seen) return;
  // Only reads ahead: they resolve in a moment, and none of them will wake us.
  if (entry.admitted === 0) return new Promise((resolve) => setTimeout(resolve, Math.min(RECHECK_MS, left)));
  if (entry.waiters.size >= MAX_WAITERS_PER_KEY) throw new LockedError('too many attempts waiting for this user or address', { retryAfter: 1 });
  return new Promise((resolve, reject) => {
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      entry.waiters.delete(wake);
      reject(new LockedError('waited too long for attempts in flight for this user or address', { retryAfter: 1 }));
    }, left);
    entry.waiters.add(wake);
  });
}

/** A recorded failure count; an unreadable one counts as the limit (fail closed). */
function failures(raw: string | undefined, limit: number): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : limit;
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
