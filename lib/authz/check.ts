/**
 * The scope/role check as a lib Check (lib/checks/check.ts): the node
 * (authflow-scope) and any other adapter run it on the neutral request; it
 * reads only `previous`, the AuthInfo of an earlier check.
 */
import { AuthError, couldNotCheck } from '../errors';
import type { Check, ListSource } from '../checks/check';
import { isLive, listMissing, readList } from '../checks/check';
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
  // Nothing required would pass every authenticated caller: refuse it at build (fail closed).
  if (!isLive(settings.scopes) && !isLive(settings.roles)
    && requirementList(settings.scopes.fixed, 'scopes').length === 0 && requirementList(settings.roles.fixed, 'roles').length === 0) {
    throw new Error(NOTHING_REQUIRED);
  }
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

const NOTHING_REQUIRED = 'give scopes and/or roles: an empty requirement would let every authenticated caller through';

/**
 * A fixed list parsed once; a live one parsed once per distinct value. A bad
 * live value fails closed (503 AUTH_011), and so does an empty one ("", []):
 * like a missing list it cannot be told from one that failed to arrive.
 */
function listOf<R>(source: ListSource<R>, what: 'scopes' | 'roles'): (req: R) => string[] | Promise<string[]> {
  if (!isLive(source)) {
    const fixed = requirementList(source.fixed, what);
    return () => fixed;
  }
  const parse = memoByValue((raw) => requirementList(raw, what));
  return (req) => then(readList(source, req), (raw) => {
    let list: string[];
    try {
      list = parse(raw);
    } catch (e) {
      throw couldNotCheck(`${source.what}: ${(e as Error).message}`);
    }
    if (list.length === 0) throw listMissing(source.what);
    return list;
  }) as string[] | Promise<string[]>;
}
