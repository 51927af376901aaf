import type { IncomingMessage } from 'http';
import { AuthError, StoreUnavailableError } from '../errors';
import { withTimeout } from '../store/with-timeout';
import type { ListSource } from '../checks/check';
import type { MiddlewareRequest } from './request';

/**
 * A credential given in settings.js: the value itself, or a function that
 * returns it (sync or async) so a settings file can read a file, an env var
 * or a database on every request — a change applies without a restart.
 */
export type Source<T> = T | ((req: IncomingMessage) => T | Promise<T>);

export const DEFAULT_SOURCE_TIMEOUT_MS = 5000;

/**
 * Reads a source. A function that throws, rejects or does not answer within
 * `timeoutMs` fails closed with AUTH_011 (503, Retry-After): the server could
 * not check, which is not the client's fault. Only the error's code/name is
 * kept: a message (e.g. from JSON.parse) may quote the secret it was reading.
 */
export async function readSource<T>(source: Source<T>, req: IncomingMessage, timeoutMs: number, what: string): Promise<T> {
  if (typeof source !== 'function') return source;
  try {
    return await withTimeout(Promise.resolve().then(() => (source as (r: IncomingMessage) => T | Promise<T>)(req)), timeoutMs, `${what} source`);
  } catch (err) {
    const e = err as { name?: string; code?: string };
    const reason = err instanceof AuthError ? err.reason : `${what} source failed: ${e?.code ?? e?.name ?? 'error'}`;
    throw new StoreUnavailableError(reason, { retryAfter: 1 });
  }
}

/**
 * A settings.js source as a lib ListSource: a value is fixed (a choice made in
 * settings.js, taken as it is); a function is read per request, and one that
 * answers undefined/null (e.g. `() => process.env.X` with X unset) fails
 * closed with AUTH_011 like any missing list (lib/checks/check.ts).
 */
export function listSource<T>(source: Source<T>, timeoutMs: number, what: string): ListSource<MiddlewareRequest> {
  if (typeof source !== 'function') return { fixed: source };
  return { read: (req) => readSource(source, req.incoming, timeoutMs, what), what: `the ${what} function's value` };
}
