/**
 * One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) on Node crypto,
 * base32 (RFC 4648 §6) and the Key Uri Format used by authenticator apps.
 *
 * Single use of a code (ASVS 6.5.1) is the caller's job: `verifyTotp` returns
 * the matched time step so the caller can record (user, step) in a store and
 * refuse that step again.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';

export type OtpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  /** Time step X in seconds (RFC 6238 §4.1). Default 30. */
  step?: number;
  /** Unix time to start counting steps, T0 (RFC 6238 §4.1). Default 0. */
  t0?: number;
  /** Code length, 6–10 (RFC 4226 §5.3). Default 6. */
  digits?: number;
  /** HMAC hash (RFC 6238 §1.2). Default sha1. */
  algorithm?: OtpAlgorithm | 'SHA1' | 'SHA256' | 'SHA512';
}

export interface VerifyTotpOptions extends TotpOptions {
  /** Steps accepted either side of the current one (RFC 6238 §5.2). Default 1, at most 10. */
  window?: number;
}

const MAX_COUNTER = (1n << 64n) - 1n;

function normAlgorithm(a: string | undefined): OtpAlgorithm {
  const n = (a ?? 'sha1').toLowerCase().replace('-', '');
  if (n !== 'sha1' && n !== 'sha256' && n !== 'sha512') throw new Error('OTP: algorithm must be sha1, sha256 or sha512');
  return n;
}

function checkDigits(d: number): number {
  if (!Number.isInteger(d) || d < 6 || d > 10) throw new Error('OTP: digits must be an integer from 6 to 10');
  return d;
}

/** RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, mod 10^digits. */
export function hotp(secret: Buffer, counter: number | bigint, digits = 6, algorithm: TotpOptions['algorithm'] = 'sha1'): string {
  if (!Buffer.isBuffer(secret) || secret.length === 0) throw new Error('OTP: secret must be a non-empty Buffer');
  const c = typeof counter === 'bigint' ? counter : Number.isSafeInteger(counter) ? BigInt(counter) : -1n;
  if (c < 0n || c > MAX_COUNTER) throw new Error('OTP: counter must be an integer from 0 to 2^64-1');
  checkDigits(digits);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(c);
  const mac = createHmac(normAlgorithm(algorithm), secret).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return (bin % 10 ** digits).toString().padStart(digits, '0');
}

/** RFC 6238 §4.2: the step number T = floor((time − T0) / X). */
export function totpStep(timeSec: number, opts: Pick<TotpOptions, 'step' | 't0'> = {}): number {
  const step = opts.step ?? 30;
  const t0 = opts.t0 ?? 0;
  if (!Number.isFinite(step) || step <= 0) throw new Error('OTP: step must be > 0');
  if (!Number.isFinite(timeSec) || !Number.isFinite(t0) || timeSec < t0) throw new Error('OTP: time must be >= t0');
  return Math.floor((timeSec - t0) / step);
}

/** RFC 6238 §4: the TOTP code at `timeSec` (Unix seconds). */
export function totp(secret: Buffer, timeSec: number, opts: TotpOptions = {}): string {
  return hotp(secret, totpStep(timeSec, opts), opts.digits ?? 6, opts.algorithm);
}

/**
 * The step number whose code equals `code` within ±window steps of `nowSec`,
 * or undefined. Every candidate is computed and compared in constant time.
 */
export function verifyTotp(secret: Buffer, code: string, nowSec: number, opts: VerifyTotpOptions = {}): number | undefined {
  const digits = checkDigits(opts.digits ?? 6);
  const window = opts.window ?? 1;
  if (!Number.isInteger(window) || window < 0 || window > 10) throw new Error('OTP: window must be an integer from 0 to 10');
  if (typeof code !== 'string') return undefined;
  const typed = code.replace(/ /g, '');
  // The expected length is public; only the digits are secret.
  if (typed.length !== digits || !/^[0-9]+$/.test(typed)) return undefined;
  const given = Buffer.from(typed, 'ascii');
  const current = totpStep(nowSec, opts);
  let matched: number | undefined;
  for (let s = current - window; s <= current + window; s++) {
    if (s < 0) continue;
    const expected = Buffer.from(hotp(secret, s, digits, opts.algorithm), 'ascii');
    if (timingSafeEqual(expected, given) && matched === undefined) matched = s;
  }
  return matched;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 base32, without `=` padding (authenticator apps expect none). */
export function base32Encode(data: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** RFC 4648 §6 base32; tolerates lowercase, spaces and trailing `=`; throws on any other character. */
export function base32Decode(text: string): Buffer {
  if (typeof text !== 'string') throw new Error('base32: input must be a string');
  const clean = text.replace(/ /g, '').toUpperCase().replace(/=+$/, '');
  // 1, 3 or 6 leftover characters cannot come from whole bytes (RFC 4648 §6).
  if ([1, 3, 6].includes(clean.length % 8)) throw new Error('base32: invalid length');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error('base32: invalid character');
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

/** A new TOTP seed from the CSPRNG (ASVS 6.5.3); 160 bits as RFC 4226 §4 R6 recommends (128 minimum). */
export function generateTotpSecret(bytes = 20): Buffer {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 64) throw new Error('OTP: secret size must be 16–64 bytes');
  return randomBytes(bytes);
}

export interface OtpauthUriOptions {
  /** Raw seed, or its base32 form. */
  secret: Buffer | string;
  account: string;
  issuer?: string;
  digits?: number;
  period?: number;
  algorithm?: TotpOptions['algorithm'];
}

/**
 * Key Uri Format (Google Authenticator wiki):
 * `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
 * Label parts and values are percent-encoded (spaces as %20, never `+`).
 */
export function otpauthUri(o: OtpauthUriOptions): string {
  const secret = Buffer.isBuffer(o.secret) ? base32Encode(o.secret) : base32Encode(base32Decode(o.secret));
  if (typeof o.account !== 'string' || o.account === '') throw new Error('otpauth: account is required');
  // The colon separates issuer from account in the label: neither may contain one.
  if (o.account.includes(':') || (o.issuer ?? '').includes(':')) throw new Error('otpauth: issuer and account cannot contain ":"');
  const digits = checkDigits(o.digits ?? 6);
  const period = o.period ?? 30;
  if (!Number.isInteger(period) || period <= 0) throw new Error('otpauth: period must be a positive integer');
  const label = (o.issuer ? encodeURIComponent(o.issuer) + ':' : '') + encodeURIComponent(o.account);
  const params = [`secret=${secret}`];
  if (o.issuer) params.push(`issuer=${encodeURIComponent(o.issuer)}`);
  params.push(`algorithm=${normAlgorithm(o.algorithm).toUpperCase()}`, `digits=${digits}`, `period=${period}`);
  return `otpauth://totp/${label}?${params.join('&')}`;
}
