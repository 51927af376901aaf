/**
 * JWT verification (RFC 7519) over JWS compact serialization (RFC 7515 §7.1),
 * following the RFC 8725 best practices. Configured once, then `verify(token)`
 * per request. Every failure of the token is an AuthError carrying
 * `oauthError: 'invalid_token'` (RFC 6750 §3.1), mapped in failures.ts.
 *
 * Order: size → shape → JSON (+ duplicate members) → header → key → signature
 * → time claims → iss/aud/typ/required claims. Claims are only looked at once
 * the signature holds.
 *
 * Synchronous node:crypto with KeyObjects built at deploy, not jose: jose
 * verifies through WebCrypto on libuv's threadpool, 1.5–8× slower per token
 * here and seconds late while the pool hashes (docs/BENCHMARKS.md, "JOSE
 * verification decision"). test/lib/jwt/differential.test.js proves this core
 * never accepts what jose refuses with the same options.
 */
import { constants, createHmac, timingSafeEqual, verify as cryptoVerify } from 'crypto';
import { AuthError } from '../errors';
import { ALGORITHMS, BoundKey, JwsAlg, isJwsAlg } from './keys';
import { nonNegative } from './number-options';
import { JwtRole, expiredJwt, invalidJwt, malformedJwt } from './failures';

export interface KeyResolver {
  /** The key for this `kid` and header `alg`, or undefined when none is known. */
  resolve(kid: string | undefined, alg: JwsAlg): Promise<BoundKey | undefined>;
}

export interface JwtHeader {
  alg: JwsAlg;
  kid?: string;
  typ?: string;
  [name: string]: unknown;
}

export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [name: string]: unknown;
}

export interface VerifiedJwt {
  header: JwtHeader;
  claims: JwtClaims;
}

export interface JwtVerifierOptions {
  keys: KeyResolver | BoundKey[];
  issuer?: string | string[];
  audience?: string | string[];
  /** Clock skew tolerance in seconds for exp/nbf/iat (RFC 7519 §4.1.4). Default 30. */
  leewaySec?: number;
  /** Refuse tokens without `exp`. Default true. */
  requireExp?: boolean;
  /** Refuse tokens whose `iat` is older than this (requires `iat`). */
  maxTokenAgeSec?: number;
  /** Expected `typ` header, e.g. 'at+jwt' (RFC 9068 §2.1), compared case-insensitively. */
  typ?: string;
  /** Claims that must be present, e.g. RFC 9068 §2.2: iss exp aud sub client_id iat jti. */
  requiredClaims?: string[];
  /** Longest accepted token, in characters (J9). Default 8192. */
  maxLength?: number;
  /** Injectable clock, epoch milliseconds. Default Date.now. */
  now?: () => number;
}

export const DEFAULT_LEEWAY_SEC = 30;
/**
 * Largest accepted leeway: revoked jti and session markers are kept 300 s
 * past exp (lib/session/revocation.ts, families.ts); a longer leeway would
 * accept a revoked token again once its marker is gone.
 */
export const MAX_LEEWAY_SEC = 300;

/** For verifiedUntil: claims objects this module returned, with the end of their acceptance. */
const cacheLimits = new WeakMap<JwtClaims, number>();

/**
 * Epoch ms after which claims returned by a JwtVerifier must be verified
 * again before reuse: the earlier of `exp` and `iat + maxTokenAgeSec` (no
 * leeway: a cache need not stretch it). Undefined when neither limits them,
 * or when the claims did not come from a JwtVerifier.
 */
export function verifiedUntil(claims: JwtClaims): number | undefined {
  return cacheLimits.get(claims);
}
export const DEFAULT_MAX_TOKEN_LENGTH = 8192;

const invalid = (reason: string) => invalidJwt(reason);
const malformed = (reason: string) => malformedJwt(reason);

/** base64url without padding (RFC 7515 §2); empty allowed only for the signature. */
const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** Keys configured locally: lookup by exact `kid`; kid-less keys serve kid-less tokens. */
export class StaticKeyResolver implements KeyResolver {
  private readonly byKid = new Map<string, BoundKey[]>();
  private readonly noKid: BoundKey[] = [];

  constructor(keys: BoundKey[]) {
    if (!Array.isArray(keys) || keys.length === 0) throw new Error('JWT verifier: at least one key is required');
    for (const k of keys) {
      if (!k || k.purpose !== 'verify' || !isJwsAlg(k.alg)) {
        throw new Error('JWT verifier: keys must come from buildVerificationKey');
      }
      if (k.kid === undefined) this.noKid.push(k);
      else this.byKid.set(k.kid, [...(this.byKid.get(k.kid) ?? []), k]);
    }
  }

  async resolve(kid: string | undefined, alg: JwsAlg): Promise<BoundKey | undefined> {
    const byKid = kid === undefined ? [] : (this.byKid.get(kid) ?? []).filter((k) => k.alg === alg);
    // A key configured without a kid (a pasted PEM) is the key for its alg, whatever
    // kid the IdP stamps on its tokens — the alg binding still holds (RFC 8725 §3.1).
    const matches = byKid.length > 0 ? byKid : this.noKid.filter((k) => k.alg === alg);
    // Several candidate keys for one alg would be a guess: refuse rather than try each.
    return matches.length === 1 ? matches[0] : undefined;
  }
}

export class JwtVerifier {
  private readonly resolver: KeyResolver;
  private readonly issuers?: ReadonlySet<string>;
  private readonly audiences?: ReadonlySet<string>;
  private readonly leeway: number;
  private readonly requireExp: boolean;
  private readonly maxTokenAge?: number;
  private readonly typ?: string;
  private readonly requiredClaims: readonly string[];
  private readonly maxLength: number;
  private readonly now: () => number;

  constructor(opts: JwtVerifierOptions) {
    if (!opts || !opts.keys) throw new Error('JWT verifier: keys are required');
    this.resolver = Array.isArray(opts.keys) ? new StaticKeyResolver(opts.keys) : opts.keys;
    if (typeof this.resolver.resolve !== 'function') throw new Error('JWT verifier: keys must be an array or a KeyResolver');
    this.issuers = stringSet(opts.issuer, 'issuer');
    this.audiences = stringSet(opts.audience, 'audience');
    this.leeway = nonNegative(opts.leewaySec ?? DEFAULT_LEEWAY_SEC, 'JWT verifier: leewaySec');
    if (this.leeway > MAX_LEEWAY_SEC) {
      throw new Error(`JWT verifier: leewaySec must be at most ${MAX_LEEWAY_SEC} seconds (revoked tokens are remembered ${MAX_LEEWAY_SEC} s past exp)`);
    }
    this.requireExp = opts.requireExp ?? true;
    this.maxTokenAge = opts.maxTokenAgeSec === undefined ? undefined : nonNegative(opts.maxTokenAgeSec, 'JWT verifier: maxTokenAgeSec');
    if (opts.typ !== undefined && (typeof opts.typ !== 'string' || opts.typ === '')) {
      throw new Error('JWT verifier: typ must be a non-empty string');
    }
    this.typ = opts.typ === undefined ? undefined : normalizeTyp(opts.typ);
    this.requiredClaims = [...(opts.requiredClaims ?? [])];
    this.maxLength = opts.maxLength ?? DEFAULT_MAX_TOKEN_LENGTH;
    if (!Number.isSafeInteger(this.maxLength) || this.maxLength < 16) {
      throw new Error('JWT verifier: maxLength must be an integer >= 16');
    }
    this.now = opts.now ?? Date.now;
  }

  /**
   * Rejects with an AuthError for anything wrong with the token. Anything
   * else (a bug, a failing resolver) is rethrown as is, never disguised as a
   * bad token: the adapters log it and answer 503 AUTH_011.
   */
  async verify(token: string): Promise<VerifiedJwt> {
    const { header, claims: claimsObj, signature, signingInput, alg, kid } = parseCompactJws(token, this.maxLength);

    // J4: kid is an opaque lookup key. J2/J3: the key's bound alg must equal the header alg.
    const key = await this.resolver.resolve(kid, alg);
    if (!key) throw invalid(kid === undefined ? `no key for ${alg} without kid` : `unknown kid ${quote(kid)} for ${alg}`);
    if (key.alg !== alg) throw invalid(`header alg ${alg} does not match the key's ${key.alg}`);

    if (!verifyJwsSignature(key, signingInput, signature)) throw invalid('signature invalid');

    const claims = claimsObj as JwtClaims;
    this.checkTimes(claims);
    this.checkProfile(header as JwtHeader, claims);
    return { header: header as JwtHeader, claims };
  }

  /** J6, RFC 7519 §4.1.4/4.1.5/4.1.6 with leeway L. */
  private checkTimes(c: JwtClaims): void {
    const now = Math.floor(this.now() / 1000);
    const L = this.leeway;
    const exp = numericDate(c, 'exp');
    const nbf = numericDate(c, 'nbf');
    const iat = numericDate(c, 'iat');
    if (exp === undefined) {
      if (this.requireExp) throw invalid('exp claim missing');
    } else if (now >= exp + L) {
      // "on or after" the expiration time the token MUST NOT be accepted.
      throw expiredJwt(`token expired at ${isoOf(exp)}`);
    }
    if (nbf !== undefined && nbf > now + L) throw invalid(`token not valid before ${isoOf(nbf)}`);
    if (iat !== undefined && iat > now + L) throw invalid('iat is in the future');
    if (this.maxTokenAge !== undefined) {
      if (iat === undefined) throw invalid('iat claim missing (maxTokenAge)');
      if (now - iat > this.maxTokenAge + L) throw expiredJwt('token older than maxTokenAge');
    }
    const limits = [exp, this.maxTokenAge === undefined ? undefined : iat! + this.maxTokenAge].filter((t): t is number => t !== undefined);
    if (limits.length > 0) cacheLimits.set(c, Math.min(...limits) * 1000);
  }

  /** J11: RFC 9068 §4 / RFC 8725 §3.8–3.11. */
  private checkProfile(header: JwtHeader, c: JwtClaims): void {
    for (const name of ['iss', 'sub', 'jti'] as const) {
      if (c[name] !== undefined && typeof c[name] !== 'string') throw malformed(`${name} is not a string`);
    }
    if (c.aud !== undefined && typeof c.aud !== 'string' &&
        !(Array.isArray(c.aud) && c.aud.every((a) => typeof a === 'string'))) {
      throw malformed('aud is not a string or an array of strings');
    }
    if (this.issuers && !(typeof c.iss === 'string' && this.issuers.has(c.iss))) {
      throw invalid(c.iss === undefined ? 'iss claim missing' : 'unexpected iss');
    }
    if (this.audiences) {
      const auds = c.aud === undefined ? [] : Array.isArray(c.aud) ? c.aud : [c.aud];
      if (!auds.some((a) => this.audiences!.has(a))) throw invalid(c.aud === undefined ? 'aud claim missing' : 'unexpected aud');
    }
    if (this.typ !== undefined) {
      if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== this.typ) throw invalid('unexpected typ');
    }
    for (const name of this.requiredClaims) {
      if (!Object.prototype.hasOwnProperty.call(c, name)) throw invalid(`required claim ${quote(name)} missing`);
    }
  }
}

export interface ParsedJws {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signature: Buffer;
  /** ASCII `header.payload`, what the signature covers (RFC 7515 §5.2). */
  signingInput: string;
  alg: JwsAlg;
  kid?: string;
}

/**
 * Everything about a JWT that needs no key, in this order: size (J9) → shape
 * (J10) → JSON objects without duplicate members (J8) → `none` and empty
 * signatures (J1) → our algorithms only (J3) → no `crit` (J7) → kid type.
 * Shared by the per-request core and the jose-based assertion check, so both
 * refuse the same inputs before any key is looked at.
 */
export function parseCompactJws(token: string, maxLength: number, role: JwtRole = 'bearer'): ParsedJws {
  const malformed = (reason: string) => malformedJwt(reason, role);
  const invalid = (reason: string) => invalidJwt(reason, role);
  if (typeof token !== 'string') throw malformed('token is not a string');
  // J9: bound the work before any parsing.
  if (token.length > maxLength) throw malformed(`token exceeds ${maxLength} characters`);

  const parts = token.split('.');
  if (parts.length !== 3) throw malformed(`token has ${parts.length} segments, expected 3 (RFC 7515 §7.1)`);
  const [h64, p64, s64] = parts;
  if (h64 === '' || p64 === '') throw malformed('empty header or payload segment');
  for (const seg of parts) {
    if (!SEGMENT.test(seg)) throw malformed('segment is not unpadded base64url (RFC 7515 §2)');
  }
  const header = decodeJsonObject(h64, 'header', malformed);
  const claims = decodeJsonObject(p64, 'payload', malformed);
  const signature = decodeSegment(s64, 'signature', malformed);

  // J1: `none` in any spelling, and unsigned tokens (RFC 8725 §3.1).
  const alg = header.alg;
  if (typeof alg !== 'string') throw malformed('header alg missing or not a string');
  if (alg.toLowerCase() === 'none') throw invalid('alg "none" refused');
  if (signature.length === 0) throw invalid('empty signature');
  // J3: only the algorithms we implement, spelled exactly (RFC 7515 §4.1.1 is case-sensitive).
  if (!isJwsAlg(alg)) throw invalid('unsupported alg');
  // J7: we implement no extension, so any `crit` is refused (RFC 7515 §4.1.11).
  if (Object.prototype.hasOwnProperty.call(header, 'crit')) throw invalid('crit header refused');
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== 'string') throw malformed('kid is not a string');
  // J5: jku, x5u, jwk, x5c are never read: the key comes only from our configuration.
  return { header, claims, signature, signingInput: `${h64}.${p64}`, alg, kid };
}

/** Verify a JWS signature over `signingInput` with a bound key (RFC 7518 §3). */
export function verifyJwsSignature(key: BoundKey, signingInput: string, signature: Buffer): boolean {
  const info = ALGORITHMS[key.alg];
  const data = Buffer.from(signingInput, 'ascii');
  try {
    switch (info.family) {
      case 'HS': {
        const mac = createHmac(info.hash!, key.key).update(data).digest();
        return mac.length === signature.length && timingSafeEqual(mac, signature);
      }
      case 'RS':
        return cryptoVerify(info.hash!, data, { key: key.key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'PS':
        // RFC 7518 §3.5: MGF1 with the same hash, salt length = hash length.
        return cryptoVerify(info.hash!, data, {
          key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        }, signature);
      case 'ES':
        // RFC 7518 §3.4: exactly r||s, each the curve size; r or s of zero is never
        // valid (CVE-2022-21449), refused here even though OpenSSL refuses it too.
        if (signature.length !== info.sigBytes) return false;
        if (isZero(signature.subarray(0, info.sigBytes! / 2)) || isZero(signature.subarray(info.sigBytes! / 2))) return false;
        return cryptoVerify(info.hash!, data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'EdDSA':
        return cryptoVerify(null, data, key.key, signature);
    }
  } catch {
    return false;
  }
}

function isZero(b: Buffer): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decode one segment; refuses non-canonical encodings (stray trailing bits, length ≡ 1 mod 4). */
function decodeSegment(seg: string, what: string, malformed: (reason: string) => AuthError): Buffer {
  if (seg.length % 4 === 1) throw malformed(`${what} is not valid base64url`);
  const bytes = Buffer.from(seg, 'base64url');
  if (bytes.toString('base64url') !== seg) throw malformed(`${what} is not canonical base64url`);
  return bytes;
}

function decodeJsonObject(seg: string, what: string, malformed: (reason: string) => AuthError): Record<string, unknown> {
  const bytes = decodeSegment(seg, what, malformed);
  let text: string;
  let value: unknown;
  try {
    text = UTF8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw malformed(`${what} is not UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`${what} is not a JSON object`);
  // J8: RFC 7515 §4 / RFC 7519 §4 let us refuse duplicate member names; we do.
  const dup = findDuplicateMember(text);
  if (dup !== undefined) throw malformed(`duplicate ${what} member ${quote(dup)}`);
  return value as Record<string, unknown>;
}

/**
 * First member name that occurs twice in one object of a (valid) JSON text,
 * at any depth; names are compared after unescaping, so "a" and "\u0061"
 * collide. Iterative: nesting depth costs no stack.
 */
export function findDuplicateMember(text: string): string | undefined {
  // One frame per open object/array: the names seen, or null for an array.
  const frames: { names: Set<string> | null; expectKey: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      const end = stringEnd(text, i);
      const top = frames[frames.length - 1];
      if (top && top.names && top.expectKey) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.names.has(name)) return name;
        top.names.add(name);
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (ch === '{') frames.push({ names: new Set(), expectKey: true });
    else if (ch === '[') frames.push({ names: null, expectKey: false });
    else if (ch === '}' || ch === ']') frames.pop();
    else if (ch === ',') {
      const top = frames[frames.length - 1];
      if (top && top.names) top.expectKey = true;
    }
    i++;
  }
  return undefined;
}

/** Index of the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i;
    else i++;
  }
  throw new SyntaxError('unterminated string');
}

function numericDate(c: JwtClaims, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const v = c[name];
  if (v === undefined) return undefined;
  // RFC 7519 §2 NumericDate: a JSON number; a string or null is malformed.
  if (typeof v !== 'number' || !Number.isFinite(v)) throw malformed(`${name} is not a NumericDate`);
  return v;
}

/** RFC 7515 §4.1.9: "application/" may be omitted; media types are case-insensitive. */
function normalizeTyp(typ: string): string {
  const t = typ.toLowerCase();
  return t.startsWith('application/') ? t.slice('application/'.length) : t;
}

function stringSet(v: string | string[] | undefined, what: string): ReadonlySet<string> | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((s) => typeof s === 'string' && s !== '')) {
    throw new Error(`JWT verifier: ${what} must be a non-empty string or list of strings`);
  }
  return new Set(list);
}

function isoOf(sec: number): string {
  const d = new Date(sec * 1000);
  return Number.isNaN(d.getTime()) ? String(sec) : d.toISOString();
}

/** Attacker-supplied text in an operator reason: quoted (escapes CR/LF) and cut short. */
function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? s.slice(0, 64) + '…' : s);
}
