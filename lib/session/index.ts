/** Sessions: login, token issuing, refresh rotation, revocation, lockout, TOTP, Bearer verification. */
export { keys as sessionStoreKeys } from './keys';
export { SessionSubject } from './session-subject';
export { Families, FamiliesOptions, FamilyRecord } from './families';
export { RefreshTokens, RefreshTokensOptions, IssuedRefreshToken, RotatedRefreshToken } from './refresh-tokens';
export { Revocations, RevocationsOptions } from './revocation';
export { OpaqueAccessTokens, OpaqueTokenRecord } from './opaque-tokens';
export { Lockout, LockoutOptions, LOCKOUT_DEFAULTS, CHECK_QUIET_MEMO_MS } from './lockout';
export { TotpGuard, TotpGuardOptions } from './totp-guard';
export { TotpEnrolment, TotpEnrolmentOptions, EnrolmentStart, StoredSeed } from './totp-enrolment';
export { DataKey } from './data-key';
export { TokenIssuer, TokenIssuerOptions, IssuedAccessToken, AccessTokenFormat, ACCESS_TOKEN_TYP, RESERVED_CLAIMS } from './token-issuer';
export { AccessTokenSource, JwtSource, OwnTokenSource, OwnTokenSourceOptions } from './access-tokens';
export { BearerAuthenticator, BearerAuthenticatorOptions, BearerRequest, bearerChallenge } from './bearer';
export { readLoginFields, readRefreshToken, readEnrolmentFields, refuseSecretsInQuery, LoginFields } from './request-fields';
export { LoginService, LoginServiceOptions, TokenResponse, SessionResult, SessionTokens, TotpPolicy, EnrolmentResult } from './login-service';
export { createSessionTokens, SessionTokensOptions, SessionTokensBundle, SESSION_DEFAULTS } from './session-tokens';
