/**
 * The rate-limit check, shared by the authflow-rate-limit node and the
 * middleware: given the key material of one request (who it counts against)
 * it returns the limits' state, or throws RateLimitExceededError (429
 * AUTH_009) or StoreUnavailableError (503 AUTH_011).
 *
 * Algorithm: GCRA (lib/limits/rate-limit-gcra.ts says why). State lives in
 * this process (MemoryRateLimitStore, one instance) or in Redis (one Lua
 * script on the server clock, shared by every instance).
 *
 * Store outage (Redis cannot answer within its timeout):
 *  - 'closed' (default): 503 AUTH_011 — never silently unlimited;
 *  - 'open': a local in-memory limiter with `fallbackPercent` of each limit
 *    decides instead (per instance: with N instances, ≈ N × that share pass
 *    in total), every such result says `source: 'local-fallback'`, and
 *    `onDegraded` reports the switch both ways for node status and logs.
 */
import { createHash, hash } from 'crypto';
import { RateLimitedError, StoreUnavailableError } from '../errors';
import { lockoutAddress } from './lockout';
import { gcraPolicy, type GcraOutcome, type GcraPolicy } from './rate-limit-gcra';
import { MemoryRateLimitStore, type RateLimitBackend, type TakeResult } from './rate-limit-memory';
import { RedisRateLimitStore, type ScriptRunner } from './rate-limit-redis';

export interface RateLimitPolicyInput {
  /** Policy name in the headers; default "default" for the first, then "<limit>-per-<window>s". */
  name?: string;
  limit: number;
  windowSec: number;
}

export interface RateLimiterOptions {
  policies: RateLimitPolicyInput[];
  /** Shared store that runs scripts (RedisStore); undefined = this process's memory. */
  store?: ScriptRunner;
  /** Limiters with the same group share their counts in a shared store. Default "default". */
  group?: string;
  /** What a store outage does: 'closed' (503 AUTH_011, default) or 'open' (local fallback limits). */
  onStoreError?: 'closed' | 'open';
  /** Share of each limit the local fallback allows, 1-100. Default 50. */
  fallbackPercent?: number;
  /** Keys held in memory (embedded state and fallback). Default 100,000. */
  maxKeys?: number;
  /** Clock for the in-memory state, µs since the epoch (tests). */
  nowUs?: () => number;
  /** Called when decisions switch to the local fallback (true) and back (false). */
  onDegraded?: (degraded: boolean, reason: string) => void;
}

/** One policy's state after a request: what the headers say. */
export interface RateLimitPolicyState {
  name: string;
  limit: number;
  windowSec: number;
  remaining: number;
  /** Whole seconds until the policy is back to its full quota (rounded up). */
  resetSec: number;
  /** Refused requests: whole seconds until this policy lets a request through (rounded up); absent when it did not refuse. */
  retryAfterSec?: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Where the decision was made. */
  source: 'memory' | 'redis' | 'local-fallback';
  policies: RateLimitPolicyState[];
  /** The decision's clock in epoch seconds (the Redis server's for Redis): X-RateLimit-Reset = now + resetSec. */
  nowSec: number;
  /** Refused: whole seconds until a retry passes every policy (≥ every refusing policy's retryAfterSec). */
  retryAfterSec?: number;
}

/** 429 AUTH_009 carrying the limits' state, so the answer can carry the headers. */
export class RateLimitExceededError extends RateLimitedError {
  constructor(readonly result: RateLimitResult) {
    super(`rate limit exceeded (${result.policies.filter((p) => p.retryAfterSec !== undefined).map((p) => p.name).join(', ')})`, { retryAfter: result.retryAfterSec });
  }
}

/** The limits of a node, compiled once: names default, duplicates refused. */
export function compilePolicies(inputs: readonly RateLimitPolicyInput[]): GcraPolicy[] {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new RangeError('at least one rate limit is required');
  if (inputs.length > 8) throw new RangeError('at most 8 rate limits per node');
  const seen = new Set<string>();
  return inputs.map((p, i) => {
    const name = p.name || (i === 0 ? 'default' : `${p.limit}-per-${p.windowSec}s`);
    if (seen.has(name)) throw new RangeError(`rate limit name "${name}" is used twice`);
    seen.add(name);
    return gcraPolicy(name, Number(p.limit), Number(p.windowSec));
  });
}

/**
 * The store key for one client: kind and value, with IPv6 addresses counted
 * per /64 (a client usually holds a whole /64; per address it would have
 * 2^64 budgets). Long values are hashed so the embedded map stays small.
 */
export function rateLimitKey(kind: string, value: string): string {
  const v = kind === 'ip' ? lockoutAddress(value) : value;
  const key = `${kind}:${v}`;
  return key.length <= 200 ? key : `${kind}#${createHash('sha256').update(v).digest('base64url')}`;
}

const MIN_FALLBACK_LIMIT = 1;

export class RateLimiter {
  readonly policies: readonly GcraPolicy[];
  private readonly backend: RateLimitBackend;
  private readonly source: RateLimitResult['source'];
  /** The limiter's group and a NUL: what each client's Redis digest starts from. */
  private readonly groupPrefix: string;
  private readonly failOpen: boolean;
  private readonly fallback?: { store: MemoryRateLimitStore; policies: GcraPolicy[] };
  private readonly onDegraded?: RateLimiterOptions['onDegraded'];
  private degraded = false;

  constructor(options: RateLimiterOptions) {
    this.policies = Object.freeze(compilePolicies(options.policies));
    this.groupPrefix = `${options.group || 'default'}\0`;
    const memory = () => new MemoryRateLimitStore({ maxKeys: options.maxKeys, nowUs: options.nowUs });
    this.backend = options.store ? new RedisRateLimitStore(options.store) : memory();
    this.source = options.store ? 'redis' : 'memory';
    const onStoreError = options.onStoreError ?? 'closed';
    if (onStoreError !== 'closed' && onStoreError !== 'open') throw new RangeError('onStoreError must be "closed" or "open"');
    this.failOpen = onStoreError === 'open';
    if (this.failOpen && options.store) {
      const percent = options.fallbackPercent ?? 50;
      if (!(percent >= 1 && percent <= 100)) throw new RangeError('fallbackPercent must be from 1 to 100');
      const policies = this.policies.map((p) => gcraPolicy(p.name, Math.max(MIN_FALLBACK_LIMIT, Math.floor((p.limit * percent) / 100)), p.windowSec));
      this.fallback = { store: memory(), policies };
    }
    this.onDegraded = options.onDegraded;
  }

  /** Live embedded states evicted for room (memory backend): > 0 means maxKeys is too small. */
  get evictedLive(): number {
    return this.backend instanceof MemoryRateLimitStore ? this.backend.evictedLive : 0;
  }

  /**
   * Counts one request (`cost` units) against `key` (see rateLimitKey).
   * Returns the state when it passes; throws RateLimitExceededError when it does not.
   */
  check(key: string, cost = 1): RateLimitResult | Promise<RateLimitResult> {
    if (this.source === 'memory') return this.settle(this.backend.take(key, this.policies, cost) as TakeResult, this.policies, 'memory');
    // sha256(group NUL key) in one call (no Hash object per request): the same digest, so the same Redis keys, as before.
    const digest = hash('sha256', this.groupPrefix + key, 'base64url').slice(0, 22);
    return (this.backend.take(digest, this.policies, cost) as Promise<TakeResult>).then(
      (taken) => {
        this.setDegraded(false, 'store answers again');
        return this.settle(taken, this.policies, 'redis');
      },
      (err: unknown) => {
        if (!(err instanceof StoreUnavailableError) || !this.fallback) throw err;
        this.setDegraded(true, err.reason);
        return this.settle(this.fallback.store.take(key, this.fallback.policies, cost), this.fallback.policies, 'local-fallback');
      },
    );
  }

  private setDegraded(on: boolean, reason: string): void {
    if (this.degraded === on) return;
    this.degraded = on;
    this.onDegraded?.(on, reason);
  }

  private settle(taken: TakeResult, policies: readonly GcraPolicy[], source: RateLimitResult['source']): RateLimitResult {
    const { decision, nowUs } = taken;
    const result: RateLimitResult = {
      allowed: decision.allowed,
      source,
      policies: decision.outcomes.map((o, i) => policyState(policies[i], o)),
      nowSec: nowUs / 1e6,
    };
    if (decision.allowed) return result;
    // Every refusing policy must let the retry through: the latest of them; a
    // cost above a limit can never pass, so that policy's full window is given.
    let retry = 0;
    for (const p of result.policies) if (p.retryAfterSec !== undefined) retry = Math.max(retry, p.retryAfterSec);
    result.retryAfterSec = Math.max(1, retry);
    throw new RateLimitExceededError(result);
  }
}

/** Seconds, rounded up: a client waiting this long is never early (RFC 9110 §10.2.3 delay-seconds are whole). */
const ceilSec = (us: number) => Math.ceil(us / 1e6);

function policyState(p: GcraPolicy, o: GcraOutcome): RateLimitPolicyState {
  const state: RateLimitPolicyState = { name: p.name, limit: p.limit, windowSec: p.windowSec, remaining: o.remaining, resetSec: ceilSec(Math.max(0, o.resetAfterUs)) };
  if (!o.allowed) state.retryAfterSec = o.retryAfterUs < 0 ? p.windowSec : Math.max(1, ceilSec(o.retryAfterUs));
  return state;
}
