/**
 * Opaque refresh tokens (256 bits from the CSPRNG, ASVS 7.2.3), stored only
 * as their SHA-256. Every use rotates the token; presenting a token that was
 * already rotated means it leaked (either the thief or the user holds a copy),
 * so the whole family is revoked — OAuth 2.0 Security BCP (RFC 9700) §4.14.2,
 * ASVS 10.4.5. The family's absolute lifetime is fixed at login (10.4.8).
 *
 * Bound to the issuer (docs/THREAT-MODEL.md): the key and the record carry
 * its tag, so another issuer's token — or one stored before tokens were
 * bound — is simply unknown here: the same AUTH_001, and nothing revoked.
 */
import type { Store } from '../store/store';
import { InvalidCredentialsError, MalformedCredentialsError } from '../errors';
import { sha256Hex } from '../crypto/secure-compare';
import { tokenKeys, TokenKeys } from '../store/keys';
import { isRandomToken, mintRandomToken } from '../crypto/random-token';
import { Families } from './families';
import { SessionSubject, parseRecord } from './session-subject';

interface TokenRecord {
  /** The issuer's tag. */
  isr: string;
  fam: string;
  state: 'active' | 'rotated';
}

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
  /** Absolute end of the family, epoch ms. */
  expiresAt: number;
}

export interface RotatedRefreshToken extends IssuedRefreshToken {
  session: SessionSubject;
}

export interface RefreshTokensOptions {
  /** Absolute lifetime of a family, seconds. */
  lifetimeSec: number;
  now?: () => number;
}

export class RefreshTokens {
  private readonly lifetimeMs: number;
  private readonly now: () => number;
  private readonly keys: TokenKeys;

  /** Bound to the issuer of `families`. */
  constructor(private readonly store: Store, private readonly families: Families, opts: RefreshTokensOptions) {
    this.keys = tokenKeys(families.issuerTag);
    if (!Number.isFinite(opts.lifetimeSec) || opts.lifetimeSec <= 0) throw new Error('refresh token lifetime must be > 0 seconds');
    this.lifetimeMs = opts.lifetimeSec * 1000;
    this.now = opts.now ?? Date.now;
  }

  /** A new session (family) and its first refresh token. */
  async start(session: SessionSubject): Promise<IssuedRefreshToken> {
    const expiresAt = this.now() + this.lifetimeMs;
    const familyId = await this.families.create(session, expiresAt);
    return { token: await this.mint(familyId, expiresAt), familyId, expiresAt };
  }

  /**
   * Exchanges a refresh token for a new one of the same family. Unknown,
   * expired, revoked → AUTH_001; already rotated (or a concurrent use losing
   * the compare-and-set) → the family is revoked, then AUTH_001.
   */
  async rotate(presented: unknown): Promise<RotatedRefreshToken> {
    const key = this.keys.refreshToken(sha256Hex(checkFormat(presented)));
    const raw = await this.store.get(key);
    const record = this.parse(raw, (v) => v.state === 'active' || v.state === 'rotated');
    if (!record) throw new InvalidCredentialsError(raw === undefined ? 'unknown or expired refresh token' : 'unreadable refresh token record');
    if (record.state === 'rotated') {
      await this.families.revoke(record.fam);
      throw new InvalidCredentialsError('refresh token reused after rotation: session revoked');
    }
    const family = await this.families.get(record.fam);
    if (!family || family.state !== 'active' || !family.session) throw new InvalidCredentialsError('refresh token session ended or revoked');
    const left = family.exp - this.now();
    if (left <= 0) throw new InvalidCredentialsError('refresh token session reached its absolute lifetime');
    // Atomic: of two concurrent uses of one token, exactly one wins; the loser is a reuse.
    const rotated: TokenRecord = { isr: this.families.issuerTag, fam: record.fam, state: 'rotated' };
    if (!(await this.store.compareAndSet(key, raw!, JSON.stringify(rotated), left))) {
      await this.families.revoke(record.fam);
      throw new InvalidCredentialsError('refresh token used concurrently: session revoked');
    }
    return { token: await this.mint(record.fam, family.exp), familyId: record.fam, expiresAt: family.exp, session: family.session };
  }

  /**
   * Logout: revokes the family of any token of it, rotated or not. Returns
   * the family id, or undefined for an unknown token (nothing to revoke).
   */
  async revoke(presented: unknown): Promise<string | undefined> {
    if (!isRandomToken(presented)) return undefined;
    const record = this.parse(await this.store.get(this.keys.refreshToken(sha256Hex(presented))), () => true);
    if (!record) return undefined;
    await this.families.revoke(record.fam);
    return record.fam;
  }

  private async mint(familyId: string, expiresAt: number): Promise<string> {
    const token = mintRandomToken();
    const record: TokenRecord = { isr: this.families.issuerTag, fam: familyId, state: 'active' };
    await this.store.set(this.keys.refreshToken(sha256Hex(token)), JSON.stringify(record), Math.max(1, expiresAt - this.now()));
    return token;
  }

  /** A record of this issuer's, or undefined (absent, unreadable, another issuer's). */
  private parse(raw: string | undefined, valid: (v: Record<string, unknown>) => boolean): TokenRecord | undefined {
    return parseRecord<TokenRecord>(raw, (v) => v.isr === this.families.issuerTag && typeof v.fam === 'string' && valid(v));
  }
}

function checkFormat(presented: unknown): string {
  if (typeof presented !== 'string' || presented === '') throw new MalformedCredentialsError('refresh_token missing', { status: 400 });
  if (!isRandomToken(presented)) throw new InvalidCredentialsError('refresh token has the wrong format');
  return presented;
}
