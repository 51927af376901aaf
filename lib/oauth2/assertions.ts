/**
 * private_key_jwt client authentication (RFC 7523 §2.2, §3): the client signs
 * a short JWT with its private key; we verify it with jose against the public
 * key, JWK Set or JWKS URL of its client record. Off the hot path (one per
 * token request of such a client), so jose's WebCrypto cost is fine here.
 *
 * §3 rules: `iss` and `sub` are the client id (items 1-2); `aud` names this
 * server — its issuer identifier or its token endpoint URL, both accepted
 * (item 3: what openid-client/oauth4webapi send is the issuer); `exp` is
 * required (item 4) and we refuse assertions living longer than five
 * minutes; `jti` is required and single use (item 7): remembered in the store
 * until the assertion expires, so a replay is refused on every instance.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import type { KeyObject } from 'crypto';
import type { Store } from '../store/store';
import { tokenKeys, TokenKeys } from '../store/keys';
import { StoreUnavailableError } from '../errors';
import type { ClientDirectory, ClientKeys, OAuthClient } from './clients';
import { invalidClient } from './errors';

/** Asymmetric only: client_secret_jwt (HS*) is not offered, `none` never. */
export const ASSERTION_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const MAX_ASSERTION_LIFETIME_SEC = 300;
const MAX_ASSERTION_LENGTH = 8192;
const LEEWAY_SEC = 30;
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
  private readonly now: () => number;
  private readonly remote = new Map<string, JWTVerifyGetKey>();
  private readonly local = new WeakMap<object, JWTVerifyGetKey>();

  constructor(private readonly opts: AssertionVerifierOptions) {
    this.keys = tokenKeys(opts.issuerTag);
    this.now = opts.now ?? Date.now;
    if (!opts.audiences.length) throw new Error('private_key_jwt needs the issuer or token endpoint URL as audience');
  }

  /** The client the assertion proves, or invalid_client; 503 when its keys or the store cannot be reached. */
  async verify(assertion: string, clientIdParam: string | undefined, clients: ClientDirectory): Promise<OAuthClient> {
    if (assertion.length > MAX_ASSERTION_LENGTH) throw this.refuse('client assertion too long');
    let unverified;
    try {
      unverified = decodeJwt(assertion);
    } catch {
      throw this.refuse('client assertion is not a JWT');
    }
    const id = unverified.sub;
    if (typeof id !== 'string' || unverified.iss !== id) throw this.refuse('client assertion iss and sub must both be the client id');
    if (clientIdParam !== undefined && clientIdParam !== id) throw this.refuse('client_id differs from the assertion subject');
    const client = clients.get(id);
    if (!client) throw this.refuse('unknown client');
    if (!client.keys) throw this.refuse(`client ${id} has no public key for private_key_jwt`);
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, this.keyOf(client.keys), {
        algorithms: [...ASSERTION_ALGS], issuer: id, subject: id, audience: [...this.opts.audiences],
        clockTolerance: LEEWAY_SEC, requiredClaims: ['exp', 'jti'], currentDate: new Date(this.now()),
      }));
    } catch (e) {
      throw this.mapJoseError(e, id);
    }
    const nowSec = this.now() / 1000;
    const exp = payload.exp as number;
    if (exp - nowSec > MAX_ASSERTION_LIFETIME_SEC + LEEWAY_SEC) throw this.refuse(`client assertion lives longer than ${MAX_ASSERTION_LIFETIME_SEC} s`);
    if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) throw this.refuse('client assertion jti missing or too long');
    const ttlMs = Math.ceil((exp - nowSec + LEEWAY_SEC) * 1000);
    const first = await this.opts.store.setIfAbsent(this.keys.usedAssertion(id, payload.jti), '1', Math.max(1000, ttlMs));
    if (!first) throw this.refuse('client assertion replayed (jti already used)');
    return client;
  }

  private keyOf(keys: ClientKeys): JWTVerifyGetKey | KeyObject {
    switch (keys.kind) {
      case 'public_key':
        return keys.key;
      case 'jwks': {
        let set = this.local.get(keys);
        if (!set) this.local.set(keys, (set = createLocalJWKSet(keys.jwks as Parameters<typeof createLocalJWKSet>[0])));
        return set;
      }
      case 'jwks_uri': {
        let set = this.remote.get(keys.url);
        if (!set) {
          if (this.remote.size >= REMOTE_SETS_MAX) this.remote.clear();
          set = createRemoteJWKSet(new URL(keys.url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
          this.remote.set(keys.url, set);
        }
        return set;
      }
    }
  }

  /** Verification failures are the client's (invalid_client); an unreachable JWKS URL is ours to report (503). */
  private mapJoseError(e: unknown, id: string): Error {
    if (e instanceof joseErrors.JWKSTimeout || !(e instanceof joseErrors.JOSEError) || e.code === 'ERR_JOSE_GENERIC') {
      return new StoreUnavailableError(`client ${id}: its JWKS could not be fetched`, { retryAfter: 5 });
    }
    return this.refuse(`client assertion refused: ${e.code}`);
  }

  private refuse(reason: string) {
    return invalidClient(reason, this.opts.realm);
  }
}
