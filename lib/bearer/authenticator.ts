/**
 * `Authorization: Bearer` verification (RFC 6750) over any AccessTokenSource,
 * with RFC 6750 §3 challenges and a bounded cache of verified tokens.
 *
 * The cache only saves signature work: an entry lives until the token's
 * `exp` or its verifier's `iat + maxTokenAgeSec`, whichever comes first (at
 * most `cacheMaxTtlSec`), is keyed by a keyed hash (never the token),
 * and revocation is still asked of the store on every request, cache hit or
 * not — so a logout applies on the very next request.
 */
import { AuthError, InvalidCredentialsError } from '../errors';
import type { AuthInfo } from '../auth-info';
import { LruCache } from '../util/lru';
import { deepFreeze } from '../util/freeze';
import { Maybe, then } from '../util/maybe';
import { cacheKey } from '../crypto/secure-compare';
import { validateRealm } from '../basic/parse';
import { extractBearer } from '../jwt/extract';
import { JwtClaims, verifiedUntil } from '../jwt/verify';
import type { AccessTokenSource } from '../tokens/access-tokens';

export interface BearerAuthenticatorOptions {
  /** RFC 6750 §3 realm. Default 'api'. */
  realm?: string;
  source: AccessTokenSource;
  /** Accept `access_token` in the query (RFC 6750 §2.3 says SHOULD NOT). Default false. */
  allowQuery?: boolean;
  /** Verified tokens remembered; 0 disables the cache. Default 10000. */
  cacheSize?: number;
  /** Longest time one verification is reused, seconds. Default 300. */
  cacheMaxTtlSec?: number;
  /** Dot path of the roles claim, e.g. 'realm_access.roles' (Keycloak). Default 'roles'. */
  rolesClaim?: string;
  now?: () => number;
}

export interface BearerRequest {
  /** Every Authorization header line (rawHeaders). */
  authorization: string[];
  queryToken?: string | string[];
  /** The body's `access_token` (RFC 6750 §2.2), when the caller accepts tokens in the body. */
  bodyToken?: unknown;
}

export class BearerAuthenticator {
  readonly realm: string;
  private readonly source: AccessTokenSource;
  private readonly allowQuery: boolean;
  private readonly cache?: LruCache<string, Readonly<AuthInfo>>;
  private readonly cacheMaxTtlMs: number;
  private readonly rolesPath: string[];
  private readonly now: () => number;

  constructor(opts: BearerAuthenticatorOptions) {
    this.realm = validateRealm(opts.realm ?? 'api');
    this.source = opts.source;
    this.allowQuery = !!opts.allowQuery;
    const size = opts.cacheSize ?? 10_000;
    if (!Number.isInteger(size) || size < 0) throw new Error('bearer: cacheSize must be an integer >= 0');
    this.now = opts.now ?? Date.now;
    if (size > 0) this.cache = new LruCache(size, this.now);
    this.cacheMaxTtlMs = (opts.cacheMaxTtlSec ?? 300) * 1000;
    const path = (opts.rolesClaim ?? 'roles').trim();
    if (!/^[^.\s]+(\.[^.\s]+)*$/.test(path)) throw new Error('bearer: rolesClaim must be a claim name or dot path');
    this.rolesPath = path.split('.');
  }

  /** RFC 6750 §3: no error attribute when no credentials were sent; none at all for 429/503. */
  challenge(err: AuthError): Record<string, string> {
    return bearerChallenge(this.realm, err);
  }

  async authenticate(req: BearerRequest): Promise<AuthInfo> {
    // A fresh top level per request; what it shares with the cache is frozen.
    return { ...(await this.check(req)) };
  }

  /**
   * authenticate() for request paths: answers synchronously for a cached
   * verification when the source has no revocation to ask (a store read),
   * and throws synchronously for a malformed request. The result is frozen
   * and shared with the cache: copy it before adding to it.
   */
  check(req: BearerRequest): Maybe<Readonly<AuthInfo>> {
    const token = extractBearer({ authorization: req.authorization, queryToken: req.queryToken, allowQuery: this.allowQuery, bodyToken: req.bodyToken });
    return then(this.verified(token), (info) => {
      if (!this.source.isRevoked) return info;
      return then(this.source.isRevoked(info.claims as JwtClaims), (revoked) => {
        if (revoked) throw new InvalidCredentialsError('token revoked', { oauthError: 'invalid_token' });
        return info;
      });
    });
  }

  /** The token's msg.auth, built (and frozen) once per verification and cached with it. */
  private verified(token: string): Maybe<Readonly<AuthInfo>> {
    const cacheable = this.cache !== undefined && this.source.cacheable(token);
    const key = cacheable ? cacheKey(token) : '';
    if (cacheable) {
      const hit = this.cache!.get(key);
      if (hit) return hit;
    }
    return then(this.source.verify(token), (claims) => {
      // Read before freezing: the verifier remembers its maxTokenAge per claims object.
      const until = verifiedUntil(claims) ?? (typeof claims.exp === 'number' ? claims.exp * 1000 : undefined);
      const info = deepFreeze(this.toAuthInfo(claims));
      if (cacheable) {
        // A source without a maxTokenAge is limited by exp alone.
        const ttl = Math.min(until === undefined ? this.cacheMaxTtlMs : until - this.now(), this.cacheMaxTtlMs);
        if (ttl > 0) this.cache!.set(key, info, ttl);
      }
      return info;
    });
  }

  private toAuthInfo(claims: JwtClaims): AuthInfo {
    const info: AuthInfo = {
      method: 'bearer',
      subject: claims.sub,
      scopes: scopesOf(claims),
      roles: listOf(this.rolesPath.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), claims)),
      tokenId: claims.jti,
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
      claims,
    };
    const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
    if (clientId !== undefined) info.clientId = clientId;
    return info;
  }
}

/** The RFC 6750 §3 `WWW-Authenticate` header for an error, or none. */
export function bearerChallenge(realm: string, err: AuthError): Record<string, string> {
  if (err.status !== 401 && err.status !== 400 && err.status !== 403) return {};
  let value = `Bearer realm="${realm}"`;
  if (err.oauthError) {
    // error_description is the generic public message: plain ASCII, no quote or backslash (§3).
    value += `, error="${err.oauthError}", error_description="${err.publicMessage}"`;
    if (err.oauthError === 'insufficient_scope' && err.scope) value += `, scope="${err.scope}"`;
  }
  return { 'WWW-Authenticate': value };
}

/** `scope` (space-separated, RFC 8693 §4.2) or `scp` (array or string, Entra ID / Okta). */
function scopesOf(claims: JwtClaims): string[] {
  const raw = claims.scope !== undefined ? claims.scope : claims.scp;
  return listOf(raw);
}

function listOf(raw: unknown): string[] {
  if (typeof raw === 'string') return raw.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}
