import { StoreUnavailableError } from '../../errors';
import { validateRealm } from '../../basic/parse';
import { memoByValue } from '../../util/memo';
import type { KeySpec } from '../../jwt/keys';
import { hmacAlg, hmacKey, keysFromSpecs } from '../../bearer/keys';
import type { JwtVerifierOptions } from '../../jwt/verify';
import { JwksKeyResolver, JwksKeyResolverOptions } from '../../jwt/jwks';
import { BearerAuthenticator } from '../../bearer/authenticator';
import { bearerCheck as bearer, requiredScopesOf } from '../../bearer/check';
import { JwtSource } from '../../tokens/access-tokens';
import type { AuthCheck, CheckContext } from '../types';
import { listSource, Source } from '../source';
import { readList } from '../../checks/check';
import { then } from '../../util/maybe';
import type { MiddlewareRequest } from '../request';
import { rejectUnknownKeys } from './options';
import { adaptCheck } from './adapt';

export interface BearerCheckOptions {
  type?: 'bearer';
  /** Own tokens (e.g. from the login node): an HMAC secret, at least 32 bytes for HS256 (RFC 7518 §3.2). */
  secret?: Source<string>;
  /** Algorithm of `secret`. Default HS256. */
  alg?: 'HS256' | 'HS384' | 'HS512';
  /** An IdP's or our own public key(s): KeySpecs (PEM or JWK, each bound to one alg), or PEM / JWK / JWK Set text. */
  keys?: Source<KeySpec | KeySpec[] | string>;
  /** An IdP's JWKS URL (its `jwks_uri`), fetched, cached and rate-limited. */
  jwksUrl?: string;
  /** Full JWKS options instead of jwksUrl (algorithms, timeouts, allowHttp…). */
  jwks?: JwksKeyResolverOptions;
  issuer?: string | string[];
  audience?: string | string[];
  leewaySec?: number;
  requireExp?: boolean;
  maxTokenAgeSec?: number;
  /** Expected `typ` header, e.g. 'at+jwt' for the login node's tokens (RFC 9068 §2.1). */
  typ?: string;
  requiredClaims?: string[];
  /** Every one of these scopes must be granted, else 403 insufficient_scope (RFC 6750 §3.1). */
  requiredScopes?: string[];
  /** Dot path of the roles claim, e.g. 'realm_access.roles' (Keycloak). Default 'roles'. */
  rolesClaim?: string;
  /** Verified tokens remembered until their exp (at most 5 min); 0 disables. Default 10000. */
  cacheSize?: number;
  /** RFC 6750 realm. Default "api". */
  realm?: string;
  /** Accept `access_token` in the query (RFC 6750 §2.3 says SHOULD NOT). Default false. */
  allowQuery?: boolean;
}

const KEYS = ['type', 'secret', 'alg', 'keys', 'jwksUrl', 'jwks', 'issuer', 'audience', 'leewaySec', 'requireExp',
  'maxTokenAgeSec', 'typ', 'requiredClaims', 'requiredScopes', 'rolesClaim', 'cacheSize', 'realm', 'allowQuery'];

/** Bearer JWT check: lib/session BearerAuthenticator over a JwtSource (own secret, PEM/JWK keys, or a JWKS URL). */
export function bearerCheck(opts: BearerCheckOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'bearer');
  const realm = validateRealm(opts.realm ?? 'api');
  const given = [opts.secret, opts.keys, opts.jwksUrl ?? opts.jwks].filter((v) => v !== undefined).length;
  if (given !== 1) throw new Error('bearer: give exactly one of "secret", "keys" or "jwksUrl"/"jwks"');
  if (opts.requiredScopes !== undefined && !Array.isArray(opts.requiredScopes)) throw new Error('bearer: requiredScopes must be a list of scope tokens (RFC 6749 §3.3)');
  const requiredScopes = withLabel(() => requiredScopesOf(opts.requiredScopes));
  if (opts.secret !== undefined) withLabel(() => hmacAlg(opts.alg));

  const verifier: Omit<JwtVerifierOptions, 'keys'> = {
    issuer: opts.issuer, audience: opts.audience, leewaySec: opts.leewaySec, requireExp: opts.requireExp,
    maxTokenAgeSec: opts.maxTokenAgeSec, typ: opts.typ, requiredClaims: opts.requiredClaims,
  };
  const authenticator = (keys: JwtVerifierOptions['keys']) => new BearerAuthenticator({
    realm, allowQuery: opts.allowQuery, rolesClaim: opts.rolesClaim, cacheSize: opts.cacheSize,
    source: new JwtSource({ ...verifier, keys }),
  });
  // The same key building as the bearer node (lib/bearer/keys.ts).
  const toKeys = (raw: unknown) => (opts.secret !== undefined ? [hmacKey(opts.alg, raw)] : keysFromSpecs(raw));

  // Built once now, so a short secret, a bad PEM or a bad realm stops startup.
  const material = opts.secret ?? opts.keys;
  if (material === undefined) return adaptCheck(bearer(authenticator(new JwksKeyResolver(opts.jwks ?? { url: opts.jwksUrl! })), { realm, requiredScopes }));
  if (typeof material !== 'function') return adaptCheck(bearer(withLabel(() => authenticator(toKeys(material))), { realm, requiredScopes }));
  // Keys from a function: one authenticator per distinct value (string equality,
  // object identity); a bad value fails closed as a server-side problem.
  const compile = memoByValue((raw): BearerAuthenticator | undefined => {
    try {
      return authenticator(toKeys(raw));
    } catch (e) {
      ctx.onWarning(`bearer: keys from the source are invalid: ${(e as Error).message}`);
      return undefined;
    }
  });
  // A function answering undefined/null (an unset env var) is a missing source: AUTH_011, like every list.
  const keys = listSource(material as Source<unknown>, ctx.sourceTimeoutMs, 'bearer keys');
  const current = (req: MiddlewareRequest) => then(readList(keys, req), (raw) => {
    const built = compile(raw);
    if (!built) throw new StoreUnavailableError('bearer keys from the source are invalid');
    return built;
  });
  return adaptCheck(bearer(current, { realm, requiredScopes }));
}

function withLabel<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    throw new Error(`bearer: ${(e as Error).message}`);
  }
}
