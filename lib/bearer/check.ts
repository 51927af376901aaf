import type { AuthInfo } from '../auth-info';
import { InsufficientScopeError } from '../errors';
import { Maybe, then } from '../util/maybe';
import { validateRealm } from '../basic/parse';
import type { Check } from '../checks/check';
import { CheckRequest, headerLines, queryValues, clientAddress } from '../checks/request';
import { BearerAuthenticator, bearerChallenge } from './authenticator';

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token

/** Required scopes as configured (a list or space/comma-separated text); throws a configuration error. */
export function requiredScopesOf(value: unknown): string[] {
  const list = value === undefined || value === null ? [] : typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
    throw new Error('required scopes must be scope tokens (RFC 6749 §3.3)');
  }
  return list;
}

export interface BearerCheckSettings<R = CheckRequest> {
  /** RFC 6750 §3 realm of the challenge. Default "api". */
  realm?: string;
  /** Every one of these must be granted, else 403 insufficient_scope (RFC 6750 §3.1). */
  requiredScopes?: readonly string[];
  /** Reads the body's `access_token` (RFC 6750 §2.2) when tokens may come in the body; absent = header (and query) only. */
  bodyToken?: (req: R) => unknown;
}

/**
 * `Authorization: Bearer` (RFC 6750): the one bearer check of the bearer node
 * and the `bearerAuth` middleware. `verifier` is the authenticator built at
 * deploy, or — for keys read per request — a function giving the one for
 * this request's keys (it throws AUTH_011 when they are unusable).
 */
export function bearerCheck<R extends CheckRequest>(
  verifier: BearerAuthenticator | ((req: R) => Maybe<BearerAuthenticator>),
  settings: BearerCheckSettings<R> = {},
): Check<R> {
  const realm = validateRealm(settings.realm ?? 'api');
  const required = requiredScopesOf(settings.requiredScopes);
  const current = typeof verifier === 'function' ? verifier : () => verifier;
  return {
    method: 'bearer',
    challenge: (err) => bearerChallenge(realm, err),
    run(req) {
      // Read whether or not the query is allowed: a token there when it is not is refused (400), not ignored.
      const request = { authorization: headerLines(req, 'authorization'), queryToken: queryValues(req, 'access_token'), bodyToken: settings.bodyToken?.(req) };
      return then(current(req), (bearer) => then(bearer.check(request), (info): AuthInfo => {
        const missing = required.filter((s) => !info.scopes.includes(s));
        if (missing.length) {
          throw new InsufficientScopeError(`missing scope ${missing.join(' ')}`, { oauthError: 'insufficient_scope', scope: required.join(' ') });
        }
        // The cached identity is frozen and shared: a fresh top level per request.
        return { ...info, ip: clientAddress(req) };
      }));
    },
  };
}
