/**
 * GCRA, the Generic Cell Rate Algorithm (ITU-T I.371; the form redis-cell
 * and Stripe/Heroku use), as pure arithmetic on one number per key: the
 * theoretical arrival time (TAT) of the next request at the nominal rate.
 *
 * Why GCRA and not a sliding window: O(1) state per key (one timestamp, not a
 * log of requests or two window counters), exact (no approximation between
 * windows), and no double burst at a fixed window's edge. It is also one
 * read-modify-write, which a Redis script does atomically.
 *
 * A policy "limit L per window W" has emission interval T = W/L and
 * tolerance τ = L·T (= W): a fresh key passes L requests at once, then one
 * per T. In ANY interval of length D at most L + ⌊D/T⌋ requests pass — the
 * documented tolerance: exactly L in a burst shorter than T, at most 2L in
 * any span of one window (a full burst at its start and the refill during it).
 *
 * All times are integer microseconds (exact in a double until year 2255), so
 * the Redis script (Lua doubles) and this code compute the same numbers.
 */

/** One limit, compiled: what the GCRA needs plus what the headers say. */
export interface GcraPolicy {
  /** Names the policy in `RateLimit-Policy` / `RateLimit` (an sf-string). */
  readonly name: string;
  /** Requests per window (the draft's quota `q`). */
  readonly limit: number;
  /** Window in whole seconds (the draft's `w`). */
  readonly windowSec: number;
  /** T, µs between requests at the nominal rate (rounded to a whole µs). */
  readonly intervalUs: number;
  /** τ, µs: how far ahead of now the TAT may run; L·T. */
  readonly toleranceUs: number;
}

/** What one policy says about one request (redis-cell's RateLimitResult). */
export interface GcraOutcome {
  allowed: boolean;
  /** Requests that would still pass now, after this one. */
  remaining: number;
  /** µs until the key is back to its full quota (TAT − now); 0 when fresh. */
  resetAfterUs: number;
  /** µs until this request would pass; −1 when allowed, or when it never can (cost above the limit). */
  retryAfterUs: number;
  /** The TAT to store when allowed (unchanged when refused). */
  tat: number;
}

export const MAX_WINDOW_SEC = 366 * 86400;

/** Builds a policy; throws RangeError on a limit or window a user could not mean. */
export function gcraPolicy(name: string, limit: number, windowSec: number): GcraPolicy {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1e9) throw new RangeError(`rate limit "${name}": limit must be an integer from 1 to 1e9`);
  if (!Number.isInteger(windowSec) || windowSec < 1 || windowSec > MAX_WINDOW_SEC) {
    throw new RangeError(`rate limit "${name}": window must be a whole number of seconds from 1 to ${MAX_WINDOW_SEC}`);
  }
  // sf-string (RFC 8941 §3.3.3): printable ASCII; we also refuse " and \ to keep it unescaped.
  if (!/^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(name)) throw new RangeError('rate limit name: 1-64 printable ASCII characters, no " or \\');
  const intervalUs = Math.max(1, Math.round((windowSec * 1e6) / limit));
  return Object.freeze({ name, limit, windowSec, intervalUs, toleranceUs: intervalUs * limit });
}

/**
 * One GCRA step (redis-cell `rate_limit`): `tat` is the stored value
 * (undefined = no state), `cost` how many units this request takes (0 peeks).
 */
export function gcra(policy: GcraPolicy, tat: number | undefined, nowUs: number, cost = 1): GcraOutcome {
  const { intervalUs: T, toleranceUs: tau } = policy;
  const current = tat === undefined || tat < nowUs ? nowUs : tat;
  const increment = T * cost;
  const newTat = current + increment;
  const diff = nowUs - (newTat - tau); // ≥ 0: the request fits within the tolerance
  const allowed = diff >= 0;
  const ttl = allowed ? newTat - nowUs : current - nowUs;
  const next = tau - ttl;
  return {
    allowed,
    remaining: next > -T ? Math.max(0, Math.floor(next / T)) : 0,
    resetAfterUs: ttl,
    retryAfterUs: allowed || increment > tau ? -1 : -diff,
    tat: allowed ? newTat : current,
  };
}

/** Several policies on one request: all must allow; a refused request consumes none of them. */
export interface GcraDecision {
  allowed: boolean;
  outcomes: GcraOutcome[];
}

export function gcraAll(policies: readonly GcraPolicy[], tats: ReadonlyArray<number | undefined>, nowUs: number, cost = 1): GcraDecision {
  const outcomes = new Array<GcraOutcome>(policies.length);
  let allowed = true;
  for (let i = 0; i < policies.length; i++) {
    outcomes[i] = gcra(policies[i], tats[i], nowUs, cost);
    if (!outcomes[i].allowed) allowed = false;
  }
  if (!allowed) {
    // What a refused request reports: nothing was consumed, so each policy shows its state before it.
    for (let i = 0; i < outcomes.length; i++) if (outcomes[i].allowed) outcomes[i] = gcra(policies[i], tats[i], nowUs, 0);
  }
  return { allowed, outcomes };
}
