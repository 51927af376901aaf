/** JWT: keys bound to one alg, verification, JWKS, issuing, Bearer extraction. */
export * from './keys';
export * from './verify';
export * from './jwks';
export * from './sign';
export * from './extract';
