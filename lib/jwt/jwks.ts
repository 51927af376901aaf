/**
 * Keys from a remote JWK Set (RFC 7517 §5), e.g. an IdP's `jwks_uri`
 * (RFC 8414 §2). jose's remote JWK Set does the HTTP: GET without following
 * redirects, a whole-exchange timeout, JWK Set validation. On top of it, our
 * policy: a body size cap (its fetch hook), at most one fetch per
 * `cooldownMs` whatever the traffic — failed fetches included, so tokens with
 * random `kid`s or an IdP outage cannot make us hammer it — keys already
 * fetched keep being served while the IdP is down or a refresh runs, each
 * key bound to one alg at fetch time (RSA >= 2048 bits, never `oct`, never a
 * private member), and our kid rules. Keys in a token header (jku, x5u, jwk,
 * x5c) are never read (J5).
 */
import { KeyObject, createPublicKey } from 'crypto';
import type { FetchImplementation, JSONWebKeySet } from 'jose';
import { InvalidCredentialsError, StoreUnavailableError } from '../errors';
import { ALGORITHMS, BoundKey, JwsAlg, bindKeyObject, isJwsAlg } from './keys';
import { KeyResolver } from './verify';
import { nonNegative, positive } from './number-options';
import { jose } from './jose';

export interface JwksKeyResolverOptions {
  /** The JWKS URL. https, or http to a loopback host, or http anywhere with `allowHttp`. */
  url: string;
  /** Algorithms accepted from this set. Default RS256, ES256, EdDSA. HS* is never allowed. */
  algorithms?: JwsAlg[];
  /** Whole-request timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Largest accepted response body. Default 1 MiB. */
  maxBytes?: number;
  /** Keys are refetched after this age. Default 10 min. */
  cacheTtlMs?: number;
  /** Minimum gap between two fetches (unknown kid, expiry, retries). Default 30 s. */
  cooldownMs?: number;
  /** Allow plain http to a non-loopback host (a MITM could then inject keys). Default false. */
  allowHttp?: boolean;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Injectable clock, epoch ms. */
  now?: () => number;
}

export interface JwksStatus {
  keys: number;
  fetches: number;
  /** Epoch ms of the last successful fetch. */
  fetchedAt?: number;
  lastError?: string;
}

export const JWKS_DEFAULTS = Object.freeze({
  algorithms: ['RS256', 'ES256', 'EdDSA'] as JwsAlg[],
  timeoutMs: 5000,
  maxBytes: 1024 * 1024,
  cacheTtlMs: 10 * 60 * 1000,
  cooldownMs: 30 * 1000,
});

/** Keys read from one JWKS; the rest are skipped. */
const MAX_KEYS = 100;

const CURVE_ALG: Record<string, JwsAlg> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

export class JwksKeyResolver implements KeyResolver {
  private readonly allowed: ReadonlySet<JwsAlg>;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly ttl: number;
  private readonly cooldown: number;
  private readonly now: () => number;
  /** jose's remote JWK Set: only its reload() and jwks() are used, under our cooldown. */
  private readonly remote: ReturnType<ReturnType<typeof jose>['createRemoteJWKSet']>;

  private keys: BoundKey[] = [];
  private fetchedAt?: number;
  private lastAttempt = -Infinity;
  private lastError?: string;
  private fetches = 0;
  private inflight?: Promise<void>;

  constructor(opts: JwksKeyResolverOptions) {
    if (!opts || typeof opts.url !== 'string') throw new Error('JWKS: url is required');
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new Error('JWKS: url is not a valid URL');
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new Error('JWKS: url must be http(s)');
    if (!secure && !opts.allowHttp && !isLoopback(url.hostname)) {
      throw new Error('JWKS: url must be https (set allowHttp to accept plain http)');
    }
    const algs = opts.algorithms ?? JWKS_DEFAULTS.algorithms;
    if (!Array.isArray(algs) || algs.length === 0) throw new Error('JWKS: algorithms must be a non-empty list');
    for (const a of algs) {
      if (!isJwsAlg(a)) throw new Error('JWKS: unsupported algorithm');
      // A JWKS is public: a symmetric key in it would be a published secret.
      if (ALGORITHMS[a].family === 'HS') throw new Error('JWKS: HS algorithms cannot come from a JWKS');
    }
    this.allowed = new Set(algs);
    this.timeoutMs = positive(opts.timeoutMs ?? JWKS_DEFAULTS.timeoutMs, 'JWKS: timeoutMs');
    this.maxBytes = positive(opts.maxBytes ?? JWKS_DEFAULTS.maxBytes, 'JWKS: maxBytes');
    this.ttl = positive(opts.cacheTtlMs ?? JWKS_DEFAULTS.cacheTtlMs, 'JWKS: cacheTtlMs');
    this.cooldown = nonNegative(opts.cooldownMs ?? JWKS_DEFAULTS.cooldownMs, 'JWKS: cooldownMs');
    this.now = opts.now ?? Date.now;
    const j = jose();
    this.remote = j.createRemoteJWKSet(url, {
      timeoutDuration: Math.ceil(this.timeoutMs),
      headers: { accept: 'application/jwk-set+json, application/json', ...(opts.headers ?? {}) },
      [j.customFetch]: cappedFetch(this.maxBytes),
    });
  }

  async resolve(kid: string | undefined, alg: JwsAlg): Promise<BoundKey | undefined> {
    if (!this.allowed.has(alg)) return undefined;
    let refreshed = false;
    if (this.fetchedAt === undefined) {
      refreshed = await this.maybeFetch();
    } else if (this.now() - this.fetchedAt >= this.ttl) {
      // Stale keys still verify: refresh in the background instead of holding requests.
      void this.maybeFetch();
    }
    let key = this.find(kid, alg);
    // Unknown kid: perhaps the IdP rotated. One refetch, within the cooldown.
    if (!key && !refreshed) {
      await this.maybeFetch();
      key = this.find(kid, alg);
    }
    if (!key && this.keys.length === 0) {
      // The client's token may be fine: the key server is what failed (503, fail closed).
      if (this.fetchedAt === undefined) throw new StoreUnavailableError(`JWKS unavailable: ${this.lastError ?? 'not fetched yet'}`);
      throw new InvalidCredentialsError('JWKS has no usable keys', { oauthError: 'invalid_token' });
    }
    return key;
  }

  /** Fetch now unless a fetch is in flight (ignores the cooldown: for operators, not for requests). */
  async refresh(): Promise<void> {
    await (this.inflight ?? this.startFetch());
  }

  status(): JwksStatus {
    return { keys: this.keys.length, fetches: this.fetches, fetchedAt: this.fetchedAt, lastError: this.lastError };
  }

  private find(kid: string | undefined, alg: JwsAlg): BoundKey | undefined {
    const matches = this.keys.filter((k) => k.kid === kid && k.alg === alg);
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Joins a fetch in flight, or starts one if the cooldown allows. True if a fetch ran. */
  private async maybeFetch(): Promise<boolean> {
    if (this.inflight) {
      await this.inflight;
      return true;
    }
    if (this.now() - this.lastAttempt < this.cooldown) return false;
    await this.startFetch();
    return true;
  }

  private startFetch(): Promise<void> {
    this.lastAttempt = this.now();
    this.fetches++;
    const p = this.remote.reload()
      .then(() => {
        this.keys = bindJwkSet(this.remote.jwks() as JSONWebKeySet, this.allowed);
        this.fetchedAt = this.now();
        this.lastError = undefined;
      })
      .catch((err: unknown) => {
        // Keep the keys we have: an IdP outage must not lock everyone out.
        this.lastError = fetchError(err, this.timeoutMs);
      })
      .finally(() => { this.inflight = undefined; });
    this.inflight = p;
    return p;
  }
}

/** Build bound keys from a JWK Set body. Throws if the body is not a JWK Set. */
export function parseJwks(body: Buffer | string, allowed: ReadonlySet<JwsAlg>): BoundKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw new Error('JWKS is not JSON');
  }
  return bindJwkSet(doc, allowed);
}

/** Bound keys from a parsed JWK Set; members that are not usable keys are skipped. */
function bindJwkSet(doc: unknown, allowed: ReadonlySet<JwsAlg>): BoundKey[] {
  const list = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(list)) throw new Error('JWKS has no "keys" array');
  const out: BoundKey[] = [];
  for (const jwk of list.slice(0, MAX_KEYS)) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    out.push(...bindJwk(jwk as Record<string, unknown>, allowed));
  }
  return out;
}

function bindJwk(jwk: Record<string, unknown>, allowed: ReadonlySet<JwsAlg>): BoundKey[] {
  if (jwk.use !== undefined && jwk.use !== 'sig') return [];
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return [];
  const kid = jwk.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) return [];
  const pub = publicMembers(jwk);
  if (!pub) return [];
  // A JWK's `alg` pins it (RFC 7517 §4.4); without one, every allowed alg its type fits.
  const algs = (jwk.alg !== undefined ? [jwk.alg] : algsForType(jwk))
    .filter((a): a is JwsAlg => isJwsAlg(a) && allowed.has(a));
  if (algs.length === 0) return [];
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pub as never, format: 'jwk' });
  } catch {
    return [];
  }
  const out: BoundKey[] = [];
  for (const alg of algs) {
    try {
      out.push(bindKeyObject(key, alg, kid, 'verify'));
    } catch {
      // Wrong curve for the declared alg, RSA under 2048 bits, …: skipped.
    }
  }
  return out;
}

/** Only the public members: a private `d` in a published set is never used. */
function publicMembers(jwk: Record<string, unknown>): Record<string, string> | undefined {
  const pick = (names: string[]) => {
    const o: Record<string, string> = { kty: jwk.kty as string };
    for (const n of names) {
      if (typeof jwk[n] !== 'string') return undefined;
      o[n] = jwk[n] as string;
    }
    return o;
  };
  switch (jwk.kty) {
    case 'RSA': return pick(['n', 'e']);
    case 'EC': return pick(['crv', 'x', 'y']);
    case 'OKP': return jwk.crv === 'Ed25519' || jwk.crv === 'Ed448' ? pick(['crv', 'x']) : undefined;
    default: return undefined; // `oct` and unknown types are never taken from a JWKS.
  }
}

function algsForType(jwk: Record<string, unknown>): string[] {
  switch (jwk.kty) {
    case 'RSA': return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'EC': return CURVE_ALG[jwk.crv as string] ? [CURVE_ALG[jwk.crv as string]] : [];
    case 'OKP': return ['EdDSA'];
    default: return [];
  }
}

/**
 * jose's fetch hook: only a 200 is taken (jose asks for no redirects), and
 * the body is read up to `maxBytes`. jose's timeout signal aborts the read too.
 */
function cappedFetch(maxBytes: number): FetchImplementation {
  return async (url, init) => {
    const res = await fetch(url, init);
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`JWKS fetch: HTTP ${res.status}`);
    }
    const tooLarge = () => new Error('JWKS fetch: response too large');
    if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge();
        }
        chunks.push(value);
      }
    }
    return new Response(Buffer.concat(chunks), { status: 200, headers: res.headers });
  };
}

/** An operator-facing reason for a failed fetch (status(), the 503 reason); never key material. */
function fetchError(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.code === 'ERR_JWKS_TIMEOUT' || e?.name === 'TimeoutError') return `JWKS fetch: timeout after ${timeoutMs} ms`;
  if (e?.code === 'ERR_JWKS_INVALID') return 'JWKS is not a JWK Set (a "keys" array of objects)';
  if (typeof e?.message === 'string' && e.message.startsWith('JWKS')) return e.message;
  if (typeof e?.message === 'string' && /parse .* as JSON/.test(e.message)) return 'JWKS is not JSON';
  // undici: "fetch failed" with the socket error as the cause.
  return 'JWKS fetch: ' + (e?.cause?.code ?? e?.cause?.message ?? e?.message ?? 'failed');
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
