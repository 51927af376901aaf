import { InsufficientScopeError, StoreUnavailableError } from '../../errors';
import { validateRealm } from '../../basic/parse';
import { memoByValue } from '../../util/memo';
import { buildVerificationKey, JwsAlg, KeySpec } from '../../jwt/keys';
import type { JwtVerifierOptions } from '../../jwt/verify';
import { JwksKeyResolver, JwksKeyResolverOptions } from '../../jwt/jwks';
import { BearerAuthenticator, bearerChallenge } from '../../bearer/authenticator';
import { JwtSource } from '../../tokens/access-tokens';
import type { AuthCheck, CheckContext } from '../types';
import { readSource, Source } from '../source';
import { header, peerIp, queryValue } from '../request';
import { rejectUnknownKeys } from './options';

export interface BearerCheckOptions {
  type?: 'bearer';
  /** Own tokens (e.g. from the login node): an HMAC secret, at least 32 bytes for HS256 (RFC 7518 §3.2). */
  secret?: Source<string>;
  /** Algorithm of `secret`. Default HS256. */
  alg?: 'HS256' | 'HS384' | 'HS512';
  /** An IdP's or our own public key(s): PEM or JWK, each bound to one alg. */
  keys?: Source<KeySpec | KeySpec[]>;
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
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token

/** Bearer JWT check: lib/session BearerAuthenticator over a JwtSource (own secret, PEM/JWK keys, or a JWKS URL). */
export function bearerCheck(opts: BearerCheckOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'bearer');
  const realm = validateRealm(opts.realm ?? 'api');
  const given = [opts.secret, opts.keys, opts.jwksUrl ?? opts.jwks].filter((v) => v !== undefined).length;
  if (given !== 1) throw new Error('bearer: give exactly one of "secret", "keys" or "jwksUrl"/"jwks"');
  const required = opts.requiredScopes ?? [];
  if (!Array.isArray(required) || !required.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
    throw new Error('bearer: requiredScopes must be a list of scope tokens (RFC 6749 §3.3)');
  }
  const alg: JwsAlg = opts.alg ?? 'HS256';
  if (opts.secret !== undefined && !['HS256', 'HS384', 'HS512'].includes(alg)) throw new Error('bearer: alg of a secret must be HS256, HS384 or HS512');

  const verifier: Omit<JwtVerifierOptions, 'keys'> = {
    issuer: opts.issuer, audience: opts.audience, leewaySec: opts.leewaySec, requireExp: opts.requireExp,
    maxTokenAgeSec: opts.maxTokenAgeSec, typ: opts.typ, requiredClaims: opts.requiredClaims,
  };
  const authenticator = (keys: JwtVerifierOptions['keys']) => new BearerAuthenticator({
    realm, allowQuery: opts.allowQuery, rolesClaim: opts.rolesClaim, cacheSize: opts.cacheSize,
    source: new JwtSource({ ...verifier, keys }),
  });
  const toKeys = (raw: unknown) =>
    (opts.secret !== undefined ? [{ alg, secret: raw as string }] : Array.isArray(raw) ? raw : [raw as KeySpec]).map(buildVerificationKey);

  let current: (req: Parameters<AuthCheck['run']>[0]) => Promise<BearerAuthenticator>;
  // Built once now, so a short secret, a bad PEM or a bad realm stops startup.
  let fixed: BearerAuthenticator | undefined;
  const material = opts.secret ?? opts.keys;
  if (material === undefined) {
    fixed = authenticator(new JwksKeyResolver(opts.jwks ?? { url: opts.jwksUrl! }));
  } else if (typeof material !== 'function') {
    fixed = authenticator(toKeys(material));
  }
  if (fixed) {
    const ready = fixed;
    current = async () => ready;
  } else {
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
    current = async (req) => {
      const built = compile(await readSource(material as Source<unknown>, req, ctx.sourceTimeoutMs, 'bearer keys'));
      if (!built) throw new StoreUnavailableError('bearer keys from the source are invalid');
      return built;
    };
  }
  return {
    method: 'bearer',
    challenge: (err) => bearerChallenge(realm, err),
    async run(req, previous) {
      const bearer = await current(req);
      const info = await bearer.authenticate({ authorization: header(req, 'authorization'), queryToken: queryValue(req, 'access_token') });
      const missing = required.filter((s) => !info.scopes.includes(s));
      if (missing.length) {
        throw new InsufficientScopeError(`missing scope ${missing.join(' ')}`, { oauthError: 'insufficient_scope', scope: required.join(' ') });
      }
      return { ...info, ip: previous?.ip ?? peerIp(req) };
    },
  };
}
