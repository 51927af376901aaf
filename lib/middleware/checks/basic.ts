import { basicCheck as basic } from '../../basic/check';
import { PasswordChecker, PasswordCheckerOptions } from '../../passwords/password-checker';
import { Lockout, LockoutOptions, CHECK_QUIET_MEMO_MS } from '../../limits/lockout';
import { MemoryStore } from '../../store/memory-store';
import type { AuthCheck, CheckContext } from '../types';
import { listSource, Source } from '../source';
import { rejectUnknownKeys } from './options';
import { adaptCheck } from './adapt';

export interface BasicCheckOptions {
  type?: 'basic';
  /**
   * Users in any shape the basic node accepts: `[{ username, password, roles?, scopes? }]`,
   * `{ alice: "<hash>" }`, or text `alice:<hash>` per line. Passwords as scrypt or
   * bcrypt hashes (`node-red admin hash-pw` output works); plain text is warned about.
   * A function answering undefined/null fails closed (503 AUTH_011).
   */
  users: Source<unknown>;
  /** RFC 7617 realm; no `"`, `\` or control characters. Default "api". */
  realm?: string;
  /** Cache and concurrency limits of password checks. */
  passwords?: PasswordCheckerOptions;
  /**
   * Brute-force lockout, as the basic and login nodes do it (counters in
   * this process's memory): `false` turns it off; settings default to
   * 5 per (user, IP), 20 per IP, 120 s window, 300 s ban.
   */
  lockout?: false | Pick<LockoutOptions, 'maxRetries' | 'ipMaxRetries' | 'findTimeSec' | 'banTimeSec'>;
}

const KEYS = ['type', 'users', 'realm', 'passwords', 'lockout'];
const LOCKOUT_KEYS = ['maxRetries', 'ipMaxRetries', 'findTimeSec', 'banTimeSec'];

function lockoutOf(opt: BasicCheckOptions['lockout']): Lockout | undefined {
  if (opt === false) return undefined;
  if (opt !== undefined && (opt === null || typeof opt !== 'object')) throw new Error('basic: "lockout" must be false or an object');
  if (opt) rejectUnknownKeys(opt, LOCKOUT_KEYS, 'basic lockout');
  return new Lockout(new MemoryStore(), { ...opt, quietMemoMs: CHECK_QUIET_MEMO_MS });
}

/** RFC 7617 Basic: lib/basic/check.ts behind the middleware contract. */
export function basicCheck(opts: BasicCheckOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'basic');
  if (opts.users === undefined) throw new Error('basic: "users" is required (a list, an object, text, or a function returning one)');
  const settings = { realm: opts.realm, passwords: new PasswordChecker(opts.passwords), lockout: lockoutOf(opts.lockout) };
  return adaptCheck(basic(listSource(opts.users, ctx.sourceTimeoutMs, 'basic users'), settings, (problems, warnings) => {
    for (const p of problems) ctx.onWarning(`basic: user list: ${p}`);
    for (const w of warnings) ctx.onWarning(`basic: user list: ${w} — store scrypt or bcrypt hashes instead`);
  }));
}
