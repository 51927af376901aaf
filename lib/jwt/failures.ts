/**
 * The one map from JWT failures to AUTH_0xx codes, for the synchronous core
 * and for jose alike:
 *  - AUTH_003 malformed: not a JWS compact serialization of JSON objects, a
 *    duplicate member, a claim of the wrong type (J8, J10);
 *  - AUTH_002 expired: `exp` passed, or older than maxTokenAge (J6);
 *  - AUTH_001 invalid: everything else about the token (signature, alg, key,
 *    iss/aud/typ, missing claims, nbf/iat in the future).
 * Bearer tokens carry `invalid_token` (RFC 6750 §3.1). Client assertions
 * carry no OAuth error: the token endpoint answers `invalid_client` for any
 * failed client authentication (RFC 6749 §5.2, RFC 7523 §3.2).
 */
import { AuthError, AuthErrorOptions, InvalidCredentialsError, MalformedCredentialsError, TokenExpiredError } from '../errors';

export type JwtRole = 'bearer' | 'assertion';

const OPTIONS: Record<JwtRole, AuthErrorOptions> = {
  bearer: { oauthError: 'invalid_token' },
  assertion: {},
};

export const invalidJwt = (reason: string, role: JwtRole = 'bearer') => new InvalidCredentialsError(reason, OPTIONS[role]);
export const malformedJwt = (reason: string, role: JwtRole = 'bearer') => new MalformedCredentialsError(reason, OPTIONS[role]);
export const expiredJwt = (reason: string, role: JwtRole = 'bearer') => new TokenExpiredError(reason, OPTIONS[role]);

/**
 * A jose error as the AuthError it means, or undefined when it is no verdict
 * on the token (a bug, an unusable key): the caller then answers 503.
 */
export function fromJoseError(err: unknown, role: JwtRole): AuthError | undefined {
  const e = err as { code?: string; claim?: string; reason?: string };
  switch (e?.code) {
    case 'ERR_JWT_EXPIRED':
      return expiredJwt(e.claim === 'iat' ? 'token older than maxTokenAge' : 'token expired', role);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      // jose names the claim and why: "missing", "check_failed", "invalid".
      return e.reason === 'invalid'
        ? malformedJwt(`${e.claim} claim is malformed`, role)
        : invalidJwt(`${e.claim} claim ${e.reason === 'missing' ? 'missing' : 'rejected'}`, role);
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return malformedJwt('not a valid JWS/JWT', role);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalidJwt('signature invalid', role);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return invalidJwt('alg not allowed for this key', role);
    default:
      return undefined;
  }
}
