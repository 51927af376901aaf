import type { AuthCode, AuthError } from '.';

/** What a refused request gets on the wire (DESIGN.md §3), independent of Node-RED or Express. */
export interface Rejection {
  status: number;
  headers: Record<string, string>;
  payload: { error: AuthCode; message: string; detail?: string };
}

/**
 * Status, headers and JSON body for an AuthError. Pure: the caller decides
 * how to send it (an `http response` node, Express, plain Node http).
 *  - `Cache-Control: no-store`: an auth answer must never be served from a cache;
 *  - the challenge (e.g. `WWW-Authenticate`) as given by the check;
 *  - `Retry-After` in whole seconds, at least 1 (RFC 9110 §10.2.3), for 429/503;
 *  - the client sees only the generic message of the code, never `reason`.
 */
export function rejectionFor(err: AuthError, challenge?: Record<string, string>): Rejection {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...challenge };
  if (err.retryAfter !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(err.retryAfter)));
  const payload: Rejection['payload'] = { error: err.code, message: err.publicMessage };
  // A refusal of a request body (lib/api-keys RequestFieldError) may say which field is wrong: never a value or a secret.
  const detail = (err as { detail?: unknown }).detail;
  if (typeof detail === 'string') payload.detail = detail;
  return { status: err.status, headers, payload };
}
