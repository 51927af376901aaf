/** OAuth 2.0 client-credentials authorization server: clients, client authentication, endpoints. */
export { OAuthServer, OAUTH_OPERATIONS, PUBLIC_CACHE_SEC, oauthFailure } from './server';
export type { OAuthServerOptions, OAuthOperation, OAuthResult, OAuthCaller, IssuerTokens } from './server';
export type { OAuthRequest } from './request';
export { ClientDirectory, CLIENT_AUTH_METHODS, scopeList } from './clients';
export type { OAuthClient, ClientAuthMethod } from './clients';
export { ClientSecretHasher, MIN_SECRET_KEY_BYTES } from './client-secrets';
export { ClientRegistry, ClientRegistryError } from './client-store';
export type { ClientView } from './client-store';
export { formDecode, formEncode, ClientAuthenticator } from './client-auth';
export { OAuthError, authCodeOf } from './errors';
export type { OAuthErrorCode } from './errors';
export { issuerJwks } from './jwks';
