/**
 * Authorization on what an earlier check established (msg.auth / req.auth):
 * require all or any of a list of scopes and/or roles. Works after every
 * check (bearer, token, basic, oauth2, api keys): it reads only AuthInfo.
 *  - no earlier check → 401 AUTH_001 with a Bearer challenge (RFC 9110 §15.5.2);
 *  - present but insufficient → 403 AUTH_008; for scopes with
 *    `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (RFC 6750 §3.1).
 */
import type { AuthInfo } from '../auth-info';
import { couldNotCheck, InsufficientScopeError, InvalidCredentialsError } from '../errors';

export type Match = 'all' | 'any';

export interface Requirement {
  scopes: readonly string[];
  scopeMatch: Match;
  roles: readonly string[];
  roleMatch: Match;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3
const ROLE = /^[^\s"\\]{1,200}$/;

/** A list typed in ("a b", "a, b") or read from msg/context (a string or an array); throws a configuration error. */
export function requirementList(value: unknown, what: 'scopes' | 'roles'): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value;
  const pattern = what === 'scopes' ? SCOPE_TOKEN : ROLE;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && pattern.test(s))) {
    throw new Error(what === 'scopes' ? 'required scopes must be scope tokens (RFC 6749 §3.3)' : 'required roles must be names without spaces or quotes');
  }
  return [...new Set(list as string[])];
}

/** Passes `auth` through when it meets the requirement; throws AUTH_001 / AUTH_008 otherwise. */
export function authorize(auth: AuthInfo | undefined, req: Requirement): AuthInfo {
  // An empty requirement would pass every authenticated caller: never (fail closed, 503 AUTH_011).
  if (req.scopes.length === 0 && req.roles.length === 0) throw couldNotCheck('no scopes or roles required');
  if (!auth) throw new InvalidCredentialsError('no msg.auth: put a check node (bearer, basic, …) before the scope check');
  const scopes = Array.isArray(auth.scopes) ? auth.scopes : [];
  const roles = Array.isArray(auth.roles) ? auth.roles : [];
  if (!satisfied(req.scopes, scopes, req.scopeMatch)) {
    const missing = req.scopes.filter((s) => !scopes.includes(s));
    throw new InsufficientScopeError(`${req.scopeMatch === 'all' ? 'missing scope' : 'none of the scopes'} ${(req.scopeMatch === 'all' ? missing : req.scopes).join(' ')}`, {
      oauthError: 'insufficient_scope', scope: req.scopes.join(' '),
    });
  }
  if (!satisfied(req.roles, roles, req.roleMatch)) {
    const missing = req.roles.filter((r) => !roles.includes(r));
    throw new InsufficientScopeError(`${req.roleMatch === 'all' ? 'missing role' : 'none of the roles'} ${(req.roleMatch === 'all' ? missing : req.roles).join(' ')}`);
  }
  return auth;
}

function satisfied(required: readonly string[], granted: readonly string[], match: Match): boolean {
  if (required.length === 0) return true;
  return match === 'all' ? required.every((s) => granted.includes(s)) : required.some((s) => granted.includes(s));
}
