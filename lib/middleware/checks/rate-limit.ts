import type { IncomingMessage } from 'http';
import { rateLimitCheck as limitsCheck, type RateLimitKeyBy, type RateLimitRequest, type RateLimitWindow } from '../../limits/rate-limit-check';
import { isScriptRunner, type ScriptRunner } from '../../limits/rate-limit-redis';
import type { AuthCheck, CheckContext } from '../types';
import { checkRequest, rawPath } from '../request';
import { rejectUnknownKeys } from './options';

export interface RateLimitOptions {
  type?: 'rate-limit';
  /** 1-8 limits, all must pass, e.g. `[{ limit: 10, window: 1 }, { limit: 10000, window: 1, unit: 'd' }]` (unit s, m, h, d; default s). */
  limits: RateLimitWindow[];
  /**
   * Who a request counts against: the client address (default), an earlier
   * check's `subject`, `keyId` or `clientId`, the route, or everyone together.
   * Without that identity a request counts against its client address.
   */
  keyBy?: Exclude<RateLimitKeyBy, 'custom'>;
  /** Your own key per request (a tenant header…); undefined or '' counts the client address. Replaces keyBy. */
  key?: (req: IncomingMessage) => string | number | undefined;
  /** Proxies whose X-Forwarded-For names the client (as the ip check reads it). */
  trustedProxies?: string | string[];
  /** A RedisStore (createStore({ backend: 'redis', … })): one exact limit across instances. Default: this process's memory. */
  store?: ScriptRunner;
  /** Middlewares with the same group share counts in a store. Default "middleware". */
  group?: string;
  /** Redis outage: 'closed' (503 AUTH_011, default) or 'open' (a local limiter with fallbackPercent of each limit). */
  onStoreError?: 'closed' | 'open';
  fallbackPercent?: number;
  /** RateLimit-Policy + RateLimit (IETF draft). Default true. */
  draftHeaders?: boolean;
  /** X-RateLimit-Limit/-Remaining/-Reset. Default true. */
  legacyHeaders?: boolean;
  /** X-Auth-Remaining-Quota. Default false. */
  quotaHeader?: boolean;
}

const KEYS = ['type', 'limits', 'keyBy', 'key', 'trustedProxies', 'store', 'group', 'onStoreError', 'fallbackPercent', 'draftHeaders', 'legacyHeaders', 'quotaHeader'];

type Request = RateLimitRequest & { incoming: IncomingMessage };

/**
 * Rate limits per client: lib/limits/rate-limit-check.ts (as the
 * authflow-rate-limit node) behind the middleware contract. It identifies
 * nobody: it hands on what earlier checks established, and puts the same
 * headers on the response as the node.
 */
export function rateLimitCheck(opts: RateLimitOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'rate-limit');
  if (opts.key !== undefined && typeof opts.key !== 'function') throw new Error('rate-limit: "key" must be a function of the request');
  if (opts.store !== undefined && !isScriptRunner(opts.store)) throw new Error('rate-limit: "store" must be a RedisStore (limits are shared through Redis only)');
  let check;
  try {
    check = limitsCheck<Request>({
      limits: opts.limits,
      keyBy: opts.key ? 'custom' : opts.keyBy,
      custom: opts.key ? (req: Request) => opts.key!(req.incoming) : undefined,
      trustedProxies: opts.trustedProxies,
      headers: { draft: opts.draftHeaders !== false, legacy: opts.legacyHeaders !== false, quota: !!opts.quotaHeader },
      store: opts.store,
      group: opts.group || 'middleware',
      onStoreError: opts.onStoreError,
      fallbackPercent: opts.fallbackPercent,
      onDegraded: (on, reason) => ctx.onWarning(on ? `rate-limit: store unavailable (${reason}): local fallback limits decide` : 'rate-limit: store available: shared limits decide again'),
    });
  } catch (e) {
    throw new Error(`rate-limit: ${(e as Error).message}`);
  }
  const built = check;
  return {
    method: 'rate-limit',
    passThrough: true,
    run: async (req, previous, res) => {
      const result = await built.run({ ...checkRequest(req, previous), method: req.method, path: rawPath(req) });
      // Before the route answers: the same headers the node sets (lib/limits/rate-limit-headers.ts).
      if (res && !res.headersSent) for (const [name, value] of Object.entries(built.headers(result))) res.setHeader(name, value);
      return previous;
    },
    challenge: (err) => built.challenge(err),
  };
}
