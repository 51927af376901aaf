import { randomBytes, scrypt as scryptCb, ScryptOptions } from 'crypto';
import { checkInWorker } from './hash-pool';

/**
 * Our scrypt hash format (PHC string style, as passlib writes it):
 *
 *   $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt, base64 no padding>$<key, base64 no padding>
 *
 * Defaults ln=15 (N=32768), r=8, p=1, 16-byte salt, 32-byte key: about 40 MiB
 * and ~80 ms here. Checks run in the hashing worker threads (hash-pool.ts),
 * so the event loop stays free while they work.
 */
export const SCRYPT_PREFIX = '$scrypt$';
export const DEFAULT_SCRYPT = { ln: 15, r: 8, p: 1 } as const;

interface ScryptHash { ln: number; r: number; p: number; salt: Buffer; key: Buffer }

// Bounds keep an operator typo (or a hostile hash in a shared table) from
// asking for gigabytes of memory per request.
const LIMITS = { ln: [10, 20], r: [1, 32], p: [1, 16] } as const;

/** Node's scrypt options for these parameters, with just enough memory allowed. */
export function scryptOptions(ln: number, r: number, p: number): ScryptOptions {
  const N = 2 ** ln;
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

function derive(password: string, salt: Buffer, ln: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keyLen, scryptOptions(ln, r, p), (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const SCRYPT_HASH = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;

/** The cost parameters of a well-formed scrypt hash within bounds (nothing decoded), else undefined. */
export function scryptParams(stored: string): { ln: number; r: number; p: number } | undefined {
  return paramsOf(SCRYPT_HASH.exec(stored));
}

function paramsOf(m: RegExpExecArray | null): { ln: number; r: number; p: number } | undefined {
  if (!m) return undefined;
  const ln = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  if (ln < LIMITS.ln[0] || ln > LIMITS.ln[1] || r < LIMITS.r[0] || r > LIMITS.r[1] || p < LIMITS.p[0] || p > LIMITS.p[1]) {
    return undefined;
  }
  return { ln, r, p };
}

export function parseScryptHash(stored: string): ScryptHash | undefined {
  const m = SCRYPT_HASH.exec(stored);
  const params = paramsOf(m);
  if (!params) return undefined;
  return { ln: params.ln, r: params.r, p: params.p, salt: Buffer.from(m![4], 'base64'), key: Buffer.from(m![5], 'base64') };
}

export async function hashPasswordScrypt(password: string, params: { ln?: number; r?: number; p?: number } = {}): Promise<string> {
  const { ln, r, p } = { ...DEFAULT_SCRYPT, ...params };
  const salt = randomBytes(16);
  const key = await derive(password.normalize('NFC'), salt, ln, r, p, 32);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `${SCRYPT_PREFIX}ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
}

/** false for a wrong password; throws on a malformed hash (a configuration error). */
export async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  if (!parseScryptHash(stored)) throw new Error('malformed scrypt hash');
  return checkInWorker('scrypt', password, stored);
}
