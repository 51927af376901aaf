/** OAuth 2.0 client-credentials authorization server: clients, client authentication, endpoints. */
export { OAuthServer, OAUTH_OPERATIONS, PUBLIC_CACHE_SEC } from './server';
export type { OAuthServerOptions, OAuthOperation, OAuthResult, IssuerTokens } from './server';
export type { OAuthRequest } from './request';
export { ClientDirectory, CLIENT_AUTH_METHODS, scopeList } from './clients';
export type { OAuthClient, ClientAuthMethod } from './clients';
export { ClientSecretHasher, MIN_SECRET_KEY_BYTES } from './client-secrets';
export { formDecode, formEncode, JWT_BEARER_ASSERTION } from './client-auth';
export { OAuthError } from './errors';
export type { OAuthErrorCode } from './errors';
export { publicJwks, publicJwk, jwkThumbprint } from './jwks';
export type { JwkSet } from './jwks';
