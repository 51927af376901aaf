import { sha256Parts as digest } from '../crypto/secure-compare';

/**
 * Store keys of the signature checks (same `af:` namespace and hashing as
 * lib/store/keys.ts: client-chosen parts are hashed, so keys stay short and
 * never spell a nonce or a delivery id).
 */
export const signatureKeys = {
  /** A nonce already used with this signing key (scoped by the key's lookup digest). */
  nonce: (keyDigest: string, nonce: string) => `af:sn:${digest(keyDigest, nonce)}`,
  /** A webhook delivery this receiver already accepted (scope: the receiving node). */
  delivery: (scope: string, ...parts: string[]) => `af:wd:${digest(scope, ...parts)}`,
};
