/**
 * Keys from a remote JWK Set (RFC 7517 §5), e.g. an IdP's `jwks_uri`
 * (RFC 8414 §2). KeyObjects are built once per fetch. The IdP is protected
 * from us: at most one fetch per `cooldownMs` whatever the traffic, so tokens
 * with random `kid`s cannot make us hammer it. When the IdP is down, keys
 * already fetched keep being served.
 */
import * as http from 'http';
import * as https from 'https';
import { KeyObject, createPublicKey } from 'crypto';
import { InvalidCredentialsError, StoreUnavailableError } from '../errors';
import { ALGORITHMS, BoundKey, JwsAlg, bindKeyObject, isJwsAlg } from './keys';
import { KeyResolver } from './verify';
import { nonNegative, positive } from './number-options';

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
  private readonly url: URL;
  private readonly allowed: ReadonlySet<JwsAlg>;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly ttl: number;
  private readonly cooldown: number;
  private readonly headers: Record<string, string>;
  private readonly now: () => number;

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
    this.url = url;
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
    this.headers = { accept: 'application/jwk-set+json, application/json', ...(opts.headers ?? {}) };
    this.now = opts.now ?? Date.now;
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
    const p = fetchBody(this.url, this.timeoutMs, this.maxBytes, this.headers)
      .then((body) => {
        this.keys = parseJwks(body, this.allowed);
        this.fetchedAt = this.now();
        this.lastError = undefined;
      })
      .catch((err: Error) => {
        // Keep the keys we have: an IdP outage must not lock everyone out.
        this.lastError = err instanceof Error ? err.message : 'JWKS fetch failed';
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

/** GET with a whole-exchange timeout and a body cap; no redirects followed. */
function fetchBody(url: URL, timeoutMs: number, maxBytes: number, headers: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: Error | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else {
        resolve(body!);
      }
    };
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return done(new Error(`JWKS fetch: HTTP ${res.statusCode}`));
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) return done(new Error('JWKS fetch: response too large'));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return done(new Error('JWKS fetch: response too large'));
        chunks.push(chunk);
      });
      res.on('end', () => done(undefined, Buffer.concat(chunks)));
      res.on('error', (e) => done(new Error('JWKS fetch: ' + (e as NodeJS.ErrnoException).message)));
      res.on('aborted', () => done(new Error('JWKS fetch: response aborted')));
    });
    req.on('error', (e: NodeJS.ErrnoException) => done(new Error('JWKS fetch: ' + (e.code ?? e.message))));
    const timer = setTimeout(() => done(new Error(`JWKS fetch: timeout after ${timeoutMs} ms`)), timeoutMs);
    timer.unref?.();
  });
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
