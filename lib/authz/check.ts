/**
 * The scope/role check as a lib Check (lib/checks/check.ts): the node
 * (authflow-scope) and any other adapter run it on the neutral request; it
 * reads only `previous`, the AuthInfo of an earlier check.
 */
import { AuthError, couldNotCheck } from '../errors';
import type { Check, ListSource } from '../checks/check';
import { isLive, readList } from '../checks/check';
import type { CheckRequest } from '../checks/request';
import { bearerChallenge } from '../bearer/authenticator';
import { validateRealm } from '../basic/parse';
import { memoByValue } from '../util/memo';
import { then } from '../util/maybe';
import { authorize, Match, requirementList } from './require';

export interface ScopeCheckSettings<R> {
  scopes: ListSource<R>;
  scopeMatch?: Match;
  roles: ListSource<R>;
  roleMatch?: Match;
  /** Realm of the Bearer challenge. Default "api". */
  realm?: string;
}

export function scopeCheck<R extends CheckRequest>(settings: ScopeCheckSettings<R>): Check<R> {
  const realm = validateRealm(settings.realm ?? 'api');
  const scopeMatch = settings.scopeMatch ?? 'all';
  const roleMatch = settings.roleMatch ?? 'all';
  for (const m of [scopeMatch, roleMatch]) if (m !== 'all' && m !== 'any') throw new Error('match must be "all" or "any"');
  const scopes = listOf(settings.scopes, 'scopes');
  const roles = listOf(settings.roles, 'roles');
  return {
    method: 'scope',
    // RFC 6750 §3: the insufficient_scope challenge on 403 (with the scopes), a bare Bearer challenge on 401.
    challenge: (err: AuthError) => bearerChallenge(realm, err),
    run(req) {
      return then(scopes(req), (s) => then(roles(req), (r) => ({
        ...authorize(req.previous, { scopes: s, scopeMatch, roles: r, roleMatch }),
      })));
    },
  };
}

/** A fixed list parsed once; a live one parsed once per distinct value (a bad value fails closed, 503 AUTH_011). */
function listOf<R>(source: ListSource<R>, what: 'scopes' | 'roles'): (req: R) => string[] | Promise<string[]> {
  if (!isLive(source)) {
    const fixed = requirementList(source.fixed, what);
    return () => fixed;
  }
  const parse = memoByValue((raw) => requirementList(raw, what));
  return (req) => then(readList(source, req), (raw) => {
    try {
      return parse(raw);
    } catch (e) {
      throw couldNotCheck(`${source.what}: ${(e as Error).message}`);
    }
  }) as string[] | Promise<string[]>;
}
