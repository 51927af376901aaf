import type { AuthCode, AuthError } from './errors';
import { isSafeQuotedValue } from './http-headers';

/** What a refused request gets on the wire (DESIGN.md §3), independent of Node-RED or Express. */
export interface Rejection {
  status: number;
  headers: Record<string, string>;
  payload: { error: AuthCode; message: string };
}

/**
 * Status, headers and JSON body for an AuthError. Pure: the caller decides
 * how to send it (an `http response` node, Express, plain Node http).
 *  - `Cache-Control: no-store`: an auth answer must never be served from a cache;
 *  - `Retry-After` in whole seconds, at least 1 (RFC 9110 §10.2.3) for 429/503;
 *  - the client sees only the generic message of the code, never `reason`.
 */
export function rejectionFor(err: AuthError, challenge?: Record<string, string>): Rejection {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...challenge };
  if (err.retryAfter !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(err.retryAfter)));
  return { status: err.status, headers, payload: { error: err.code, message: err.publicMessage } };
}

/**
 * RFC 6750 §3 `WWW-Authenticate: Bearer` challenge for an AuthError, or
 * undefined when none belongs on the response (e.g. 503, 429).
 *  - no credentials (401 without oauthError) → `Bearer realm="…"` only (§3.1: no `error`);
 *  - `invalid_request` (400), `invalid_token` (401), `insufficient_scope` (403)
 *    → `error=…` plus the generic public message as `error_description`;
 *    `scope=…` for insufficient_scope.
 * `realm` must already be validated (validateRealm); `error_description`
 * comes from PUBLIC_MESSAGES, which never hold `"` or `\`.
 */
export function bearerChallenge(realm: string, err: AuthError): string | undefined {
  const parts = [`Bearer realm="${realm}"`];
  if (err.oauthError) {
    parts.push(`error="${err.oauthError}"`, `error_description="${err.publicMessage}"`);
    if (err.oauthError === 'insufficient_scope' && err.scope && isSafeQuotedValue(err.scope)) parts.push(`scope="${err.scope}"`);
  } else if (err.status !== 401) {
    return undefined;
  }
  return parts.join(', ');
}
