/**
 * The password rules for passwords users choose (register, change password),
 * from OWASP ASVS 5.0 §6.2: at least 8 characters (6.2.1; 15 recommended,
 * configurable), at least 64 allowed (6.2.9), no composition rules (6.2.5),
 * any printable Unicode including spaces (6.2.6), refuse the most common
 * passwords (6.2.4) and ones made of the account's own name or email
 * (6.2.11). Length is counted in Unicode code points after NFC.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { RequestFieldError } from '../api-keys/record';

export interface PasswordPolicyOptions {
  /** Default 8; below 8 is refused (ASVS 6.2.1). */
  minLength?: number;
  /** Default 128; below 64 is refused (ASVS 6.2.9). Bounds the hashing work one request can ask for. */
  maxLength?: number;
  /** Extra passwords to refuse besides the shipped list (resources/common-passwords.txt). */
  extraCommon?: readonly string[];
}

let shipped: Set<string> | undefined;

/** resources/common-passwords.txt, read once per process; lines starting with # are comments. */
export function commonPasswords(): Set<string> {
  if (!shipped) {
    const text = readFileSync(join(__dirname, '..', '..', '..', 'resources', 'common-passwords.txt'), 'utf8');
    shipped = new Set(text.split(/\r?\n/).filter((l) => l && !l.startsWith('#')).map((l) => fold(l)));
  }
  return shipped;
}

const fold = (s: string) => s.normalize('NFKC').toLowerCase();

export class PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
  private readonly extra: Set<string>;

  constructor(opts: PasswordPolicyOptions = {}) {
    this.minLength = opts.minLength ?? 8;
    this.maxLength = opts.maxLength ?? 128;
    if (!Number.isInteger(this.minLength) || this.minLength < 8) throw new Error('minimum password length must be a whole number ≥ 8 (ASVS 6.2.1)');
    if (!Number.isInteger(this.maxLength) || this.maxLength < 64 || this.maxLength < this.minLength) throw new Error('maximum password length must be ≥ 64 (ASVS 6.2.9) and ≥ the minimum');
    this.extra = new Set((opts.extraCommon ?? []).map(fold));
    commonPasswords(); // a missing list is a deploy-time error, not a per-request one
  }

  /** Throws a 400 AUTH_003 naming the rule (never echoing the password); `context` = the user's email, username, name. */
  check(password: unknown, context: readonly (string | undefined)[] = []): string {
    if (typeof password !== 'string') throw new RequestFieldError('password must be text');
    const p = password.normalize('NFC');
    const length = [...p].length;
    if (length < this.minLength) throw new RequestFieldError(`password must be at least ${this.minLength} characters`);
    if (length > this.maxLength) throw new RequestFieldError(`password must be at most ${this.maxLength} characters`);
    if (/[\u0000-\u001f\u007f]/.test(p)) throw new RequestFieldError('password must not contain control characters');
    const folded = fold(p);
    if (commonPasswords().has(folded) || this.extra.has(folded)) throw new RequestFieldError('password is too common: choose another');
    for (const c of context) {
      if (!c) continue;
      const f = fold(c);
      const local = f.includes('@') ? f.slice(0, f.indexOf('@')) : f;
      if (folded === f || (local.length >= 3 && folded === local)) throw new RequestFieldError('password must not be your name or email');
    }
    return p;
  }
}
