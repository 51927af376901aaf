import type { Check } from '../../checks/check';
import type { AuthCheck } from '../types';
import { checkRequest, MiddlewareRequest } from '../request';

/** A lib check (lib/checks/check.ts) behind the middleware contract: the one place a middleware check touches it. */
export function adaptCheck(check: Check<MiddlewareRequest>): AuthCheck {
  return {
    method: check.method,
    run: (req, previous) => check.run(checkRequest(req, previous)),
    challenge: (err) => check.challenge(err),
  };
}
