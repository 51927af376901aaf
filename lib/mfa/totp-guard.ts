/**
 * TOTP verification for the login path: RFC 6238 with ±window steps
 * (§5.2), and each code accepted once — even within its own step — by
 * claiming (user, code, step) in the store with setIfAbsent (ASVS 6.5.1,
 * RFC 6238 §5.2 "MUST NOT accept the second attempt of the same OTP"). The
 * claim is shared by every issuer on the store: a code of a seed two issuers
 * share is spent at both (docs/THREAT-MODEL.md). Uses the server clock
 * (ASVS 6.5.8).
 */
import type { Store } from '../store/store';
import { MfaError } from '../errors';
import { verifyTotp, TotpOptions } from './totp';
import { keys } from '../store/keys';

export interface TotpGuardOptions extends TotpOptions {
  /** Steps accepted either side of now. Default 1. */
  window?: number;
  now?: () => number;
}

export class TotpGuard {
  private readonly opts: TotpGuardOptions;
  private readonly usedTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly store: Store, opts: TotpGuardOptions = {}) {
    this.opts = { step: 30, digits: 6, algorithm: 'sha1', window: 1, ...opts };
    // A step stays acceptable for 2·window+1 steps; remember its use a step longer.
    this.usedTtlMs = (2 * this.opts.window! + 2) * this.opts.step! * 1000;
    this.now = opts.now ?? Date.now;
  }

  get digits(): number {
    return this.opts.digits!;
  }

  get step(): number {
    return this.opts.step!;
  }

  get algorithm(): TotpOptions['algorithm'] {
    return this.opts.algorithm;
  }

  /** Throws MfaError (401 AUTH_006) for a missing, wrong or replayed code. */
  async verify(user: string, secret: Buffer, code: unknown): Promise<void> {
    if (code === undefined || code === null || code === '') throw new MfaError('MFA code required');
    if (typeof code !== 'string') throw new MfaError('MFA code is not a string');
    const step = verifyTotp(secret, code, Math.floor(this.now() / 1000), this.opts);
    if (step === undefined) throw new MfaError('wrong MFA code');
    // The matched code without the spaces verifyTotp tolerates: "123 456" and "123456" are one code.
    if (!(await this.store.setIfAbsent(keys.totpUsed(user, code.replace(/ /g, ''), step), '1', this.usedTtlMs))) {
      throw new MfaError('MFA code already used');
    }
  }
}
