/**
 * The one password path of Basic auth and the login endpoint: lockout →
 * find the user → password check (a dummy hash for an unknown user) →
 * count the outcome. Both endpoints share counters, so they must count alike.
 *
 * An unknown user and a wrong password take the same path — one password
 * hash, one failure count — and end in the same error (ASVS 6.3.8). While
 * the (user, IP) pair or the IP is banned, nothing is checked at all
 * (ASVS 6.1.1/6.3.1).
 *
 * Only failures lock anyone out. Identical attempts in flight — same gate,
 * user, password and lockout address — are one attempt: one reservation, one
 * hash, one count, one outcome for all (a client's connection pool sending
 * the right password at once is not a burst of guesses, and ten copies of
 * one wrong password are one guess). Distinct attempts beyond the in-flight
 * limit wait for the ones ahead (Lockout.begin) rather than being refused.
 */
import { AuthError, InvalidCredentialsError } from '../errors';
import type { PasswordChecker } from '../passwords/password-checker';
import type { UserDirectory, UserRecord } from '../credentials/user-list';
import { Lockout, beginAttempt, lockoutAddress } from './lockout';
import { cacheKey } from '../crypto/secure-compare';
import type { Maybe } from '../util/maybe';

export interface PasswordGate {
  users: UserDirectory;
  passwords: PasswordChecker;
  lockout?: Lockout;
}

/**
 * A further step inside the same attempt (the login's second factor). It
 * returns an AuthError to refuse and count a failure (a wrong code), throws
 * to refuse without counting (e.g. "MFA code required"), or returns nothing.
 */
export type NextStep = (user: UserRecord) => Promise<AuthError | void>;

/**
 * The user whose password (and next step) checked out; throws AuthError
 * otherwise. Answers synchronously for a password already verified, with
 * nothing after it, from an address with no recent failure: no hash, no
 * store read, no await.
 */
export function guardedPasswordCheck(
  gate: PasswordGate, userList: unknown, username: string, password: string, ip: string, next?: NextStep, cost?: FailureCost,
): Maybe<UserRecord> {
  const { users, passwords, lockout } = gate;
  const user = users.find(userList, username);
  // A password already verified, with nothing after it, is no guess: it needs
  // no in-flight reservation (parallel requests of a valid client are not
  // refused) — only the ban check: none while the address is remembered
  // quiet, else one store read on a quiet address.
  if (!next && user && passwords.knownGood(username, password, user.password)) {
    if (!lockout || lockout.knownQuiet(ip)) return user;
    return notBanned(lockout, username, ip).then(() => user);
  }
  if (next) return checkPassword(gate, userList, user, username, password, ip, next, cost);
  return sharedAttempt(gate, user, username, password, ip, () => checkPassword(gate, userList, user, username, password, ip, undefined, cost));
}

/** How a failure costs when users come from more than the list checked (see checkPassword). */
export interface FailureCost { likeList: unknown; floor: string }

/** An attempt in flight, for identical ones to join: the user record it was made against, and its outcome. */
interface Flight { user: UserRecord | undefined; outcome: Promise<UserRecord> }

/** Per gate: keyed hash of (user, password, lockout address) → the attempt in flight. Entries leave as attempts end. */
const flights = new WeakMap<PasswordGate, Map<string, Flight>>();

function sharedAttempt(
  gate: PasswordGate, user: UserRecord | undefined, username: string, password: string, ip: string, attempt: () => Promise<UserRecord>,
): Promise<UserRecord> {
  let inFlight = flights.get(gate);
  if (!inFlight) flights.set(gate, (inFlight = new Map()));
  const key = cacheKey(username, password, lockoutAddress(ip));
  const joined = inFlight.get(key);
  // Same record: the same list entry (or both unknown), so the same check.
  if (joined && joined.user === user) return joined.outcome;
  const flight: Flight = { user, outcome: attempt() };
  inFlight.set(key, flight);
  const land = () => {
    if (inFlight.get(key) === flight) inFlight.delete(key);
  };
  flight.outcome.then(land, land);
  return flight.outcome;
}

async function notBanned(lockout: Lockout, username: string, ip: string): Promise<void> {
  const checked = await lockout.check(username, ip);
  await lockout.success(username, ip, checked);
}

/**
 * One guess: reserved, hashed (a dummy hash for an unknown user), counted.
 * `cost`: when users come from more than `userList` (registered accounts
 * beside it), the list whose costliest hash models an unknown user, and the
 * hash every failure lasts at least (ASVS 6.3.8); default `userList` alone.
 */
async function checkPassword(
  gate: PasswordGate, userList: unknown, user: UserRecord | undefined, username: string, password: string, ip: string, next?: NextStep, cost?: FailureCost,
): Promise<UserRecord> {
  const { users, passwords, lockout } = gate;
  const attempt = await beginAttempt(lockout, username, ip);
  try {
    const ok = await passwords.check(username, password, user?.password, () => users.likeHash(cost ? cost.likeList : userList), cost?.floor);
    const refused = !ok || !user ? new InvalidCredentialsError(user ? 'wrong password' : 'unknown user') : await next?.(user);
    if (refused) {
      await attempt.failure();
      throw refused;
    }
    await attempt.success();
    return user!;
  } finally {
    attempt.end();
  }
}
