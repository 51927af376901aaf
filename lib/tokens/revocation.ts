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
 */
import type { Store } from '../store/store';
import { tokenKeys, TokenKeys } from '../store/keys';
import { Families } from '../session/families';

export interface RevocationsOptions {
  /** Seconds a revoked jti is kept past its exp. Default 300 (longer than any sane leeway). */
  marginSec?: number;
  now?: () => number;
}

export class Revocations {
  private readonly marginMs: number;
  private readonly now: () => number;
  private readonly keys: TokenKeys;

  /** Bound to the issuer of `families`. */
  constructor(private readonly store: Store, private readonly families: Families, opts: RevocationsOptions = {}) {
    this.keys = tokenKeys(families.issuerTag);
    this.marginMs = (opts.marginSec ?? 300) * 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Refuse this jti until `expSec` (NumericDate). A token already past it needs no entry. */
  async revokeJti(jti: string, expSec: number): Promise<void> {
    const ttl = expSec * 1000 + this.marginMs - this.now();
    if (ttl > 0) await this.store.set(this.keys.revokedJti(jti), '1', ttl);
  }

  /** Both lookups at once; any store failure propagates (fail closed, AUTH_011). */
  async isRevoked(jti: string | undefined, sid: string | undefined): Promise<boolean> {
    const [byJti, bySession] = await Promise.all([
      jti === undefined ? undefined : this.store.get(this.keys.revokedJti(jti)),
      sid === undefined ? false : this.families.isRevoked(sid),
    ]);
    return byJti !== undefined || bySession;
  }
}
