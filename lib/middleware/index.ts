/**
 * Express/Connect middleware with the same checks and the same refusal
 * contract as the check nodes, for Node-RED's `httpNodeMiddleware` (every
 * `http in` route) or the function form of `httpNodeAuth` (everything under
 * httpNodeRoot). See docs/MIDDLEWARE.md.
 */
import type { AuthCheck, CheckContext, Middleware } from './types';
import { buildCheck, CheckSpec, BasicCheckOptions, TokenCheckOptions, BearerCheckOptions, IpCheckOptions, RateLimitOptions, ScopeCheckOptions, ApiKeysCheckOptions } from './checks';
import { checksMiddleware, unless, chain } from './compose';
import { compileExceptions, ExceptRule } from './paths';
import { DEFAULT_SOURCE_TIMEOUT_MS } from './source';
import { rejectUnknownKeys } from './checks/options';
import { unexpectedErrorReporter } from '../errors/unexpected';

export type { Middleware, AuthCheck, AuthenticatedRequest, CheckContext } from './types';
export type { CheckSpec, BasicCheckOptions, TokenCheckOptions, BearerCheckOptions, IpCheckOptions, RateLimitOptions, ScopeCheckOptions, ApiKeysCheckOptions } from './checks';
export type { ExceptRule, ExceptPredicate } from './paths';
export type { Source } from './source';
export { buildCheck } from './checks';
export { compileExceptions } from './paths';
export { unless, chain };

export interface MiddlewareOptions {
  /** Requests that skip every check of this middleware (public webhooks, health checks). */
  except?: ExceptRule[] | ExceptRule;
  /** Names this middleware in audit events (AuthDecision.node.id/name). Default "httpNodeMiddleware". */
  name?: string;
  /** How long a credentials function may take before the request fails closed (503 AUTH_011). Default 5000 ms. */
  sourceTimeoutMs?: number;
  /** Where configuration warnings go (never secrets). Default console.warn. */
  onWarning?: (message: string) => void;
  /**
   * Where unexpected errors inside a check go (a bug; the request is answered
   * 503 AUTH_011): once per distinct stack, class name and stack frames, never
   * the message or request data. Default console.error.
   */
  onError?: (message: string) => void;
}

export interface AuthMiddlewareOptions extends MiddlewareOptions {
  /** Run in order; all must pass; the first refusal answers. E.g. ip, then token. */
  checks: CheckSpec[];
}

const COMMON = ['except', 'name', 'sourceTimeoutMs', 'onWarning', 'onError'];

function context(opts: MiddlewareOptions): CheckContext {
  const timeout = opts.sourceTimeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) throw new Error('sourceTimeoutMs must be a number > 0');
  if (opts.onWarning !== undefined && typeof opts.onWarning !== 'function') throw new Error('onWarning must be a function');
  return { sourceTimeoutMs: timeout, onWarning: opts.onWarning ?? ((m) => console.warn(`[authflow middleware] ${m}`)) };
}

function build(checks: CheckSpec[], opts: MiddlewareOptions): Middleware {
  const name = opts.name ?? 'httpNodeMiddleware';
  if (typeof name !== 'string' || name === '') throw new Error('name must be a non-empty string');
  const ctx = context(opts);
  const built: AuthCheck[] = checks.map((c) => buildCheck(c, ctx));
  if (opts.onError !== undefined && typeof opts.onError !== 'function') throw new Error('onError must be a function');
  const onError = opts.onError ?? ((m: string) => console.error(`[authflow middleware] ${m}`));
  return checksMiddleware(built, { id: name, type: 'authflow-middleware', name }, compileExceptions(opts.except), unexpectedErrorReporter(onError));
}

/**
 * The declarative form for settings.js:
 *   httpNodeMiddleware: createAuthMiddleware({
 *     except: ['/webhooks/**'],
 *     checks: [{ type: 'ip', allow: ['10.0.0.0/8'] }, { type: 'token', tokens: () => process.env.API_KEYS }],
 *   })
 */
export function createAuthMiddleware(opts: AuthMiddlewareOptions): Middleware {
  if (!opts || typeof opts !== 'object') throw new Error('createAuthMiddleware: options object required');
  rejectUnknownKeys(opts, ['checks', ...COMMON], 'createAuthMiddleware');
  if (!Array.isArray(opts.checks) || opts.checks.length === 0) throw new Error('createAuthMiddleware: "checks" must be a non-empty array');
  return build(opts.checks, opts);
}

/** Splits one factory's options into the check spec and the middleware options. */
function single<T extends object>(type: string, opts: T & MiddlewareOptions): Middleware {
  if (!opts || typeof opts !== 'object') throw new Error(`${type}: options object required`);
  const { except, name, sourceTimeoutMs, onWarning, onError, ...spec } = opts;
  return build([{ ...spec, type } as CheckSpec], { except, name, sourceTimeoutMs, onWarning, onError });
}

/** RFC 7617 Basic against a user list. */
export const basicAuth = (opts: Omit<BasicCheckOptions, 'type'> & MiddlewareOptions): Middleware => single('basic', opts);
/** API key in a header (default x-auth-token). */
export const apiToken = (opts: Omit<TokenCheckOptions, 'type'> & MiddlewareOptions): Middleware => single('token', opts);
/** RFC 6750 Bearer JWT: own secret, PEM/JWK keys, or a JWKS URL. */
export const bearerAuth = (opts: Omit<BearerCheckOptions, 'type'> & MiddlewareOptions): Middleware => single('bearer', opts);
/** Allow/deny by client IP, proxy-aware. */
export const ipAllowlist = (opts: Omit<IpCheckOptions, 'type'> & MiddlewareOptions): Middleware => single('ip', opts);
/** Rate limits per client (GCRA; memory or Redis), with the node's headers and 429 AUTH_009. */
export const rateLimit = (opts: Omit<RateLimitOptions, 'type'> & MiddlewareOptions): Middleware => single('rate-limit', opts);
/**
 * Scopes and/or roles (all or any) on req.auth from an earlier check, e.g.
 * `[bearerAuth({ … }), requireScope({ scopes: ['orders:write'] })]`: none → 401,
 * not enough → 403 AUTH_008 with the insufficient_scope challenge (RFC 6750 §3.1).
 */
export const requireScope = (opts: Omit<ScopeCheckOptions, 'type'> & MiddlewareOptions): Middleware => single('scope', opts);
/** API keys with a lifecycle (the authflow-keys node's), verified against their store (Redis/PostgreSQL) with the key store's hashing secret. */
export const apiKeys = (opts: Omit<ApiKeysCheckOptions, 'type'> & MiddlewareOptions): Middleware => single('api-keys', opts);
