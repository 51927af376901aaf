/**
 * A refresh family = one login session (its id is the access tokens' `sid`).
 * Revoking the family ends the session: its refresh tokens stop rotating and
 * every access token carrying its `sid` is refused (ASVS 7.4.1), including
 * ones issued before the revocation — so the revoked marker outlives the
 * longest-lived access token of the family.
 */
import { randomBytes } from 'crypto';
import { Store, readNow, replicated } from '../store/store';
import { Maybe, then } from '../util/maybe';
import { tokenKeys, TokenKeys } from '../store/keys';
import { SessionSubject, isSessionSubject, parseRecord } from './session-subject';

export interface FamilyRecord {
  /** The issuer's tag (IssuerTags.tokens): checked on every read, beside the key that names it. */
  isr: string;
  state: 'active' | 'revoked';
  /** Absolute end of the session, epoch ms (ASVS 10.4.8): rotation never extends it. */
  exp: number;
  session?: SessionSubject;
}

export interface FamiliesOptions {
  /** Whose sessions these are: IssuerTags.tokens of the issuer. */
  issuerTag: string;
  /** Longest access-token lifetime in seconds: how long a revoked marker must at least last. */
  accessTtlSec: number;
  /** Extra seconds a revoked marker is kept beyond that (covers verifier leeway). Default 300. */
  marginSec?: number;
  now?: () => number;
}

export class Families {
  /** The issuer's tag, shared with its refresh tokens and revocations. */
  readonly issuerTag: string;
  private readonly keys: TokenKeys;
  private readonly keepRevokedMs: number;
  private readonly now: () => number;

  constructor(private readonly store: Store, opts: FamiliesOptions) {
    this.keys = tokenKeys(opts.issuerTag);
    this.issuerTag = opts.issuerTag;
    this.keepRevokedMs = (opts.accessTtlSec + (opts.marginSec ?? 300)) * 1000;
    this.now = opts.now ?? Date.now;
  }

  /** A new family ending at `exp` (epoch ms). Returns its id (128 bits, not secret). */
  async create(session: SessionSubject, exp: number): Promise<string> {
    const id = randomBytes(16).toString('base64url');
    const record: FamilyRecord = { isr: this.issuerTag, state: 'active', exp, session };
    await this.store.set(this.keys.family(id), JSON.stringify(record), Math.max(1, exp - this.now()));
    return id;
  }

  /** The record, or undefined when absent, expired, unreadable or another issuer's. */
  async get(id: string): Promise<FamilyRecord | undefined> {
    return parseRecord<FamilyRecord>(await this.store.get(this.keys.family(id)), (v) =>
      v.isr === this.issuerTag && (v.state === 'active' || v.state === 'revoked') && typeof v.exp === 'number' &&
      (v.session === undefined || isSessionSubject(v.session)));
  }

  /**
   * Ends the session. Idempotent; also works when the family already expired.
   * `issuerTag`: the session of another issuer on this store (a shared
   * account's password change ends its sessions at every issuer): its marker
   * goes under that issuer's key and tag, where its tokens are checked.
   */
  async revoke(id: string, issuerTag = this.issuerTag): Promise<void> {
    const keys = issuerTag === this.issuerTag ? this.keys : tokenKeys(issuerTag);
    const current = parseRecord<FamilyRecord>(await this.store.get(keys.family(id)), (v) => v.isr === issuerTag && typeof v.exp === 'number');
    const now = this.now();
    const exp = current?.exp ?? now;
    const record: FamilyRecord = { isr: issuerTag, state: 'revoked', exp };
    await this.store.set(keys.family(id), JSON.stringify(record), Math.max(exp - now, this.keepRevokedMs));
    await replicated(this.store);
  }

  /**
   * For access tokens carrying this `sid`: revoked when marked so, or when
   * the record is present but unreadable or not this issuer's (fail closed).
   * An absent record is not revoked: the session simply ran its course.
   */
  /** Synchronous when the store answers at once (the request path of every Bearer check with sessions). */
  isRevoked(id: string): Maybe<boolean> {
    return then(readNow(this.store, this.keys.family(id)), (raw) => {
      if (raw === undefined) return false;
      const record = parseRecord<FamilyRecord>(raw, (v) => v.state === 'active' && v.isr === this.issuerTag);
      return record === undefined;
    });
  }
}
