/**
 * The internal entry point: the nodes (and this package's own tests and
 * benches) reach lib/ through here or through lib/index.ts, never file by file.
 * It is NOT in package.json "exports", so users cannot import it and it may
 * change in any release; the public API is lib/index.ts.
 *
 * Require it only (CommonJS): it carries `then` (lib/util/maybe), which would
 * make an ES module namespace thenable, so `await import()` of this file would
 * resolve to garbage. That is exactly why `then` is not public.
 */
export * from './index';
export * from './audit';
export * from './basic/parse';
export * from './api-keys/extract';
export * from './util/http-headers';
export * from './util/lru';
export * from './crypto/secure-compare';
export * from './util/concurrency-limiter';
export * from './passwords';
export { UserDirectory, UserRecord } from './credentials/user-list';
export { TokenDirectory, TokenRecord } from './credentials/token-list';
export { LiveIndex } from './credentials/live-index';
export { BasicAuthenticator } from './basic/authenticator';
export * from './ip';
export { memoByValue, oncePerValue, RECHECK_MS } from './util/memo';
export { Maybe, then } from './util/maybe';
export * from './jwt';
export * from './mfa/totp';
export * from './store';
export * from './errors';
export * from './errors/rejection';
export * from './middleware';
export * from './session';
export { peerAddressText } from './ip/address';
export { dummyHashLike } from './passwords/dummy-hash';
export * from './checks/check';
export * from './checks/request';
export { basicCheck, BasicCheckSettings } from './basic/check';
export { apiKeyCheck, apiKeySettings, apiKeyChallenge, ApiKeyCheckOptions, ApiKeySettings } from './api-keys/check';
export * from './api-keys/index';
export * from './accounts/index';
export { ipCheck, IpCheckSources } from './ip/check';
export { bearerCheck, requiredScopesOf, BearerCheckSettings } from './bearer/check';
export { hmacAlg, hmacKey, keysFromText, keysFromSpecs, algList, oneAlg, DEFAULT_ASYMMETRIC_ALGS } from './bearer/keys';
export { unexpectedErrorReporter, framesOf } from './errors/unexpected';
export { RateLimiter, RateLimitExceededError, rateLimitKey, compilePolicies, RateLimiterOptions, RateLimitResult, RateLimitPolicyInput, RateLimitPolicyState } from './limits/rate-limit';
export { rateLimitHeaders, RateLimitHeaderOptions } from './limits/rate-limit-headers';
export { isScriptRunner, ScriptRunner } from './limits/rate-limit-redis';
export { activeBans, liftBan, BanInfo } from './limits/bans';
export { rateLimitCheck, policiesFromWindows, WINDOW_UNIT_SEC, RATE_LIMIT_KEY_KINDS, RateLimitCheck, RateLimitCheckOptions, RateLimitWindow, RateLimitKeyBy, RateLimitRequest } from './limits/rate-limit-check';
export * from './signatures';
export * from './oauth2';
export * from './authz';
export { KeyRing, KeyRingOptions, KeyRingStatus, RotatingAlg, ROTATING_ALGS, MIN_ROTATE_EVERY_SEC } from './tokens/key-ring';
