import type { Store } from '../../lib/internal';
import { Lockout, LockoutOptions, LOCKOUT_DEFAULTS, CHECK_QUIET_MEMO_MS } from '../../lib/internal';
import type { RedMsg } from './red-types';
import { clientIp } from './decision';

/**
 * The lockout settings a node's editor dialog stores (login and basic show
 * the same row): failures per (user, IP) and per IP within `findTime`
 * seconds ban for `banTime` seconds. Empty fields take LOCKOUT_DEFAULTS.
 */
export interface LockoutConfig {
  /** The "brute-force lockout" checkbox (login has none: always on). A flow saved before it existed gets `true` from the basic schema's migration. */
  lockout?: boolean | string;
  maxRetries?: string | number;
  ipMaxRetries?: string | number;
  findTime?: string | number;
  banTime?: string | number;
}

/** Whether the node's lockout checkbox is ticked. */
export function lockoutWanted(config: LockoutConfig): boolean {
  return config.lockout !== false && config.lockout !== 'false';
}

/** Node config → Lockout options; throws a configuration error for anything but whole numbers >= 0. */
export function lockoutOptions(config: LockoutConfig): LockoutOptions {
  if (!lockoutWanted(config)) return { maxRetries: 0, ipMaxRetries: 0 };
  return {
    maxRetries: int(config.maxRetries, LOCKOUT_DEFAULTS.maxRetries),
    ipMaxRetries: int(config.ipMaxRetries, LOCKOUT_DEFAULTS.ipMaxRetries),
    findTimeSec: int(config.findTime, LOCKOUT_DEFAULTS.findTimeSec),
    banTimeSec: int(config.banTime, LOCKOUT_DEFAULTS.banTimeSec),
  };
}

/**
 * The node's Lockout over `store` (0/0 gives a disabled one, as the Lockout
 * class defines). `perRequest`: a check in front of every request (basic)
 * trusts "no recent failure" for CHECK_QUIET_MEMO_MS instead of reading the
 * store each time; the login endpoint asks the store every time.
 */
export function createLockout(store: Store, config: LockoutConfig, perRequest = false): Lockout {
  return new Lockout(store, { ...lockoutOptions(config), quietMemoMs: perRequest ? CHECK_QUIET_MEMO_MS : 0 });
}

/** The client address lockout counts against (and msg.auth.ip): clientIp's one rule, 'unknown' when there is none. */
export function requestIp(msg: RedMsg): string {
  return clientIp(msg) ?? 'unknown';
}

function int(v: string | number | undefined, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error('lockout settings must be whole numbers >= 0');
  return n;
}
