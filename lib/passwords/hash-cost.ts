import { randomBytes } from 'crypto';
import { scryptParams } from './scrypt';
import { passwordKind } from './verify';
import { dummyHashLike } from './dummy-hash';
import { timeInWorker, BCRYPT_PATTERN } from './hash-pool';

/**
 * What one check against a stored hash costs on this machine, measured.
 *
 * A fixed "ms per unit of work" cannot rank hashes: scrypt is memory-bound
 * and its cost swings with the machine (ln=15 took 80 ms on one, 226–305 ms
 * on another), bcryptjs is CPU-bound JavaScript (cost 10 ≈ 85 ms on both).
 * With the wrong rank, unknown users are modelled on a cheaper hash than a
 * known user's, and timing tells them apart (ASVS 6.3.8). So each hash
 * profile (algorithm + parameters) met in a user list is timed: once per
 * process, in the hashing worker (the thread's own time for the hash, not
 * its wait in line), off the request path, one profile at a time. Until its
 * measurement lands, an estimate stands in.
 */

/** Profiles remembered; a list with more distinct ones is a misconfiguration: the rest keep their estimate. */
const MAX_PROFILES = 32;
/** Timings per profile; the fastest counts (the first run in a fresh worker includes warm-up). */
const RUNS = 3;

const measured = new Map<string, number>();
const measuring = new Map<string, Promise<number>>();
let line: Promise<unknown> = Promise.resolve();

/**
 * What a check against `stored` costs depends on: 'scrypt:ln,r,p',
 * 'bcrypt:cost', or undefined for plain text (a constant-time compare) and
 * malformed hashes (never checked).
 */
export function hashProfile(stored: string): string | undefined {
  switch (passwordKind(stored)) {
    case 'bcrypt':
      return BCRYPT_PATTERN.test(stored) ? `bcrypt:${Number(stored.slice(4, 6))}` : undefined;
    case 'scrypt': {
      const h = scryptParams(stored);
      return h && `scrypt:${h.ln},${h.r},${h.p}`;
    }
    default:
      return undefined;
  }
}

/**
 * Milliseconds one check against `stored` takes here: measured, or estimated
 * while the measurement (started by this call) runs. 0 for plain text.
 */
export function verifyCostMs(stored: string): number {
  const profile = hashProfile(stored);
  if (profile === undefined) return 0;
  const ms = measured.get(profile);
  if (ms !== undefined) return ms;
  void calibrate(stored, profile);
  return estimatedVerifyMs(stored);
}

/** Measures `stored`'s profile unless known; resolves with its cost. */
export function calibrateCost(stored: string): Promise<number> {
  const profile = hashProfile(stored);
  if (profile === undefined) return Promise.resolve(0);
  return calibrate(stored, profile);
}

/**
 * Starts measuring `stored`'s profile (`profile` = hashProfile(stored)) unless
 * it is measured or being measured: what indexing a list calls for every entry.
 */
export function startCalibration(stored: string, profile: string): void {
  if (!measured.has(profile) && !measuring.has(profile)) void calibrate(stored, profile);
}

function calibrate(stored: string, profile: string): Promise<number> {
  const known = measured.get(profile);
  if (known !== undefined) return Promise.resolve(known);
  const running = measuring.get(profile);
  if (running) return running;
  if (measured.size + measuring.size >= MAX_PROFILES) return Promise.resolve(estimatedVerifyMs(stored));
  const run = line
    .then(() => measure(stored))
    // A worker that cannot measure leaves the estimate in place (remembered, so it is not retried per request).
    .catch(() => estimatedVerifyMs(stored))
    .then((ms) => {
      measured.set(profile, ms);
      measuring.delete(profile);
      return ms;
    });
  measuring.set(profile, run);
  line = run;
  return run;
}

/** Fastest of RUNS checks of a random password against a hash of the same profile (random salt and key). */
async function measure(stored: string): Promise<number> {
  const kind = passwordKind(stored) as 'scrypt' | 'bcrypt';
  const like = dummyHashLike(stored);
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) best = Math.min(best, await timeInWorker(kind, randomBytes(12).toString('base64'), like));
  return best;
}

/**
 * Per measured profile, how much slower than measured its checks run now: a
 * moving average over its recent checks, within [1/MAX_SLOWDOWN, MAX_SLOWDOWN]
 * (below 1 when it was measured on a busier machine than now). Per profile,
 * because load slows CPU-bound bcryptjs and memory-bound scrypt unequally.
 */
const slowdowns = new Map<string, number>();
const MAX_SLOWDOWN = 4;
/** Weight of the newest check in the average: a handful of checks make a trend, one slow check does not. */
const SLOWDOWN_WEIGHT = 0.25;

/**
 * Records that a check against `stored` just took `elapsedMs` (wall time, in
 * its hashing slot): on a loaded machine hashes take longer, and a failure
 * padded to this profile must take longer with them (PasswordChecker).
 */
export function observeCheck(stored: string, elapsedMs: number): void {
  const profile = hashProfile(stored);
  const ms = profile === undefined ? undefined : measured.get(profile);
  if (profile === undefined || ms === undefined || ms < 1) return; // plain text and unmeasured profiles tell nothing
  const ratio = Math.min(MAX_SLOWDOWN, Math.max(1 / MAX_SLOWDOWN, elapsedMs / ms));
  const before = slowdowns.get(profile) ?? 1;
  slowdowns.set(profile, before + SLOWDOWN_WEIGHT * (ratio - before));
}

/** What a check against `stored` takes now: its measured cost times its profile's current slowdown. */
export function expectedCheckMs(stored: string): number {
  const profile = hashProfile(stored);
  return profile === undefined ? 0 : verifyCostMs(stored) * (slowdowns.get(profile) ?? 1);
}

/**
 * The stand-in until a profile is measured (bcryptjs cost 10 ≈ 90 ms,
 * scrypt ln=15 r=8 p=1 ≈ 100 ms on a typical x64 core).
 */
export function estimatedVerifyMs(stored: string): number {
  switch (passwordKind(stored)) {
    case 'bcrypt':
      return 2 ** Number(stored.slice(4, 6)) * 0.088;
    case 'scrypt': {
      const h = scryptParams(stored);
      return h ? 2 ** h.ln * h.r * h.p * 0.0004 : 0;
    }
    default:
      return 0;
  }
}
