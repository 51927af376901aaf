import { AuthError } from '.';

/** Distinct errors logged per reporter: a bug hit on every request is logged once, not once per request. */
const MAX_DISTINCT = 20;

/**
 * Logs errors that are not AuthErrors (a bug, a broken dependency) — the
 * requests they end are answered 503 AUTH_011 (toAuthError). Once per
 * class and throw site per reporter (one per node, one per middleware), with the
 * class name and the stack frames but WITHOUT the message: a message may
 * quote request data (JSON.parse quotes its input, a TypeError may name a
 * header value), and logs must never hold it.
 */
export function unexpectedErrorReporter(log: (text: string) => void): (err: unknown) => void {
  const seen = new Set<string>();
  return (err) => {
    if (err instanceof AuthError) return;
    const name = err instanceof Error ? err.name : typeof err;
    const stack = err instanceof Error && typeof err.stack === 'string' ? framesOf(err.stack) : '';
    // Keyed by class and throw site: one bug reached along several paths is logged once.
    const key = `${name}\n${stack.split('\n', 1)[0]}`;
    if (seen.has(key) || seen.size >= MAX_DISTINCT) return;
    seen.add(key);
    log(`unexpected ${name} while checking a request (answered 503 AUTH_011)${stack ? '\n' + stack : ''}`);
  };
}

/** The `    at …` lines of a V8 stack, without the first line (`Name: message`). */
export function framesOf(stack: string): string {
  return stack.split('\n').filter((line) => /^\s+at /.test(line)).join('\n');
}
