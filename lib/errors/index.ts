/**
 * Typed authentication failures. Every failure carries a stable public code
 * (DESIGN.md §3), an HTTP status, a generic client message, and a precise
 * `reason` that goes only to the audit stream and node status — never to the
 * client and never containing a secret.
 */
export type AuthCode =
  | 'AUTH_001' | 'AUTH_002' | 'AUTH_003' | 'AUTH_004' | 'AUTH_005' | 'AUTH_006'
  | 'AUTH_007' | 'AUTH_008' | 'AUTH_009' | 'AUTH_010' | 'AUTH_011';

/** Generic messages shown to clients: they never say which part was wrong (ASVS 6.3.8). */
export const PUBLIC_MESSAGES: Record<AuthCode, string> = {
  AUTH_001: 'Invalid or missing credentials',
  AUTH_002: 'Token expired',
  AUTH_003: 'Malformed credentials',
  AUTH_004: 'API key not found, revoked or expired',
  AUTH_005: 'IP address not allowed',
  AUTH_006: 'MFA code required or invalid',
  AUTH_007: 'Too many failed attempts; try again later',
  AUTH_008: 'Insufficient scope',
  AUTH_009: 'Rate limit exceeded',
  AUTH_010: 'Signature invalid, stale or replayed',
  AUTH_011: 'Credential store unavailable',
};

export interface AuthErrorOptions {
  /** HTTP status when it differs from the code's default (e.g. 400 for AUTH_003). */
  status?: number;
  /** Seconds until retry is sensible (429/503): becomes `Retry-After`. */
  retryAfter?: number;
  /** RFC 6750 §3.1 error attribute for Bearer challenges. */
  oauthError?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** Scope the client lacked (RFC 6750 §3 `scope` attribute). */
  scope?: string;
}

export class AuthError extends Error {
  readonly code: AuthCode;
  readonly status: number;
  /** Precise reason for operators (audit/status). Never a secret. */
  readonly reason: string;
  readonly retryAfter?: number;
  readonly oauthError?: AuthErrorOptions['oauthError'];
  readonly scope?: string;

  constructor(code: AuthCode, defaultStatus: number, reason: string, opts: AuthErrorOptions = {}) {
    super(PUBLIC_MESSAGES[code]);
    this.name = new.target.name;
    this.code = code;
    this.status = opts.status ?? defaultStatus;
    this.reason = reason;
    this.retryAfter = opts.retryAfter;
    this.oauthError = opts.oauthError;
    this.scope = opts.scope;
  }

  get publicMessage(): string {
    return PUBLIC_MESSAGES[this.code];
  }
}

export class InvalidCredentialsError extends AuthError {
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_001', 401, reason, opts); }
}
export class TokenExpiredError extends AuthError {
  constructor(reason = 'token expired', opts?: AuthErrorOptions) { super('AUTH_002', 401, reason, opts); }
}
export class MalformedCredentialsError extends AuthError {
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_003', 401, reason, opts); }
}
export class KeyRejectedError extends AuthError {
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_004', 401, reason, opts); }
}
export class IpNotAllowedError extends AuthError {
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_005', 403, reason, opts); }
}
export class MfaError extends AuthError {
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_006', 401, reason, opts); }
}
export class LockedError extends AuthError {
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_007', 429, reason, opts); }
}
export class InsufficientScopeError extends AuthError {
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_008', 403, reason, opts); }
}
export class RateLimitedError extends AuthError {
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_009', 429, reason, opts); }
}
export class SignatureError extends AuthError {
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_010', 401, reason, opts); }
}
export class StoreUnavailableError extends AuthError {
  // RFC 9110 §10.2.3: a 503 may say when to retry; stores usually recover within seconds.
  constructor(reason: string, opts?: AuthErrorOptions) { super('AUTH_011', 503, reason, { retryAfter: 5, ...opts }); }
}

/**
 * Anything that is not an AuthError (a bug, a library throw) still fails
 * closed, but is never disguised as a wrong credential: the server could not
 * check, 503 AUTH_011 (without Retry-After: nothing says a retry helps). The
 * caller logs it (lib/errors/unexpected.ts); the reason names only the class.
 */
export function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  return couldNotCheck('internal ' + (err instanceof Error ? err.name : 'error'));
}

/** 503 AUTH_011 for a check that could not run (a bug, a configuration error). */
export function couldNotCheck(why: string): AuthError {
  return new StoreUnavailableError(`could not check: ${why}`, { retryAfter: undefined });
}
