import type { IncomingMessage } from 'http';
import { StoreUnavailableError } from '../errors';

/**
 * A credential given in settings.js: the value itself, or a function that
 * returns it (sync or async) so a settings file can read a file, an env var
 * or a database on every request — a change applies without a restart.
 */
export type Source<T> = T | ((req: IncomingMessage) => T | Promise<T>);

export const DEFAULT_SOURCE_TIMEOUT_MS = 5000;

/**
 * Reads a source. A function that throws, rejects or does not answer within
 * `timeoutMs` fails closed with AUTH_011 (503): the server could not check,
 * which is not the client's fault. Only the error's name/code is kept: a
 * message (e.g. from JSON.parse) may quote the secret it was reading.
 */
export async function readSource<T>(source: Source<T>, req: IncomingMessage, timeoutMs: number, what: string): Promise<T> {
  if (typeof source !== 'function') return source;
  let timer: NodeJS.Timeout | undefined;
  try {
    const pending = Promise.resolve().then(() => (source as (r: IncomingMessage) => T | Promise<T>)(req));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`${what} source timed out after ${timeoutMs} ms`, { retryAfter: 1 })), timeoutMs);
      timer.unref?.();
    });
    return await Promise.race([pending, timeout]);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw err;
    const e = err as { name?: string; code?: string };
    throw new StoreUnavailableError(`${what} source failed: ${e?.code ?? e?.name ?? 'error'}`, { retryAfter: 1 });
  } finally {
    clearTimeout(timer);
  }
}

/** True when the option is a function (re-read per request) rather than a fixed value. */
export function isDynamic(source: unknown): boolean {
  return typeof source === 'function';
}
