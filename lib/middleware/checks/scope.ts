import { scopeCheck } from '../../authz/check';
import type { Match } from '../../authz/require';
import type { AuthCheck, CheckContext } from '../types';
import { listSource, Source } from '../source';
import { rejectUnknownKeys } from './options';
import { adaptCheck } from './adapt';

type Names = string | string[];

export interface ScopeCheckOptions {
  type?: 'scope';
  /** Scopes (RFC 6749 §3.3 tokens) req.auth must hold: a list or "a b" / "a, b". From a function, undefined/null or an empty value ("", []) fails closed (503 AUTH_011); scopes and roles both empty are refused at startup. */
  scopes?: Source<Names | undefined>;
  /** 'all' (default): every scope; 'any': at least one. */
  scopeMatch?: Match;
  /** Roles req.auth must hold (from the bearer token's roles claim, a user's roles…). */
  roles?: Source<Names | undefined>;
  /** 'all' (default) or 'any'. */
  roleMatch?: Match;
  /** Realm of the Bearer challenge. Default "api". */
  realm?: string;
}

const KEYS = ['type', 'scopes', 'scopeMatch', 'roles', 'roleMatch', 'realm'];

/**
 * Authorization on what an earlier check put on req.auth: lib/authz (as the
 * authflow-scope node) behind the middleware contract. No req.auth → 401;
 * not enough → 403 AUTH_008 with the insufficient_scope challenge (RFC 6750 §3.1).
 */
export function requireScopeCheck(opts: ScopeCheckOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'scope');
  if (opts.scopes === undefined && opts.roles === undefined) throw new Error('scope: give "scopes" and/or "roles"');
  try {
    return adaptCheck(scopeCheck({
      scopes: listSource(opts.scopes ?? '', ctx.sourceTimeoutMs, 'required scopes'),
      scopeMatch: opts.scopeMatch,
      roles: listSource(opts.roles ?? '', ctx.sourceTimeoutMs, 'required roles'),
      roleMatch: opts.roleMatch,
      realm: opts.realm,
    }));
  } catch (e) {
    throw new Error(`scope: ${(e as Error).message}`);
  }
}
