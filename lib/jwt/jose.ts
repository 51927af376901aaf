/**
 * jose (panva), the reference JOSE implementation, for everything off the
 * request path: remote JWKS fetching, JWK export, RFC 7638 thumbprints,
 * client assertions. Per-request verification stays on the synchronous core
 * (verify.ts): measured in docs/BENCHMARKS.md, "JOSE verification decision".
 *
 * Loaded on first use: jose 6 is ESM-only (CommonJS `require` of it needs
 * Node ^20.19 or >= 22.12) and takes ~75 ms to load, which a deploy that
 * uses none of these features should not pay.
 */
import type * as Jose from 'jose';

let loaded: typeof Jose | undefined;

export function jose(): typeof Jose {
  return (loaded ??= require('jose') as typeof Jose);
}
