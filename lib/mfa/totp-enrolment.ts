/**
 * TOTP enrolment kept in the store: a new seed from the CSPRNG (ASVS 6.5.3)
 * waits, sealed, until the user proves their authenticator with one code;
 * only then does it become the user's second factor. Replacing a confirmed
 * factor needs a code from it (a factor change requires the factor).
 *
 * An enrolment belongs to the issuer it was made through (docs/THREAT-MODEL.md):
 * its key and the seal's associated data name the issuer (IssuerTags.factors),
 * and the seal is the issuer's data key. Another issuer on the same store sees
 * no factor for the user, and the user can enrol one there too.
 *
 * Seeds confirmed before enrolments were bound (key `af:ts:<user>`) are still
 * read when the issuer has no bound one: one this issuer's data key opens is
 * its factor; one it cannot open stays "unreadable" (401 AUTH_006, fail
 * closed) — treating it as absent would let a user with a factor log in
 * without it. Deleting that key (or enrolling again where it opens) ends it.
 */
import type { Store } from '../store/store';
import { MfaError } from '../errors';
import { generateTotpSecret, base32Encode, otpauthUri } from './totp';
import { qrDataUri } from './qr-code';
import { keys, factorKeys, FactorKeys } from '../store/keys';
import { DataKey } from '../crypto/data-key';
import { TotpGuard } from './totp-guard';

export interface TotpEnrolmentOptions {
  /** Whose enrolments these are: IssuerTags.factors of the issuer. */
  issuerTag: string;
  /** Label shown in authenticator apps (`issuer` of the otpauth URI). */
  issuerLabel?: string;
  /** How long a started enrolment waits for its confirming code, seconds. Default 600. */
  pendingTtlSec?: number;
}

export interface EnrolmentStart {
  /** base32 seed, for manual entry. */
  secret: string;
  /** Key Uri Format, for a QR code. */
  otpauthUri: string;
  /** That URI as a QR code: a `data:image/svg+xml;base64,…` URI for `<img src>`. */
  qrCode: string;
}

/** What the store holds for a user: a sealed seed, a sealed one that does not open, or nothing. */
export type StoredSeed = { state: 'none' } | { state: 'ok'; seed: Buffer } | { state: 'unreadable' };

export class TotpEnrolment {
  private readonly pendingTtlMs: number;
  private readonly keys: FactorKeys;

  constructor(
    private readonly store: Store,
    private readonly dataKey: DataKey,
    private readonly guard: TotpGuard,
    private readonly opts: TotpEnrolmentOptions,
  ) {
    this.keys = factorKeys(opts?.issuerTag);
    this.pendingTtlMs = (opts.pendingTtlSec ?? 600) * 1000;
    if (opts.issuerLabel?.includes(':')) throw new Error('TOTP issuer label cannot contain ":"');
  }

  /** The user's confirmed seed at this issuer (or one from before binding that this issuer's key opens). */
  async seedOf(user: string): Promise<StoredSeed> {
    const [bound, legacy] = await Promise.all([this.store.get(this.keys.totpSecret(user)), this.store.get(keys.legacyTotpSecret(user))]);
    if (bound !== undefined) return this.open(bound, this.context('active', user));
    return legacy === undefined ? { state: 'none' } : this.open(legacy, 'active:' + user);
  }

  /**
   * Starts (or restarts) an enrolment. When a confirmed factor exists,
   * `currentCode` must be a valid code of it.
   */
  async begin(user: string, currentCode?: unknown): Promise<EnrolmentStart> {
    const current = await this.seedOf(user);
    if (current.state === 'unreadable') throw new MfaError('stored TOTP seed cannot be opened (data key changed, or an unbound seed of another issuer)');
    if (current.state === 'ok') await this.guard.verify(user, current.seed, currentCode);
    const seed = generateTotpSecret(20);
    await this.store.set(this.keys.totpPending(user), this.dataKey.seal(seed, this.context('pending', user)), this.pendingTtlMs);
    const account = user.replace(/:/g, '_');
    const uri = otpauthUri({
      secret: seed, account, issuer: this.opts.issuerLabel || undefined,
      digits: this.guard.digits, period: this.guard.step, algorithm: this.guard.algorithm,
    });
    return { secret: base32Encode(seed), otpauthUri: uri, qrCode: qrDataUri(uri) };
  }

  /** Confirms the pending enrolment with a code from the new authenticator. */
  async confirm(user: string, code: unknown): Promise<void> {
    const raw = await this.store.get(this.keys.totpPending(user));
    const pending = raw === undefined ? undefined : this.open(raw, this.context('pending', user));
    if (pending?.state !== 'ok') throw new MfaError('no TOTP enrolment pending');
    await this.guard.verify(user, pending.seed, code);
    await this.store.set(this.keys.totpSecret(user), this.dataKey.seal(pending.seed, this.context('active', user)));
    await this.store.delete(this.keys.totpPending(user));
  }

  /** Associated data of a seal: what it is, whose issuer, whose user — a seal moved to another key does not open. */
  private context(what: 'active' | 'pending', user: string): string {
    return `${what}:${this.opts.issuerTag}:${user}`;
  }

  private open(raw: string, context: string): StoredSeed {
    const seed = this.dataKey.open(raw, context);
    return seed ? { state: 'ok', seed } : { state: 'unreadable' };
  }
}
