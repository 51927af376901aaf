import type { IncomingMessage } from 'http';
import { toAuthError } from '../errors';
import type { AuthInfo } from '../auth-info';
import type { AuthCheck, AuthenticatedRequest, Middleware } from './types';
import { auditAllow, refuse, Origin } from './respond';
import { compileExceptions, ExceptPredicate, ExceptRule } from './paths';

// Brands the req.auth values this package produced (Symbol.for: shared by every
// loaded copy), so a later middleware of ours builds on them but never on
// another library's req.auth. A non-enumerable symbol, not a WeakSet: one
// WeakSet entry per request made garbage collection the main cost.
const BRAND = Symbol.for('authflow.middleware.auth');

function ours(value: unknown): AuthInfo | undefined {
  return value && typeof value === 'object' && (value as Record<symbol, unknown>)[BRAND] === true ? (value as AuthInfo) : undefined;
}

/**
 * Runs the checks in order (all must pass; the first refusal answers). On
 * success req.auth is set and next() called once; on refusal the response is
 * sent and next() is never called. A throw anywhere — a check, a credentials
 * function, a bug — is a refusal (fail closed), never a 500 or a hang-up; one
 * that is not an AuthError (a bug) is answered 503 AUTH_011 and handed to
 * `onUnexpected` to log — never disguised as a wrong credential.
 */
export function checksMiddleware(
  checks: readonly AuthCheck[], origin: Origin, isExempt: ExceptPredicate = () => false, onUnexpected: (err: unknown) => void = () => undefined,
): Middleware {
  if (checks.length === 0) throw new Error('checks: at least one check is required');
  return function authflowMiddleware(req, res, next) {
    let current: AuthCheck | undefined;
    let info: AuthInfo | undefined;
    const run = async (): Promise<AuthInfo | undefined> => {
      if (isExempt(req)) return undefined;
      info = ours((req as AuthenticatedRequest).auth);
      for (const check of checks) {
        current = check;
        const found = await check.run(req, info, res);
        if (found === undefined && check.passThrough) continue;
        if (!found || typeof found !== 'object') throw new Error('check returned no identity');
        info = found;
      }
      return info;
    };
    run().then(
      (result) => {
        if (result) {
          const auth = Object.freeze(Object.defineProperty({ ...result }, BRAND, { value: true }));
          (req as AuthenticatedRequest).auth = auth;
          auditAllow(req, auth, origin);
        }
        next();
      },
      (error) => {
        onUnexpected(error);
        const err = toAuthError(error);
        let challenge: Record<string, string> | undefined;
        try {
          challenge = current?.challenge?.(err);
        } catch {
          challenge = undefined;
        }
        refuse(req, res, err, current?.method ?? 'middleware', challenge, origin, info?.ip);
      },
    ).catch(() => {
      // Only reachable if writing the refusal or next() itself threw. Never call
      // next() again; if nothing was sent, drop the connection rather than let it hang.
      if (!res.writableEnded) res.destroy();
    });
  };
}

/** Skips `middleware` for matching requests (public webhooks, health checks). */
export function unless(rules: readonly ExceptRule[] | ExceptRule | ExceptPredicate, middleware: Middleware | readonly Middleware[]): Middleware {
  const isExempt = typeof rules === 'function' ? rules : compileExceptions(rules);
  const inner = Array.isArray(middleware) ? chain(middleware) : (middleware as Middleware);
  if (typeof inner !== 'function') throw new Error('unless: middleware must be a function or an array of functions');
  return (req, res, next) => {
    let exempt: boolean;
    try {
      exempt = isExempt(req);
    } catch {
      exempt = false; // a broken predicate protects, it never opens
    }
    if (exempt) next();
    else inner(req, res, next);
  };
}

/** Runs middlewares one after another, as Express does with an array. */
export function chain(middlewares: readonly Middleware[]): Middleware {
  if (!middlewares.every((m) => typeof m === 'function')) throw new Error('chain: every entry must be a middleware function');
  return (req: IncomingMessage, res, next) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined || i === middlewares.length) return next(err);
      const mw = middlewares[i++];
      let called = false;
      mw(req, res, (e?: unknown) => {
        if (called) return; // a second next() from a buggy middleware is ignored
        called = true;
        step(e);
      });
    };
    step();
  };
}
