/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, OpenID
 * Connect Core §9): a client proves itself to the token endpoint with a JWT
 * signed by a key it registered. One call per token request, not per API
 * request, so jose's `jwtVerify` checks it (the reference implementation;
 * WebCrypto's threadpool latency is acceptable here).
 *
 * Our policy runs first, with the same pre-parse as the per-request core:
 * size cap, shape, duplicate members, `none`/`crit` refusal, a key bound to
 * the header's alg (no header-supplied keys, J5). Then jose checks the
 * signature, exp/nbf/iat, iss = sub = client_id, and aud. Failures map to
 * AUTH_0xx in failures.ts, without an OAuth error: the token endpoint answers
 * `invalid_client` (RFC 6749 §5.2).
 */
import type { BoundKey, JwsAlg } from './keys';
import { DEFAULT_LEEWAY_SEC, KeyResolver, MAX_LEEWAY_SEC, StaticKeyResolver, parseCompactJws } from './verify';
import { fromJoseError, invalidJwt } from './failures';
import { nonNegative, positive } from './number-options';
import { jose } from './jose';

/** RFC 7523 §2.2: the `client_assertion_type` that names this method. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface ClientAssertionOptions {
  /** The client being authenticated: `iss` and `sub` must both be it (RFC 7523 §3 items 1–2). */
  clientId: string;
  /**
   * Values that identify us in `aud` (RFC 7523 §3 item 3): the token endpoint
   * URL and/or our issuer identifier. One match is enough.
   */
  audience: string | string[];
  /** The client's registered keys (each bound to one alg), or a resolver such as a JwksKeyResolver for its jwks_uri. */
  keys: BoundKey[] | KeyResolver;
  /** Clock skew tolerance, seconds. Default 30, at most 300. */
  leewaySec?: number;
  /** Longest accepted lifetime: `exp` further than this in the future is refused (RFC 7523 §3 item 4). Default 300 s. */
  maxLifetimeSec?: number;
  /**
   * Replay check (RFC 7523 §3 item 7): called once the assertion is valid;
   * return true if this client already used this jti (and remember it until
   * `expiresAt`, epoch ms). Without it, the caller must do it with the result.
   */
  isReplay?: (clientId: string, jti: string, expiresAt: number) => boolean | Promise<boolean>;
  /** Longest accepted assertion, characters. Default 8192. */
  maxLength?: number;
  /** Injectable clock, epoch ms. */
  now?: () => number;
}

export interface VerifiedClientAssertion {
  clientId: string;
  jti: string;
  /** Epoch ms of `exp`: how long the jti must be remembered. */
  expiresAt: number;
  alg: JwsAlg;
  kid?: string;
  claims: Record<string, unknown>;
}

export const DEFAULT_ASSERTION_LIFETIME_SEC = 300;

/**
 * Verify a `client_assertion`. Rejects with an AuthError when the client is
 * not authenticated; a configuration error or a bug is thrown as is.
 */
export async function verifyClientAssertion(assertion: string, opts: ClientAssertionOptions): Promise<VerifiedClientAssertion> {
  if (!opts || typeof opts.clientId !== 'string' || opts.clientId === '') throw new Error('client assertion: clientId is required');
  const audience = Array.isArray(opts.audience) ? opts.audience : [opts.audience];
  if (audience.length === 0 || !audience.every((a) => typeof a === 'string' && a !== '')) {
    throw new Error('client assertion: audience must be a non-empty string or list of strings');
  }
  const leeway = nonNegative(opts.leewaySec ?? DEFAULT_LEEWAY_SEC, 'client assertion: leewaySec');
  if (leeway > MAX_LEEWAY_SEC) throw new Error(`client assertion: leewaySec must be at most ${MAX_LEEWAY_SEC}`);
  const maxLifetime = positive(opts.maxLifetimeSec ?? DEFAULT_ASSERTION_LIFETIME_SEC, 'client assertion: maxLifetimeSec');
  const resolver = Array.isArray(opts.keys) ? new StaticKeyResolver(opts.keys) : opts.keys;
  const now = (opts.now ?? Date.now)();
  const invalid = (reason: string) => invalidJwt(reason, 'assertion');

  const { alg, kid } = parseCompactJws(assertion, opts.maxLength ?? 8192, 'assertion');
  const key = await resolver.resolve(kid, alg);
  if (!key || key.alg !== alg) throw invalid(kid === undefined ? `no key of this client for ${alg} without kid` : `unknown kid for ${alg}`);

  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jose().jwtVerify(assertion, key.key, {
      algorithms: [key.alg],
      issuer: opts.clientId,
      subject: opts.clientId,
      audience,
      clockTolerance: leeway,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      currentDate: new Date(now),
    }));
  } catch (err) {
    throw fromJoseError(err, 'assertion') ?? err;
  }
  const exp = claims.exp as number;
  if (exp - now / 1000 > maxLifetime + leeway) throw invalid('exp too far in the future (RFC 7523 §3)');
  const jti = claims.jti;
  if (typeof jti !== 'string' || jti === '') throw invalid('jti claim missing');
  const expiresAt = exp * 1000;
  if (opts.isReplay && await opts.isReplay(opts.clientId, jti, expiresAt)) {
    throw invalid('assertion replayed (jti already used)');
  }
  return { clientId: opts.clientId, jti, expiresAt, alg, kid, claims };
}
