/**
 * Access tokens for a session: a JWT signed with a key built once at deploy
 * (lib/jwt: KeyObjects, HS256 secrets of at least 32 bytes, RS256/ES256/
 * EdDSA…), or an opaque 256-bit token stored hashed. Claims: sub, iat, exp,
 * jti, iss, aud, scope (space-separated, RFC 8693 §4.2 / RFC 9068 §2.2.3),
 * roles, sid (the session, for revocation), plus configured extra claims.
 * The JWT header carries `typ: at+jwt` (RFC 9068 §2.1) so our access tokens
 * cannot be confused with other JWTs signed by the same key (RFC 8725 §3.11).
 */
import type { Store } from '../store/store';
import { BoundKey, BoundSigningKey, verificationKeyFor } from '../jwt/keys';
import { signJwt, newTokenId } from '../jwt/sign';
import { OpaqueAccessTokens } from './opaque-tokens';
import type { SessionSubject } from '../session/session-subject';
import type { KeyRing } from './key-ring';

export type AccessTokenFormat = 'jwt' | 'opaque';

export const ACCESS_TOKEN_TYP = 'at+jwt';

/** Claims the issuer sets itself; extra claims may never override them. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'scp', 'roles', 'sid', 'client_id', 'cnf', 'act',
]);

export interface TokenIssuerOptions {
  format: AccessTokenFormat;
  /** Required for 'jwt' unless `keyRing` is given. */
  signingKey?: BoundSigningKey;
  /** 'jwt' with keys that rotate (lib/tokens/key-ring.ts) instead of one configured key. */
  keyRing?: KeyRing;
  /** Required for 'opaque'. */
  store?: Store;
  /** Required for 'opaque': IssuerTags.tokens, binding the stored tokens to this issuer. */
  stateTag?: string;
  issuer?: string;
  audience?: string | string[];
  /** Access token lifetime, seconds. */
  accessTtlSec: number;
  /** Same claims in every token (e.g. a tenant). Reserved names are refused. */
  extraClaims?: Record<string, unknown>;
  now?: () => number;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  /** Seconds, for `expires_in` (RFC 6749 §5.1). */
  expiresIn: number;
  /** Epoch ms. */
  expiresAt: number;
}

/** What a client-credentials grant decided (lib/oauth2). */
export interface ClientGrant {
  clientId: string;
  scopes: readonly string[];
  /** From `resource` (RFC 8707); empty or undefined = the issuer's audience. */
  audience?: readonly string[];
  /** Overrides the issuer's access-token lifetime, seconds. */
  ttlSec?: number;
}

export class TokenIssuer {
  readonly format: AccessTokenFormat;
  readonly issuer?: string;
  readonly audience?: string | string[];
  readonly accessTtlSec: number;
  /** The key that verifies what this issuer signs (undefined for opaque tokens and rotating keys). */
  readonly verificationKey?: BoundKey;
  /** Rotating signing keys: they sign and resolve verification keys by kid. */
  readonly keyRing?: KeyRing;
  readonly opaque?: OpaqueAccessTokens;
  private readonly signingKey?: BoundSigningKey;
  private readonly extraClaims: Record<string, unknown>;
  private readonly now: () => number;

  constructor(opts: TokenIssuerOptions) {
    if (opts.format !== 'jwt' && opts.format !== 'opaque') throw new Error('token format must be "jwt" or "opaque"');
    if (!Number.isInteger(opts.accessTtlSec) || opts.accessTtlSec <= 0) throw new Error('access token lifetime must be a whole number of seconds > 0');
    this.format = opts.format;
    this.accessTtlSec = opts.accessTtlSec;
    this.issuer = opts.issuer || undefined;
    // One audience is written as a string, the common form (RFC 7519 §4.1.3 allows both).
    const aud = Array.isArray(opts.audience) && opts.audience.length === 1 ? opts.audience[0] : opts.audience;
    this.audience = aud && (!Array.isArray(aud) || aud.length > 0) ? aud : undefined;
    this.extraClaims = checkExtraClaims(opts.extraClaims ?? {});
    this.now = opts.now ?? Date.now;
    if (opts.format === 'jwt' && opts.keyRing) {
      this.keyRing = opts.keyRing;
    } else if (opts.format === 'jwt') {
      if (!opts.signingKey || opts.signingKey.purpose !== 'sign') throw new Error('JWT access tokens need a signing key');
      this.signingKey = opts.signingKey;
      this.verificationKey = verificationKeyFor(opts.signingKey);
    } else {
      if (!opts.store) throw new Error('opaque access tokens need a store');
      this.opaque = new OpaqueAccessTokens(opts.store, opts.stateTag!, this.now);
    }
  }

  async issue(session: SessionSubject, sid?: string): Promise<IssuedAccessToken> {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + this.accessTtlSec;
    const jti = newTokenId();
    const claims: Record<string, unknown> & { sub: string; jti: string; exp: number; iat: number } = {
      ...this.extraClaims,
      ...userClaims(session.claims),
      sub: session.subject, iat, exp, jti,
    };
    if (this.issuer) claims.iss = this.issuer;
    if (this.audience) claims.aud = this.audience;
    if (session.scopes.length) claims.scope = session.scopes.join(' ');
    claims.roles = session.roles;
    if (sid) claims.sid = sid;
    const token = this.format === 'jwt'
      ? signJwt(claims, this.signingKey ?? await this.keyRing!.signingKey(), { typ: ACCESS_TOKEN_TYP })
      : await this.opaque!.issue(claims);
    return { token, jti, expiresIn: this.accessTtlSec, expiresAt: exp * 1000 };
  }

  /**
   * A client-credentials access token (RFC 6749 §4.4, RFC 9068 §2.2): the
   * client is the subject (`sub` = `client_id`, no user), `aud` is what the
   * request's `resource` selected (RFC 8707 §2), else this issuer's audience.
   * Same key, `typ` and store binding as a session's token, so the bearer
   * node verifying this issuer accepts it with no extra configuration.
   */
  async issueToClient(grant: ClientGrant): Promise<IssuedAccessToken> {
    const ttl = grant.ttlSec ?? this.accessTtlSec;
    if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('access token lifetime must be a whole number of seconds > 0');
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + ttl;
    const jti = newTokenId();
    const claims: Record<string, unknown> & { sub: string; jti: string; exp: number; iat: number } = {
      ...this.extraClaims, sub: grant.clientId, client_id: grant.clientId, iat, exp, jti,
    };
    if (this.issuer) claims.iss = this.issuer;
    const aud = grant.audience && grant.audience.length ? (grant.audience.length === 1 ? grant.audience[0] : [...grant.audience]) : this.audience;
    if (aud) claims.aud = aud;
    if (grant.scopes.length) claims.scope = grant.scopes.join(' ');
    const token = this.format === 'jwt'
      ? signJwt(claims, this.signingKey ?? await this.keyRing!.signingKey(), { typ: ACCESS_TOKEN_TYP })
      : await this.opaque!.issue(claims);
    return { token, jti, expiresIn: ttl, expiresAt: exp * 1000 };
  }

  /**
   * Whether claims pass this issuer's `iss`/`aud` rules — the rules our JWT
   * verifier applies (RFC 7519 §4.1.1 iss equal, §4.1.3 an audience in
   * common), so an opaque token passes exactly what a JWT would.
   */
  accepts(claims: Record<string, unknown>): boolean {
    if (this.issuer !== undefined && claims.iss !== this.issuer) return false;
    if (this.audience === undefined) return true;
    const wanted = Array.isArray(this.audience) ? this.audience : [this.audience];
    const aud = claims.aud;
    const got = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    return got.some((a) => typeof a === 'string' && wanted.includes(a));
  }
}

function checkExtraClaims(extra: Record<string, unknown>): Record<string, unknown> {
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new Error('extra claims must be a JSON object');
  for (const name of Object.keys(extra)) {
    if (RESERVED_CLAIMS.has(name)) throw new Error(`extra claim "${name}" is reserved: the issuer sets it`);
  }
  return { ...extra };
}

/** Per-user claims without reserved names (a user list could carry anything). */
function userClaims(claims: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(claims ?? {})) if (!RESERVED_CLAIMS.has(k)) out[k] = v;
  return out;
}
