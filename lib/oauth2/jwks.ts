/**
 * The issuer's published keys (RFC 7517 §5, RFC 8414 `jwks_uri`): public
 * halves only, via lib/jwt publicJwks (an HS secret is never published; an
 * issuer signing with one, or issuing opaque tokens, publishes an empty set).
 */
import { ALGORITHMS, BoundKey } from '../jwt/keys';
import { jwkSetOf, PublishedJwkSet as JwkSet } from '../jwt/jwk';

export type { JwkSet };

/** Whether any of the keys may be published. */
export function publishable(keys: Array<BoundKey | undefined>): BoundKey[] {
  return keys.filter((k): k is BoundKey => !!k && ALGORITHMS[k.alg].family !== 'HS');
}

export async function issuerJwks(keys: Array<BoundKey | undefined>): Promise<JwkSet> {
  const published = publishable(keys);
  return published.length ? jwkSetOf(published) : { keys: [] };
}
