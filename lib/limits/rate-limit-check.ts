/**
 * The rate-limit step as the node and the middleware both run it: limits
 * written as "N per window unit", who a request counts against (its key),
 * the limiter, and the headers of an allowed or refused answer. The
 * adapters (nodes/rate-limit, lib/middleware/checks/rate-limit.ts) only build
 * the neutral request and put the headers on their response.
 */
import type { CheckRequest } from '../checks/request';
import { MalformedCredentialsError, type AuthError } from '../errors';
import { headerValues } from '../util/http-headers';
import { IpSet } from '../ip/ip-set';
import { resolveClientIp } from '../ip/client-ip';
import { RateLimiter, RateLimitExceededError, rateLimitKey, type RateLimiterOptions, type RateLimitPolicyInput, type RateLimitResult } from './rate-limit';
import { rateLimitHeaders, type RateLimitHeaderOptions } from './rate-limit-headers';

/** One limit as a user writes it (the node's dialog, settings.js): `limit` requests per `window` `unit`s. */
export interface RateLimitWindow {
  name?: string;
  limit: number | string;
  window: number | string;
  /** s, m, h or d. Default s. */
  unit?: string;
}

export const WINDOW_UNIT_SEC: Readonly<Record<string, number>> = Object.freeze({ s: 1, m: 60, h: 3600, d: 86400 });

/** The policies of a list of windows; an unknown unit is a RangeError (gcraPolicy checks the numbers). */
export function policiesFromWindows(limits: readonly RateLimitWindow[]): RateLimitPolicyInput[] {
  if (!Array.isArray(limits)) throw new RangeError('limits must be a list');
  return limits.map((l) => {
    const unit = WINDOW_UNIT_SEC[l.unit ?? 's'];
    if (!unit) throw new RangeError(`unknown window unit "${String(l.unit).slice(0, 10)}"`);
    return { name: l.name || undefined, limit: Number(l.limit), windowSec: Number(l.window) * unit };
  });
}

/**
 * Who a request counts against. `custom` is the adapter's own value (the
 * node: a msg property; the middleware: a function of the request).
 */
export type RateLimitKeyBy = 'ip' | 'subject' | 'keyId' | 'clientId' | 'route' | 'custom' | 'all';
export const RATE_LIMIT_KEY_KINDS: readonly RateLimitKeyBy[] = ['ip', 'subject', 'keyId', 'clientId', 'route', 'custom', 'all'];

/** The neutral request (lib/checks/request.ts) plus what a route key needs. */
export interface RateLimitRequest extends CheckRequest {
  readonly method?: string;
  /** The path without the query. */
  readonly path?: string;
}

export interface RateLimitCheckOptions<R extends RateLimitRequest> extends Omit<RateLimiterOptions, 'policies'> {
  limits: readonly RateLimitWindow[];
  keyBy?: RateLimitKeyBy;
  /** The value a `custom` key counts; undefined/empty: the client address. */
  custom?: (req: R) => unknown;
  /** Prefix of custom keys in the store (the node keeps "msg"). Default "custom". */
  customLabel?: string;
  /** Proxies whose X-Forwarded-For names the client, as the ip check reads it. */
  trustedProxies?: string | readonly string[];
  headers?: RateLimitHeaderOptions;
}

export interface RateLimitCheck<R extends RateLimitRequest> {
  readonly limiter: RateLimiter;
  readonly keyBy: RateLimitKeyBy;
  /** Counts the request: its limits' state, or a throw (RateLimitExceededError 429 AUTH_009, StoreUnavailableError 503 AUTH_011). */
  run(req: R): RateLimitResult | Promise<RateLimitResult>;
  /** Headers of an allowed request. */
  headers(result: RateLimitResult): Record<string, string>;
  /** Headers of a refusal (Retry-After comes from the error itself, lib/errors/rejection.ts). */
  challenge(err: AuthError): Record<string, string>;
}

export function rateLimitCheck<R extends RateLimitRequest>(opts: RateLimitCheckOptions<R>): RateLimitCheck<R> {
  const keyBy = opts.keyBy ?? 'ip';
  if (!RATE_LIMIT_KEY_KINDS.includes(keyBy)) throw new RangeError(`unknown key "${String(keyBy).slice(0, 20)}"`);
  if (keyBy === 'custom' && typeof opts.custom !== 'function') throw new RangeError('a custom key needs the value it counts');
  const trusted = IpSet.from(opts.trustedProxies ?? '');
  const customLabel = opts.customLabel ?? 'custom';
  const { limits, keyBy: _k, custom, customLabel: _c, trustedProxies: _t, headers: headerOpts = {}, ...limiterOpts } = opts;
  const limiter = new RateLimiter({ ...limiterOpts, policies: policiesFromWindows(limits) });

  // The address an earlier check verified (an ip check behind a trusted proxy) wins.
  const clientKey = (req: R): string => {
    const earlier = req.previous?.ip;
    const ip = typeof earlier === 'string' && earlier
      ? earlier
      : resolveClientIp(req.peer, headerValues(req.rawHeaders, 'x-forwarded-for'), trusted)?.text;
    if (ip === undefined) throw new MalformedCredentialsError('client address could not be determined', { status: 400 });
    return rateLimitKey('ip', ip);
  };
  // Without the chosen identity (no earlier check, no value) a request counts
  // against its client address, as Kong does: never unlimited.
  const keyOf = (req: R): string => {
    switch (keyBy) {
      case 'all': return 'all';
      case 'route': return rateLimitKey('route', `${req.method ?? ''} ${req.path ?? ''}`);
      case 'ip': return clientKey(req);
      case 'custom': {
        const v = custom!(req);
        return (typeof v === 'string' && v) || (typeof v === 'number' && Number.isFinite(v)) ? rateLimitKey(customLabel, String(v)) : clientKey(req);
      }
      default: {
        const v = (req.previous as unknown as Record<string, unknown> | undefined)?.[keyBy];
        return typeof v === 'string' && v ? rateLimitKey(keyBy, v) : clientKey(req);
      }
    }
  };
  return {
    limiter,
    keyBy,
    run: (req) => limiter.check(keyOf(req)),
    headers: (result) => rateLimitHeaders(result, headerOpts),
    challenge: (err) => (err instanceof RateLimitExceededError ? rateLimitHeaders(err.result, headerOpts) : {}),
  };
}
