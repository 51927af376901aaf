/**
 * The login endpoint's logic: password (+ TOTP) → a session with an access
 * token and a rotating refresh token; refresh; logout.
 *
 * An unknown user and a wrong password take the same path — one password
 * hash (a dummy one for the unknown user), one failure count — and end in
 * the same error, so neither the response nor its timing tells them apart
 * (ASVS 6.3.8). While the (user, IP) pair or the IP is banned, nothing is
 * checked at all.
 */
import { AuthError, InvalidCredentialsError, MfaError, MalformedCredentialsError, StoreUnavailableError } from '../errors';
import type { AuthInfo } from '../auth-info';
import { PasswordChecker } from '../passwords/password-checker';
import { UserDirectory, UserRecord } from '../credentials/user-list';
import { base32Decode } from '../mfa/totp';
import { extractBearer } from '../jwt/extract';
import type { JwtClaims } from '../jwt/verify';
import { TokenIssuer } from '../tokens/issuer';
import { RefreshTokens } from './refresh-tokens';
import { Families } from './families';
import { Revocations } from '../tokens/revocation';
import { OwnTokenSource } from '../tokens/access-tokens';
import { Lockout, beginAttempt } from '../limits/lockout';
import { guardedPasswordCheck, FailureCost } from '../limits/guarded-password-check';
import { TotpGuard } from '../mfa/totp-guard';
import { TotpEnrolment, StoredSeed } from '../mfa/totp-enrolment';
import type { SessionSubject } from './session-subject';
import type { LoginFields } from './request-fields';
import { randomBytes } from 'crypto';
import { mintRandomToken } from '../crypto/random-token';

/** 'enrolled': users with a seed must give a code; 'always': users without one cannot log in. */
export type TotpPolicy = 'off' | 'enrolled' | 'always';

/** The parts of one issuer's token machinery a login service uses. */
export interface SessionTokens {
  issuer: TokenIssuer;
  families: Families;
  refreshTokens: RefreshTokens;
  revocations: Revocations;
  ownTokens: OwnTokenSource;
}

export interface LoginServiceOptions {
  tokens: SessionTokens;
  users?: UserDirectory;
  passwords?: PasswordChecker;
  lockout?: Lockout;
  totp?: { policy: TotpPolicy; guard: TotpGuard; enrolment?: TotpEnrolment };
  /** User-list fields copied into access tokens as claims (e.g. email, name). */
  profileClaims?: string[];
}

/** RFC 6749 §5.1 shape plus the user, as Kindly's login returns it. */
export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user: Record<string, unknown>;
}

/** What the enrolment endpoint answers. */
export type EnrolmentResult =
  | { enrolled: true }
  | { secret: string; otpauth_uri: string; qr_code: string; confirm_with: 'mfa_code' };

export interface SessionResult {
  response: TokenResponse;
  /** For msg.auth: never a token or a password. */
  auth: AuthInfo;
}

/** Profile fields a login response shows besides the configured profile claims. */
const PROFILE_FIELDS = ['name', 'email', 'displayName', 'display_name', 'given_name', 'family_name', 'picture', 'locale', 'created_at'];

export class LoginService {
  readonly users: UserDirectory;
  private readonly tokens: SessionTokens;
  readonly passwords: PasswordChecker;
  readonly lockout?: Lockout;
  private readonly totp?: LoginServiceOptions['totp'];
  /** Kept even with policy 'off': enrolling does not depend on whether login asks for codes yet. */
  private readonly enrolment?: TotpEnrolment;
  private readonly profileClaims: string[];

  constructor(opts: LoginServiceOptions) {
    this.tokens = opts.tokens;
    this.users = opts.users ?? new UserDirectory();
    this.passwords = opts.passwords ?? new PasswordChecker();
    this.lockout = opts.lockout;
    this.totp = opts.totp && opts.totp.policy !== 'off' ? opts.totp : undefined;
    this.enrolment = opts.totp?.enrolment;
    this.profileClaims = opts.profileClaims ?? [];
  }

  /** `cost`: when users also come from elsewhere (registered accounts), one failure cost for all (ASVS 6.3.8). */
  async login(userList: unknown, fields: LoginFields, ip: string, cost?: FailureCost): Promise<SessionResult> {
    const { username, password } = fields;
    // The second factor runs inside the same lockout attempt: a burst of code
    // guesses is limited like a burst of passwords.
    const next = this.totp ? (u: UserRecord) => this.secondFactor(u, fields.mfaCode) : undefined;
    const user = await guardedPasswordCheck(this, userList, username, password, ip, next, cost);
    const session = this.sessionOf(user);
    const refresh = await this.tokens.refreshTokens.start(session);
    return this.respond(session, refresh.token, refresh.familyId, 'login');
  }

  /** A session for a user who just proved who they are another way (registration): no password check. */
  async startSession(user: UserRecord, how: string): Promise<SessionResult> {
    const session = this.sessionOf(user);
    const refresh = await this.tokens.refreshTokens.start(session);
    return this.respond(session, refresh.token, refresh.familyId, how);
  }

  /**
   * The answer a registration gets when its login is taken (ASVS 6.3.8: no
   * account enumeration): the shape, token formats and work of a real one —
   * an access token signed like ours, then spoiled (or an opaque one revoked
   * at once), and a refresh token never stored — so nothing accepts them.
   */
  async decoySession(user: UserRecord, how: string): Promise<SessionResult> {
    const session = this.sessionOf(user);
    const sid = randomBytes(16).toString('base64url');
    const access = await this.tokens.issuer.issue(session, sid);
    let token = access.token;
    if (token.includes('.')) {
      // A signature of the right length (canonical base64url), just not ours: it verifies nowhere.
      const cut = token.lastIndexOf('.') + 1;
      token = token.slice(0, cut) + randomBytes(Buffer.from(token.slice(cut), 'base64url').length).toString('base64url');
    } else {
      await this.tokens.issuer.opaque?.revoke(token);
    }
    return {
      response: { access_token: token, refresh_token: mintRandomToken(), token_type: 'Bearer', expires_in: access.expiresIn, user: session.user },
      auth: { method: 'login', subject: session.subject, roles: session.roles, scopes: session.scopes, claims: { grant: how, decoy: true } },
    };
  }

  /** The login's password check (lockout, equal timing for unknown users) without starting a session: change password. */
  async checkPassword(userList: unknown, username: string, password: string, ip: string): Promise<UserRecord> {
    return guardedPasswordCheck(this, userList, username, password, ip);
  }

  /**
   * Rotates the refresh token and issues a new access token. With a user
   * list, the user is read again: roles follow the list, and a removed user
   * ends the session (ASVS 7.4.2).
   */
  async refresh(refreshToken: string | undefined, userList?: unknown): Promise<SessionResult> {
    if (refreshToken === undefined) throw new MalformedCredentialsError('refresh_token missing', { status: 400 });
    const rotated = await this.tokens.refreshTokens.rotate(refreshToken);
    let session = rotated.session;
    if (userList !== undefined) {
      const user = this.users.find(userList, session.subject);
      if (!user) {
        await this.tokens.families.revoke(rotated.familyId);
        throw new InvalidCredentialsError('user no longer in the user list: session revoked');
      }
      session = this.sessionOf(user);
    }
    return this.respond(session, rotated.token, rotated.familyId, 'refresh');
  }

  /**
   * Ends the session of whichever tokens are presented: the refresh token's
   * family, and the access token's jti and session. Like RFC 7009 §2.2, an
   * unknown or invalid token is not an error (it has nothing left to revoke);
   * presenting no token at all is (400).
   */
  async logout(refreshToken: string | undefined, authorization: string[]): Promise<{ revoked: number }> {
    let access: string | undefined;
    if (authorization.length > 0) {
      try {
        access = extractBearer({ authorization, allowQuery: false });
      } catch {
        access = undefined;
      }
    }
    if (refreshToken === undefined && access === undefined) {
      throw new MalformedCredentialsError('logout needs a refresh_token or a Bearer access token', { status: 400 });
    }
    let revoked = 0;
    if (refreshToken !== undefined && (await this.tokens.refreshTokens.revoke(refreshToken))) revoked++;
    if (access !== undefined) {
      const claims = await this.accessClaims(access);
      if (claims) {
        if (typeof claims.jti === 'string' && typeof claims.exp === 'number') await this.tokens.revocations.revokeJti(claims.jti, claims.exp);
        if (typeof claims.sid === 'string') await this.tokens.families.revoke(claims.sid);
        if (!access.includes('.')) await this.tokens.issuer.opaque?.revoke(access);
        revoked++;
      }
    }
    return { revoked };
  }

  /**
   * TOTP enrolment of an authenticated user: without `mfaCode` it starts (or
   * restarts, proving the current factor with `currentCode`) and returns the
   * seed, otpauth URI and its QR code; with `mfaCode` it confirms the pending seed. Wrong
   * codes are throttled like wrong passwords; a locked user cannot try.
   *
   * The caller must hold a live session of this issuer (`sid` of its access
   * token): a factor belongs to the issuer, so an identity vouched for by
   * anything else (another issuer's token, Basic auth) cannot enrol one here.
   */
  async enrol(who: { subject: string; sid?: unknown }, codes: { mfaCode?: string; currentCode?: string }, ip: string): Promise<EnrolmentResult> {
    const enrolment = this.enrolment;
    if (!enrolment) throw new MfaError('TOTP enrolment is not configured');
    const subject = who.subject;
    const family = typeof who.sid === 'string' ? await this.tokens.families.get(who.sid) : undefined;
    if (!family || family.state !== 'active' || family.session?.subject !== subject) {
      throw new InvalidCredentialsError('TOTP enrolment needs a live session of this issuer');
    }
    const attempt = await beginAttempt(this.lockout, subject, ip);
    try {
      if (codes.mfaCode !== undefined) {
        await enrolment.confirm(subject, codes.mfaCode);
        return { enrolled: true };
      }
      const started = await enrolment.begin(subject, codes.currentCode);
      return { secret: started.secret, otpauth_uri: started.otpauthUri, qr_code: started.qrCode, confirm_with: 'mfa_code' };
    } catch (err) {
      if (err instanceof MfaError) await attempt.failure();
      throw err;
    } finally {
      attempt.end();
    }
  }

  /** The verified claims of one of our access tokens, or undefined (expired, forged, not ours). */
  private async accessClaims(token: string): Promise<JwtClaims | undefined> {
    try {
      return await this.tokens.ownTokens.verify(token);
    } catch (err) {
      // A store that cannot answer must not turn a logout into a silent no-op (fail closed).
      if (err instanceof StoreUnavailableError) throw err;
      return undefined;
    }
  }

  /** Returns the error of a wrong or replayed code (counted like a wrong password); throws refusals that are not guesses. */
  private async secondFactor(user: UserRecord, code: string | undefined): Promise<AuthError | void> {
    const { policy, guard } = this.totp!;
    const seed = await this.seedOf(user);
    if (seed.state === 'none') {
      if (policy === 'always') throw new MfaError('no second factor enrolled for this user');
      return;
    }
    if (seed.state === 'unreadable') throw new MfaError('stored TOTP seed cannot be used');
    // Asking for the code is the normal first step of a 2FA login: not a failure.
    if (code === undefined) throw new MfaError('MFA code required');
    try {
      await guard.verify(user.username, seed.seed, code);
    } catch (err) {
      // Wrong or replayed codes count like wrong passwords (RFC 6238 §5.2: throttle).
      if (err instanceof MfaError) return err;
      throw err;
    }
  }

  private async seedOf(user: UserRecord): Promise<StoredSeed> {
    if (user.totpSecret !== undefined) {
      try {
        const seed = base32Decode(user.totpSecret);
        return seed.length >= 10 ? { state: 'ok', seed } : { state: 'unreadable' };
      } catch {
        return { state: 'unreadable' };
      }
    }
    return this.totp!.enrolment ? this.totp!.enrolment.seedOf(user.username) : { state: 'none' };
  }

  private sessionOf(user: UserRecord): SessionSubject {
    const id = user.profile.id ?? user.username;
    // An allowlist: rows from a database (`SELECT *`) carry salts, reset tokens
    // and API keys that must never reach the response or the store.
    const shown: Record<string, unknown> = {};
    const claims: Record<string, unknown> = {};
    for (const name of [...PROFILE_FIELDS, ...this.profileClaims]) if (user.profile[name] !== undefined) shown[name] = user.profile[name];
    for (const name of this.profileClaims) if (user.profile[name] !== undefined) claims[name] = user.profile[name];
    delete shown.id;
    delete shown.username;
    return {
      subject: user.username,
      roles: user.roles,
      scopes: user.scopes,
      user: { id, username: user.username, ...shown, roles: user.roles },
      claims,
    };
  }

  private async respond(session: SessionSubject, refreshToken: string, sid: string, how: string): Promise<SessionResult> {
    const access = await this.tokens.issuer.issue(session, sid);
    return {
      response: {
        access_token: access.token,
        refresh_token: refreshToken,
        token_type: 'Bearer',
        expires_in: access.expiresIn,
        user: session.user,
      },
      auth: {
        method: 'login', subject: session.subject, roles: session.roles, scopes: session.scopes,
        tokenId: access.jti, expiresAt: access.expiresAt, claims: { sid, grant: how },
      },
    };
  }
}
