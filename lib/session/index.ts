/** Sessions: login, token issuing, refresh rotation, revocation, lockout, TOTP, Bearer verification. */
export { keys as sessionStoreKeys, tokenKeys, factorKeys } from '../store/keys';
export { SessionSubject } from './session-subject';
export { Families, FamiliesOptions, FamilyRecord } from './families';
export { RefreshTokens, RefreshTokensOptions, IssuedRefreshToken, RotatedRefreshToken } from './refresh-tokens';
export { Revocations, RevocationsOptions } from '../tokens/revocation';
export { OpaqueAccessTokens, OpaqueTokenRecord } from '../tokens/opaque-tokens';
export { Lockout, LockoutOptions, LOCKOUT_DEFAULTS, CHECK_QUIET_MEMO_MS } from '../limits/lockout';
export { TotpGuard, TotpGuardOptions } from '../mfa/totp-guard';
export { TotpEnrolment, TotpEnrolmentOptions, EnrolmentStart, StoredSeed } from '../mfa/totp-enrolment';
export { DataKey } from '../crypto/data-key';
export { TokenIssuer, TokenIssuerOptions, IssuedAccessToken, AccessTokenFormat, ACCESS_TOKEN_TYP, RESERVED_CLAIMS } from '../tokens/issuer';
export { AccessTokenSource, JwtSource, OwnTokenSource, OwnTokenSourceOptions } from '../tokens/access-tokens';
export { BearerAuthenticator, BearerAuthenticatorOptions, BearerRequest, bearerChallenge } from '../bearer/authenticator';
export { readLoginFields, readRefreshToken, readEnrolmentFields, refuseSecretsInQuery, LoginFields } from './request-fields';
export { LoginService, LoginServiceOptions, TokenResponse, SessionResult, SessionTokens, TotpPolicy, EnrolmentResult } from './login-service';
export { createSessionTokens, SessionTokensOptions, SessionTokensBundle, SESSION_DEFAULTS } from './session-tokens';
export { issuerTags, IssuerTags, IssuerIdentityOptions } from '../tokens/issuer-identity';
