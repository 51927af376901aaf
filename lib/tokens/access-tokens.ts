/**
 * Where a Bearer token is verified: a JWT verifier over configured keys or a
 * JWKS (external identity providers), or our own issuer (its JWTs, its opaque
 * tokens, and its revocations).
 */
import { InvalidCredentialsError } from '../errors';
import { JwtClaims, JwtVerifier, JwtVerifierOptions } from '../jwt/verify';
import { ACCESS_TOKEN_TYP, TokenIssuer } from './issuer';
import { Revocations } from './revocation';
import { looksOpaque } from './opaque-tokens';
import type { Maybe } from '../util/maybe';

export interface AccessTokenSource {
  /** Signature / lookup and time checks. Throws an AuthError with oauthError 'invalid_token'. */
  verify(token: string): Promise<JwtClaims>;
  /** Whether a verify result may be reused until its exp (pure signature checks: yes; store lookups: no). */
  cacheable(token: string): boolean;
  /** Consulted on every request, cached verification or not. */
  isRevoked?(claims: JwtClaims): Maybe<boolean>;
}

const invalidToken = (reason: string) => new InvalidCredentialsError(reason, { oauthError: 'invalid_token' });

/** Tokens of another issuer: verified with lib/jwt only (no revocation list of ours applies). */
export class JwtSource implements AccessTokenSource {
  private readonly verifier: JwtVerifier;

  constructor(opts: JwtVerifierOptions) {
    this.verifier = new JwtVerifier(opts);
  }

  async verify(token: string): Promise<JwtClaims> {
    return (await this.verifier.verify(token)).claims;
  }

  cacheable(): boolean {
    return true;
  }
}

export interface OwnTokenSourceOptions {
  issuer: TokenIssuer;
  revocations: Revocations;
  leewaySec?: number;
  now?: () => number;
}

/** Our own access tokens: `iss`, `aud` and `typ: at+jwt` as the issuer sets them, then revocation. */
export class OwnTokenSource implements AccessTokenSource {
  private readonly issuer: TokenIssuer;
  private readonly revocations: Revocations;
  private readonly jwt?: JwtVerifier;

  constructor(opts: OwnTokenSourceOptions) {
    this.issuer = opts.issuer;
    this.revocations = opts.revocations;
    if (opts.issuer.verificationKey || opts.issuer.keyRing) {
      this.jwt = new JwtVerifier({
        // Rotating keys resolve by kid (next, active and retiring all verify); else the one configured key.
        keys: opts.issuer.keyRing ?? [opts.issuer.verificationKey!],
        issuer: opts.issuer.issuer,
        audience: opts.issuer.audience,
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: ['sub', 'jti', 'iat'],
        leewaySec: opts.leewaySec,
        now: opts.now,
      });
    }
  }

  async verify(token: string): Promise<JwtClaims> {
    if (token.includes('.')) {
      if (!this.jwt) throw invalidToken('a JWT, but this issuer issues opaque tokens');
      return (await this.jwt.verify(token)).claims;
    }
    if (!this.issuer.opaque || !looksOpaque(token)) throw invalidToken('not a token of this issuer');
    const record = await this.issuer.opaque.lookup(token);
    if (!record) throw invalidToken('unknown, expired or revoked opaque token');
    // The lookup is already bound to this issuer; the claims must also pass its iss/aud rules, as a JWT's do.
    if (!this.issuer.accepts(record.claims)) throw invalidToken('opaque token of another issuer or audience');
    return record.claims;
  }

  cacheable(token: string): boolean {
    return token.includes('.');
  }

  isRevoked(claims: JwtClaims): Maybe<boolean> {
    const sid = typeof claims.sid === 'string' ? claims.sid : undefined;
    return this.revocations.isRevoked(claims.jti, sid, typeof claims.iat === 'number' ? claims.iat : undefined);
  }
}
