/**
 * The public API of @authflow/node-red-api-auth, listed name by name: what is
 * not here is internal (the nodes use lib/internal.ts, which is not exported).
 * Subpath entries in package.json "exports": ./middleware and ./store.
 *
 * Never export a function named `then` from here: it would make the ES module
 * namespace a thenable and `await import()` of the package would not resolve.
 */

// Who passed a check, and how a check fails (stable AUTH_0xx codes).
export type { AuthInfo } from './auth-info';
export {
  AuthError, InvalidCredentialsError, TokenExpiredError, MalformedCredentialsError, KeyRejectedError,
  IpNotAllowedError, MfaError, LockedError, InsufficientScopeError, RateLimitedError, SignatureError,
  StoreUnavailableError, PUBLIC_MESSAGES, toAuthError,
} from './errors';
export type { AuthCode, AuthErrorOptions } from './errors';

// The checks, one per method, for code that is neither a flow nor Express: build once, run per
// request on a neutral request; a refusal is a thrown AuthError, answered with rejectionFor.
export { basicCheck } from './basic/check';
export type { BasicCheckSettings } from './basic/check';
export { apiKeyCheck } from './api-keys/check';
export type { ApiKeyCheckOptions } from './api-keys/check';
export { ipCheck } from './ip/check';
export type { IpCheckSources } from './ip/check';
export { bearerCheck } from './bearer/check';
export type { BearerCheckSettings } from './bearer/check';
export type { Check, ListSource, FixedList, LiveList, ListReport } from './checks/check';
export type { CheckRequest } from './checks/request';
export type { Maybe } from './util/maybe';
export { rejectionFor } from './errors/rejection';
export type { Rejection } from './errors/rejection';
// Their parts, useful on their own.
export { parseBasicAuthorization, validateRealm, basicChallenge } from './basic/parse';
export type { BasicCredentials } from './basic/parse';
export { BasicAuthenticator } from './basic/authenticator';
export { extractApiToken } from './api-keys/extract';
export type { TokenLocation } from './api-keys/extract';
export { BearerAuthenticator, bearerChallenge } from './bearer/authenticator';
export type { BearerAuthenticatorOptions, BearerRequest } from './bearer/authenticator';
export { IpAccessList, resolveClientIp, parseCidr, IpRuleError } from './ip';
export type { IpAccessListOptions, CidrRule } from './ip';

// Express / settings.js middleware (also at ./middleware).
export {
  createAuthMiddleware, basicAuth, apiToken, bearerAuth, ipAllowlist, rateLimit, requireScope, apiKeys, unless, chain, compileExceptions,
} from './middleware';
export type {
  Middleware, AuthenticatedRequest, MiddlewareOptions, AuthMiddlewareOptions, CheckSpec,
  BasicCheckOptions, TokenCheckOptions, BearerCheckOptions, IpCheckOptions, RateLimitOptions, ScopeCheckOptions, ApiKeysCheckOptions, ExceptRule, ExceptPredicate, Source,
} from './middleware';

// Stores for lockout, sessions and revocation (also at ./store). Redis and PostgreSQL load their driver on first use.
export { createStore, MemoryStore, ContextStore, RedisStore, PostgresStore } from './store';
export type {
  Store, StoreStatus, StoreConfig, MemoryStoreOptions, ContextLike, ContextStoreOptions, RedisStoreOptions, PostgresStoreOptions,
} from './store';

// Password hashes for user lists.
export { hashPasswordScrypt, verifyPassword, passwordKind, storedPasswordProblem, PasswordChecker } from './passwords';
export type { PasswordKind, PasswordCheckerOptions } from './passwords';

// TOTP (RFC 6238) for enrolment screens and tests.
export { totp, verifyTotp, generateTotpSecret, base32Encode, base32Decode, otpauthUri } from './mfa/totp';
export type { TotpOptions, VerifyTotpOptions, OtpauthUriOptions, OtpAlgorithm } from './mfa/totp';

// JWT: keys bound to one algorithm, verification, remote JWKS, signing.
export {
  buildVerificationKey, buildSigningKey, verificationKeyFor, JwtVerifier, StaticKeyResolver, JwksKeyResolver,
  signJwt, SUPPORTED_ALGS,
} from './jwt';
export type {
  JwsAlg, KeySpec, BoundKey, BoundSigningKey, KeyResolver, JwtHeader, JwtClaims, VerifiedJwt, JwtVerifierOptions,
  JwksKeyResolverOptions, JwksStatus, SignJwtOptions,
} from './jwt';

// Audit: every decision as an event, built only when someone listens.
export { auditEvents } from './audit';
export type { AuthDecision } from './audit';
