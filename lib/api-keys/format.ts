/**
 * The API key grammar (issue 13), GitHub-style:
 *
 *     key      = prefix "_" env "_" secret checksum
 *     prefix   = lowercase letter *15(lowercase letter / digit)   ; default "kapi"
 *     env      = "prod" / "test" / "dev"
 *     secret   = 26 base62                                       ; ≥ 154 bits from the CSPRNG
 *     checksum = 6 base62                                        ; CRC-32 of everything before it
 *     base62   = DIGIT / ALPHA   ; "0"-"9" "A"-"Z" "a"-"z", in that order
 *
 * e.g. `kapi_prod_2fGq0w8V1bS3XkQy7pLmN4tZc9` + 6 checksum characters: 32
 * characters after `kapi_prod_`, as in the Kindly guide. The checksum is
 * the CRC-32 (IEEE 802.3, as zlib) of `prefix_env_secret`, written in base62
 * and left-padded with "0" to 6 characters (GitHub's token format): a
 * mistyped or made-up key is refused without a store lookup, and a secret
 * scanner can tell a real key from look-alikes. It is not a MAC: anyone can
 * compute it, so a well-formed key still costs one lookup (see the cache).
 */
import { randomBytes } from 'crypto';

export const KEY_ENVS = ['prod', 'test', 'dev'] as const;
export type KeyEnv = (typeof KEY_ENVS)[number];

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SECRET_LENGTH = 26;
export const CHECKSUM_LENGTH = 6;
/** Characters of the secret shown as the key's non-secret display prefix (24 bits; 130 stay secret). */
const SHOWN_SECRET_CHARS = 4;

const PREFIX = /^[a-z][a-z0-9]{0,15}$/;

/** Throws when a configured prefix is not `[a-z][a-z0-9]{0,15}`. */
export function checkKeyPrefix(prefix: string): string {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new Error(`API key prefix ${JSON.stringify(String(prefix).slice(0, 20))}: lowercase letters and digits, starting with a letter, at most 16`);
  }
  return prefix;
}

/** `n` base62 characters, uniform: bytes ≥ 248 are dropped (248 = 4 × 62) so no character is likelier. */
export function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n + 8)) {
      if (b < 248) out += BASE62[b % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (IEEE, reflected, as zlib and PNG) of an ASCII string: "123456789" → 0xcbf43926. */
export function crc32(text: string): number {
  let c = -1;
  for (let i = 0; i < text.length; i++) c = CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** A 32-bit number in base62, left-padded with "0" to 6 characters. */
export function base62Checksum(n: number): string {
  let out = '';
  do {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(CHECKSUM_LENGTH, '0');
}

export interface MintedKey {
  key: string;
  env: KeyEnv;
  /** Non-secret display prefix, e.g. `kapi_prod_2fGq`: shown in lists so users can tell keys apart. */
  start: string;
}

/** A new key of this grammar. */
export function mintApiKey(prefix: string, env: KeyEnv): MintedKey {
  checkKeyPrefix(prefix);
  if (!KEY_ENVS.includes(env)) throw new Error(`API key env must be one of ${KEY_ENVS.join(', ')}`);
  const body = `${prefix}_${env}_${randomBase62(SECRET_LENGTH)}`;
  return { key: body + base62Checksum(crc32(body)), env, start: body.slice(0, prefix.length + env.length + 2 + SHOWN_SECRET_CHARS) };
}

export type ParsedKey =
  | { ok: true; env: KeyEnv; start: string }
  /** `malformed`: not a key of this grammar and prefix; `checksum`: the right shape with a wrong checksum. */
  | { ok: false; why: 'malformed' | 'checksum' };

const BASE62_RUN = /^[0-9A-Za-z]+$/;

/** Checks a presented key's shape and checksum: no store, no secret, constant work per length. */
export function parseApiKey(text: string, prefix: string): ParsedKey {
  const head = prefix + '_';
  if (typeof text !== 'string' || !text.startsWith(head)) return { ok: false, why: 'malformed' };
  const sep = text.indexOf('_', head.length);
  const env = text.slice(head.length, sep) as KeyEnv;
  if (sep < 0 || !KEY_ENVS.includes(env)) return { ok: false, why: 'malformed' };
  const tail = text.slice(sep + 1);
  if (tail.length !== SECRET_LENGTH + CHECKSUM_LENGTH || !BASE62_RUN.test(tail)) return { ok: false, why: 'malformed' };
  const body = text.slice(0, text.length - CHECKSUM_LENGTH);
  // The checksum is public (not a secret): a plain comparison leaks nothing.
  if (base62Checksum(crc32(body)) !== text.slice(-CHECKSUM_LENGTH)) return { ok: false, why: 'checksum' };
  return { ok: true, env, start: body.slice(0, sep + 1 + SHOWN_SECRET_CHARS) };
}
