/**
 * The response headers clients read to pace themselves, from one
 * RateLimitResult. Each family can be switched off.
 *
 * - draft-ietf-httpapi-ratelimit-headers-10 (Structured Fields, RFC 8941):
 *   `RateLimit-Policy` (§3): one item per policy, `"name";q=<quota>;w=<window s>`;
 *   `RateLimit` (§4): one item per policy, `"name";r=<remaining>;t=<reset s>`.
 *   `t` is when the policy is back to its full quota (GCRA refills
 *   continuously); on a refusal, a refusing policy's `t` is when it lets a
 *   request through again — equal to or earlier than `Retry-After`, which
 *   waits for every refusing policy.
 * - `X-RateLimit-Limit/-Remaining/-Reset` as GitHub sends them: the most
 *   constrained policy (fewest remaining; on a refusal, the one that refused
 *   longest), `Reset` in epoch seconds.
 * - `X-Auth-Remaining-Quota` (Kindly's guide): what remains of the quota,
 *   the policy with the longest window.
 */
import type { RateLimitPolicyState, RateLimitResult } from './rate-limit';

export interface RateLimitHeaderOptions {
  /** RateLimit-Policy + RateLimit. Default true. */
  draft?: boolean;
  /** X-RateLimit-Limit/-Remaining/-Reset. Default true. */
  legacy?: boolean;
  /** X-Auth-Remaining-Quota. Default false. */
  quota?: boolean;
}

/** The headers for one decision (the 429's `Retry-After` comes from the error itself). */
export function rateLimitHeaders(result: RateLimitResult, opts: RateLimitHeaderOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  const states = result.policies;
  if (opts.draft !== false) {
    headers['RateLimit-Policy'] = states.map((p) => `"${p.name}";q=${p.limit};w=${p.windowSec}`).join(', ');
    headers.RateLimit = states.map((p) => `"${p.name}";r=${p.remaining};t=${p.retryAfterSec ?? p.resetSec}`).join(', ');
  }
  if (opts.legacy !== false) {
    const p = mostConstrained(states);
    headers['X-RateLimit-Limit'] = String(p.limit);
    headers['X-RateLimit-Remaining'] = String(p.remaining);
    headers['X-RateLimit-Reset'] = String(Math.ceil(result.nowSec) + (p.retryAfterSec ?? p.resetSec));
  }
  if (opts.quota) {
    let q = states[0];
    for (const p of states) if (p.windowSec > q.windowSec) q = p;
    headers['X-Auth-Remaining-Quota'] = String(q.remaining);
  }
  return headers;
}

function mostConstrained(states: readonly RateLimitPolicyState[]): RateLimitPolicyState {
  let best = states[0];
  for (const p of states) {
    const a = p.retryAfterSec ?? -1;
    const b = best.retryAfterSec ?? -1;
    if (a > b || (a === b && p.remaining < best.remaining)) best = p;
  }
  return best;
}
