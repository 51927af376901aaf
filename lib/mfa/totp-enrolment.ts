/**
 * TOTP enrolment kept in the store: a new seed from the CSPRNG (ASVS 6.5.3)
 * waits, sealed, until the user proves their authenticator with one code;
 * only then does it become the user's second factor. Replacing a confirmed
 * factor needs a code from it (a factor change requires the factor).
 */
import type { Store } from '../store/store';
import { MfaError } from '../errors';
import { generateTotpSecret, base32Encode, otpauthUri } from './totp';
import { keys } from '../store/keys';
import { DataKey } from '../crypto/data-key';
import { TotpGuard } from './totp-guard';

export interface TotpEnrolmentOptions {
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
}

/** What the store holds for a user: a sealed seed, a sealed one that does not open, or nothing. */
export type StoredSeed = { state: 'none' } | { state: 'ok'; seed: Buffer } | { state: 'unreadable' };

export class TotpEnrolment {
  private readonly pendingTtlMs: number;

  constructor(
    private readonly store: Store,
    private readonly dataKey: DataKey,
    private readonly guard: TotpGuard,
    private readonly opts: TotpEnrolmentOptions = {},
  ) {
    this.pendingTtlMs = (opts.pendingTtlSec ?? 600) * 1000;
    if (opts.issuerLabel?.includes(':')) throw new Error('TOTP issuer label cannot contain ":"');
  }

  /** The user's confirmed seed. */
  async seedOf(user: string): Promise<StoredSeed> {
    return this.read(keys.totpSecret(user), user);
  }

  /**
   * Starts (or restarts) an enrolment. When a confirmed factor exists,
   * `currentCode` must be a valid code of it.
   */
  async begin(user: string, currentCode?: unknown): Promise<EnrolmentStart> {
    const current = await this.seedOf(user);
    if (current.state === 'unreadable') throw new MfaError('stored TOTP seed cannot be opened (data key changed?)');
    if (current.state === 'ok') await this.guard.verify(user, current.seed, currentCode);
    const seed = generateTotpSecret(20);
    await this.store.set(keys.totpPending(user), this.dataKey.seal(seed, 'pending:' + user), this.pendingTtlMs);
    const account = user.replace(/:/g, '_');
    return {
      secret: base32Encode(seed),
      otpauthUri: otpauthUri({
        secret: seed, account, issuer: this.opts.issuerLabel || undefined,
        digits: this.guard.digits, period: this.guard.step, algorithm: this.guard.algorithm,
      }),
    };
  }

  /** Confirms the pending enrolment with a code from the new authenticator. */
  async confirm(user: string, code: unknown): Promise<void> {
    const pending = await this.read(keys.totpPending(user), user, 'pending:');
    if (pending.state !== 'ok') throw new MfaError('no TOTP enrolment pending');
    await this.guard.verify(user, pending.seed, code);
    await this.store.set(keys.totpSecret(user), this.dataKey.seal(pending.seed, 'active:' + user));
    await this.store.delete(keys.totpPending(user));
  }

  private async read(key: string, user: string, context = 'active:'): Promise<StoredSeed> {
    const raw = await this.store.get(key);
    if (raw === undefined) return { state: 'none' };
    const seed = this.dataKey.open(raw, context + user);
    return seed ? { state: 'ok', seed } : { state: 'unreadable' };
  }
}
