/**
 * Self-service accounts (Kindly's POST /api/auth/register): users who sign
 * themselves up, kept in the store beside the hand-edited user lists.
 *
 *   af:ac:<sha256(login)> → { id, login, email?, username?, name?, hash (scrypt), created, changed, sessions }
 *
 * The login is the email (lowercased) or the username; the password is
 * stored scrypt-hashed only. Registering a taken login changes nothing and
 * is reported to the caller (`created: false`) so the flow can tell the
 * owner out of band, while the client gets an answer of the same shape
 * after the same work (one hash, one store write attempt): ASVS 6.3.8.
 */
import { randomUUID } from 'crypto';
import { StoreUnavailableError } from '../errors';
import type { Store } from '../store/store';
import { sha256Parts } from '../crypto/secure-compare';
import { hashPasswordScrypt } from '../passwords/scrypt';
import { dummyHashLike } from '../passwords/dummy-hash';
import { RequestFieldError } from '../api-keys/record';
import { PasswordPolicy } from './password-policy';

export interface AccountRecord {
  id: string;
  login: string;
  email?: string;
  username?: string;
  name?: string;
  hash: string;
  scopes: string[];
  roles: string[];
  createdAt: number;
  passwordChangedAt: number;
  /**
   * Sessions of recent logins, newest first, so a password change can end
   * them: `<issuer tag>:<sid>` — accounts are shared by every issuer on the
   * store, a session belongs to one (a bare `<sid>`: recorded before tags).
   */
  sessions: string[];
}

/** One remembered session: its refresh family id and the issuer (IssuerTags.tokens) it belongs to. */
export interface SessionRef {
  issuerTag?: string;
  sid: string;
}

const sessionEntry = (s: SessionRef) => (s.issuerTag ? `${s.issuerTag}:${s.sid}` : s.sid);
function sessionRef(entry: string): SessionRef {
  const at = entry.indexOf(':');
  return at < 0 ? { sid: entry } : { issuerTag: entry.slice(0, at), sid: entry.slice(at + 1) };
}

export interface RegisterFields {
  login: string;
  email?: string;
  username?: string;
  name?: string;
  password: string;
}

export interface AccountsOptions {
  policy?: PasswordPolicy;
  /** Scopes and roles every registered user gets. Default none. */
  scopes?: string[];
  roles?: string[];
}

const EMAIL = /^[^\s@"<>()[\],;:\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
const MAX_SESSIONS = 50;
/** A hash with the parameters register uses (hashPasswordScrypt's defaults): what checking an account's password costs. */
const ACCOUNT_LIKE = dummyHashLike(undefined);
const key = (login: string) => `af:ac:${sha256Parts(login)}`;

/** The login name a client's email or username stands for (emails and usernames compare case-insensitively). */
export function normalizeLogin(text: string): string {
  return text.normalize('NFC').trim().toLowerCase();
}

export class Accounts {
  readonly policy: PasswordPolicy;
  private readonly scopes: string[];
  private readonly roles: string[];

  constructor(private readonly store: Store, opts: AccountsOptions = {}) {
    this.policy = opts.policy ?? new PasswordPolicy();
    this.scopes = opts.scopes ?? [];
    this.roles = opts.roles ?? [];
  }

  /** Kindly's register body: {email or username, password, name}; 400 AUTH_003 naming the field otherwise. */
  readFields(body: unknown): RegisterFields {
    const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    const email = b.email;
    const username = b.username;
    let login: string;
    const out: Partial<RegisterFields> = {};
    if (email !== undefined) {
      if (typeof email !== 'string' || email.length > 254 || !EMAIL.test(email.trim())) throw new RequestFieldError('email is not a valid address');
      login = out.email = normalizeLogin(email);
    } else if (username !== undefined) {
      if (typeof username !== 'string' || !USERNAME.test(username.trim())) throw new RequestFieldError('username must be 3-64 letters, digits, ".", "_" or "-"');
      login = out.username = normalizeLogin(username);
    } else {
      throw new RequestFieldError('email or username is required');
    }
    if (b.name !== undefined && (typeof b.name !== 'string' || b.name.length > 200 || /[\u0000-\u001f\u007f]/.test(b.name))) {
      throw new RequestFieldError('name must be text of at most 200 characters');
    }
    const name = typeof b.name === 'string' ? b.name.trim() || undefined : undefined;
    const password = this.policy.check(b.password, [login, name]);
    return { ...out, login, name, password };
  }

  /**
   * One scrypt hash and one store round trip whether the login is new or
   * taken. `reserved`: the login names a user-list user — taken like a
   * registered one, and never written (an account beside the list user would
   * carry the same subject).
   */
  async register(fields: RegisterFields, now = Date.now(), reserved = false): Promise<{ created: boolean; account: AccountRecord }> {
    const hash = await hashPasswordScrypt(fields.password);
    const account: AccountRecord = {
      id: randomUUID(), login: fields.login, email: fields.email, username: fields.username, name: fields.name, hash,
      scopes: [...this.scopes], roles: [...this.roles], createdAt: now, passwordChangedAt: now, sessions: [],
    };
    if (reserved) {
      await this.store.get(key(fields.login)); // the round trip a taken login's refused write costs
      return { created: false, account };
    }
    const created = await this.store.setIfAbsent(key(fields.login), JSON.stringify(account));
    return { created, account };
  }

  async find(login: string): Promise<AccountRecord | undefined> {
    const raw = await this.store.get(key(normalizeLogin(login)));
    return raw === undefined ? undefined : decode(raw);
  }

  /** The hash checking an account's password costs: with accounts beside a user list, every failed login lasts at least that (ASVS 6.3.8). */
  readonly failureFloor = ACCOUNT_LIKE;

  /** The account as a user-list entry for the login node's password check (lib/credentials/user-list). */
  userEntry(a: AccountRecord): Record<string, unknown> {
    return {
      username: a.login, password: a.hash, id: a.id, email: a.email, name: a.name,
      created_at: new Date(a.createdAt).toISOString(), scopes: a.scopes, roles: a.roles,
    };
  }

  /**
   * Remembers a login's session so a password change can end it. Bounded:
   * the newest 50; returns the sessions pushed out, which the caller must
   * end — a session nobody remembers would outlive a password change.
   */
  async noteSession(login: string, session: SessionRef): Promise<SessionRef[]> {
    const entry = sessionEntry(session);
    let dropped: string[] = [];
    await this.modify(login, (a) => {
      const all = [entry, ...a.sessions.filter((s) => s !== entry)];
      dropped = all.slice(MAX_SESSIONS);
      return { ...a, sessions: all.slice(0, MAX_SESSIONS) };
    });
    return dropped.map(sessionRef);
  }

  /**
   * Stores a new password (already checked against the policy and hashed by
   * the caller's flow) and returns the sessions to end: every one but `keep`
   * (ASVS 7.4.3: a password change ends the user's other sessions).
   */
  async changePassword(login: string, password: string, keep: SessionRef | undefined, now = Date.now()): Promise<SessionRef[]> {
    const hash = await hashPasswordScrypt(password);
    const kept = keep ? sessionEntry(keep) : undefined;
    let ended: string[] = [];
    await this.modify(login, (a) => {
      ended = a.sessions.filter((s) => s !== kept && s !== keep?.sid);
      return { ...a, hash, passwordChangedAt: now, sessions: kept ? [kept] : [] };
    });
    return ended.map(sessionRef);
  }

  private async modify(login: string, change: (a: AccountRecord) => AccountRecord): Promise<void> {
    const k = key(normalizeLogin(login));
    for (let i = 0; i < 8; i++) {
      const raw = await this.store.get(k);
      if (raw === undefined) throw new RequestFieldError('no such account');
      if (await this.store.compareAndSet(k, raw, JSON.stringify(change(decode(raw))))) return;
    }
    throw new StoreUnavailableError('account changed too often to update');
  }
}

function decode(raw: string): AccountRecord {
  try {
    const a = JSON.parse(raw) as AccountRecord;
    if (typeof a.login !== 'string' || typeof a.hash !== 'string') throw new Error('bad');
    return a;
  } catch {
    throw new StoreUnavailableError('malformed account record in the store');
  }
}
