import { LiveIndex, Indexed } from './live-index';
import { stringList, firstString, parseListText } from './fields';
import { storedPasswordProblem } from '../passwords/verify';
import { hashProfile, expectedCheckMs, startCalibration } from '../passwords/hash-cost';

export interface UserRecord {
  username: string;
  /** Stored password: scrypt or bcrypt hash, or plain text (warned about). */
  password: string;
  roles: string[];
  scopes: string[];
  /** Non-secret profile fields (id, name, email…) for login responses. */
  profile: Record<string, unknown>;
  /** base32 TOTP seed provisioned in the list (login's second factor); absent = none. Secret: never in profile. */
  totpSecret?: string;
}

const SECRET_FIELDS = new Set(['password', 'hash', 'passwordHash', 'password_hash', 'totpSecret', 'totp_secret', 'mfaSecret']);

/**
 * Accepted shapes, from any credential source:
 *  - array: [{ username, password | hash, roles?, scopes?, ... }]
 *  - object: { alice: "<hash>" } or { alice: { password, roles, scopes } }
 *  - text: that JSON, or one `username:password-hash` per line (split on the first colon).
 */
export function normalizeUser(source: unknown, at: string | number): Indexed<UserRecord> {
  let obj: Record<string, unknown>;
  if (typeof source === 'string' && typeof at === 'string') obj = { username: at, password: source };
  else if (source && typeof source === 'object' && !Array.isArray(source)) obj = source as Record<string, unknown>;
  else throw new Error('user must be an object');
  const username = (firstString(obj, ['username', 'user', 'email', 'name']) ?? (typeof at === 'string' ? at : undefined))?.normalize('NFC');
  if (!username) throw new Error('username missing');
  if (username.includes(':')) throw new Error('username must not contain ":" (RFC 7617)');
  const password = firstString(obj, ['password', 'hash', 'passwordHash', 'password_hash']);
  const problem = storedPasswordProblem(password);
  if (problem) throw new Error(problem);
  const profile: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!SECRET_FIELDS.has(k) && k !== 'roles' && k !== 'scopes') profile[k] = v;
  const entry: UserRecord = { username, password: password!, roles: stringList(obj.roles, 'roles'), scopes: stringList(obj.scopes ?? obj.scope, 'scopes'), profile };
  const totpSecret = firstString(obj, ['totpSecret', 'totp_secret', 'mfaSecret']);
  if (totpSecret !== undefined) entry.totpSecret = totpSecret;
  const hashKind = hashProfile(password!); // undefined: plain text (a malformed hash was refused above)
  // Times this hash profile once per process, in the background, as soon as a list holding it is read.
  if (hashKind !== undefined) startCalibration(password!, hashKind);
  return {
    key: username,
    entry,
    warning: hashKind === undefined ? 'plain-text passwords in the user list' : undefined,
    kind: hashKind ?? 'plain',
  };
}

function parseUserLine(line: string): unknown {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new Error('each line must be username:password-hash');
  return { username: line.slice(0, colon), password: line.slice(colon + 1) };
}

export class UserDirectory {
  private readonly index = new LiveIndex<UserRecord>(normalizeUser, (t) => parseListText(t, parseUserLine));

  find(raw: unknown, username: string): UserRecord | undefined {
    return this.index.find(raw, username);
  }

  /**
   * A stored hash of the list's costliest profile, to model dummy work on:
   * unknown users cost what the dearest known user costs. Costliest as
   * measured, corrected by how each profile's checks run now (hash-cost.ts).
   */
  likeHash(raw: unknown): string | undefined {
    let costliest: string | undefined;
    let cost = -1;
    for (const { password } of this.index.samples(raw)) {
      const c = expectedCheckMs(password);
      if (c > cost) [costliest, cost] = [password, c];
    }
    return costliest;
  }

  problems(raw: unknown): string[] {
    return this.index.problems(raw);
  }

  warnings(raw: unknown): string[] {
    return this.index.warnings(raw);
  }
}
