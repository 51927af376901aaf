/**
 * Access-token revocation: a revoked `jti` is remembered until the token
 * would have expired anyway (plus a margin covering verifier leeway), and a
 * token whose session (`sid`) was revoked is refused with it. Checked on
 * every request by the Bearer verifier: the store is the authority, so a
 * revocation applies at once on every node and instance sharing the store.
 *
 * Bound to the issuer (docs/THREAT-MODEL.md): its tag is in every key, so
 * one issuer's revocations never touch another's tokens. A deny-list entry
 * is not checked for its issuer on read: any entry present under this
 * issuer's key refuses the token (checking could only ever let one through).
 *
 * Revocations written before that binding (unbound keys) must not lapse at
 * an upgrade: for access tokens issued before bound keys were first used on
 * this store, the unbound entries are read too. That moment is kept in the
 * store (the first issuer to run writes it), so a redeploy does not send
 * every live token through the extra reads again; until it is read, this
 * issuer's own deploy time stands in, which is later (the safe side). Those
 * tokens expire within one access-token lifetime, and with them the extra reads.
 */
import { Store, readNow, replicated } from '../store/store';
import { Maybe, allOf, then } from '../util/maybe';
import { keys, tokenKeys, TokenKeys } from '../store/keys';
import { Families } from '../session/families';
import { parseRecord } from '../session/session-subject';

export interface RevocationsOptions {
  /** Seconds a revoked jti is kept past its exp. Default 300 (longer than any sane leeway). */
  marginSec?: number;
  /** Tokens with an `iat` before this (epoch seconds) may carry a pre-binding revocation. Default: when this is built. */
  legacyBeforeSec?: number;
  now?: () => number;
}

export class Revocations {
  private readonly marginMs: number;
  private readonly now: () => number;
  private readonly keys: TokenKeys;
  private legacyBeforeSec: number;

  /** Bound to the issuer of `families`. */
  constructor(private readonly store: Store, private readonly families: Families, opts: RevocationsOptions = {}) {
    this.keys = tokenKeys(families.issuerTag);
    this.marginMs = (opts.marginSec ?? 300) * 1000;
    this.now = opts.now ?? Date.now;
    this.legacyBeforeSec = opts.legacyBeforeSec ?? Math.floor(this.now() / 1000);
    if (opts.legacyBeforeSec === undefined) this.learnBoundSince();
  }

  /** Lowers the cut-off to when bound keys were first used on this store; a store that cannot tell leaves it as it is. */
  private learnBoundSince(): void {
    const mine = this.legacyBeforeSec;
    this.store.setIfAbsent(keys.boundSince, String(mine))
      .then(() => this.store.get(keys.boundSince))
      .then((value) => {
        const since = Number(value);
        if (Number.isSafeInteger(since) && since > 0 && since < this.legacyBeforeSec) this.legacyBeforeSec = since;
      })
      .catch(() => undefined);
  }

  /** Refuse this jti until `expSec` (NumericDate). A token already past it needs no entry. */
  async revokeJti(jti: string, expSec: number): Promise<void> {
    const ttl = expSec * 1000 + this.marginMs - this.now();
    if (ttl > 0) {
      await this.store.set(this.keys.revokedJti(jti), '1', ttl);
      await replicated(this.store);
    }
  }

  /** The lookups at once; any store failure propagates (fail closed, AUTH_011). `iat`: the token's, in seconds. */
  /** Synchronous when the store answers at once (Store.read), so a warm Bearer check needs no microtask turn. */
  isRevoked(jti: string | undefined, sid: string | undefined, iat?: number): Maybe<boolean> {
    return then(allOf<[string | undefined, boolean, boolean]>([
      jti === undefined ? undefined : readNow(this.store, this.keys.revokedJti(jti)),
      sid === undefined ? false : this.families.isRevoked(sid),
      iat !== undefined && iat <= this.legacyBeforeSec ? this.legacyRevoked(jti, sid) : false,
    ]), ([byJti, bySession, byLegacy]) => byJti !== undefined || bySession || byLegacy);
  }

  /** A pre-binding deny entry for the jti, or a pre-binding session marker that is not plainly active. */
  private async legacyRevoked(jti: string | undefined, sid: string | undefined): Promise<boolean> {
    const [byJti, family] = await Promise.all([
      jti === undefined ? undefined : this.store.get(keys.legacyRevokedJti(jti)),
      sid === undefined ? undefined : this.store.get(keys.legacyFamily(sid)),
    ]);
    return byJti !== undefined || (family !== undefined && parseRecord(family, (v) => v.state === 'active') === undefined);
  }
}
