/** JWT: keys bound to one alg, verification, JWKS, issuing, Bearer extraction, JWK publication, client assertions. */
export * from './keys';
export * from './verify';
export * from './jwks';
export * from './sign';
export * from './extract';
export * from './jwk';
export * from './assertion';
export { fromJoseError, JwtRole } from './failures';
