/**
 * private_key_jwt client authentication (RFC 7523 §2.2, §3): the client signs
 * a short JWT with its private key; lib/jwt verifyClientAssertion checks it
 * with jose against the keys of its client record (a JWK Set or PEM bound at
 * compile time, or its JWKS URL fetched and cached by a JwksKeyResolver). Off
 * the hot path: one per token request of such a client.
 *
 * §3: `iss` = `sub` = the client id; `aud` names this server — its issuer
 * identifier or its token endpoint URL, both accepted (what openid-client /
 * oauth4webapi send is the issuer); `exp` required and at most five minutes
 * ahead; `jti` required and single use: remembered in the store (bound to the
 * issuer) until the assertion expires, so a replay is refused on every instance.
 */
import type { Store } from '../store/store';
import { tokenKeys, TokenKeys } from '../store/keys';
import { AuthError } from '../errors';
import { JwksKeyResolver } from '../jwt/jwks';
import { decodeJwtPayloadUnverified } from './unverified';
import { CLIENT_ASSERTION_TYPE, DEFAULT_ASSERTION_LIFETIME_SEC, verifyClientAssertion } from '../jwt/assertion';
import { ASSERTION_ALGS, ClientLookup, ClientKeys, OAuthClient } from './clients';
import { invalidClient } from './errors';

export { ASSERTION_ALGS, CLIENT_ASSERTION_TYPE };
export const MAX_ASSERTION_LIFETIME_SEC = DEFAULT_ASSERTION_LIFETIME_SEC;
const REMOTE_SETS_MAX = 1000;

export interface AssertionVerifierOptions {
  store: Store;
  /** IssuerTags.tokens: used jti are bound to the issuer, like all its token state. */
  issuerTag: string;
  /** Accepted `aud` values: the issuer identifier and the token endpoint URL. */
  audiences: readonly string[];
  realm: string;
  now?: () => number;
}

export class AssertionVerifier {
  private readonly keys: TokenKeys;
  private readonly remote = new Map<string, JwksKeyResolver>();

  constructor(private readonly opts: AssertionVerifierOptions) {
    this.keys = tokenKeys(opts.issuerTag);
    if (!opts.audiences.length) throw new Error('private_key_jwt needs the issuer or token endpoint URL as audience');
  }

  /** The client the assertion proves, or invalid_client; AUTH_011 (503) when its JWKS or the store cannot be reached. */
  async verify(assertion: string, clientIdParam: string | undefined, clients: ClientLookup): Promise<OAuthClient> {
    // Which client claims to speak: read before verifying, to pick its keys; everything is verified below.
    const claimed = decodeJwtPayloadUnverified(assertion);
    const id = claimed?.sub;
    if (typeof id !== 'string' || claimed?.iss !== id) throw this.refuse('client assertion iss and sub must both be the client id');
    if (clientIdParam !== undefined && clientIdParam !== id) throw this.refuse('client_id differs from the assertion subject');
    const client = await clients.get(id);
    if (!client) throw this.refuse('unknown client');
    if (!client.keys) throw this.refuse(`client ${id} has no public key for private_key_jwt`);
    try {
      await verifyClientAssertion(assertion, {
        clientId: id,
        audience: [...this.opts.audiences],
        keys: this.keysOf(client.keys),
        now: this.opts.now,
        isReplay: async (clientId, jti, expiresAt) => {
          const now = (this.opts.now ?? Date.now)();
          return !(await this.opts.store.setIfAbsent(this.keys.usedAssertion(clientId, jti), '1', Math.max(1000, expiresAt - now + 30_000)));
        },
      });
    } catch (e) {
      // AUTH_011 (JWKS unreachable, store down) is ours to report; every other verdict is the client's.
      if (e instanceof AuthError && e.code !== 'AUTH_011') throw this.refuse(`client assertion refused: ${e.reason}`);
      throw e;
    }
    return client;
  }

  private keysOf(keys: ClientKeys) {
    if (keys.kind === 'keys') return [...keys.keys];
    let resolver = this.remote.get(keys.url);
    if (!resolver) {
      if (this.remote.size >= REMOTE_SETS_MAX) this.remote.clear();
      resolver = new JwksKeyResolver({ url: keys.url, algorithms: [...ASSERTION_ALGS] });
      this.remote.set(keys.url, resolver);
    }
    return resolver;
  }

  private refuse(reason: string) {
    return invalidClient(reason, this.opts.realm);
  }
}
