import { parseBasicAuthorization, validateRealm, basicChallenge } from './parse';
import { PasswordChecker } from '../passwords/password-checker';
import { UserDirectory } from '../credentials/user-list';
import type { Lockout } from '../limits/lockout';
import { guardedPasswordCheck } from '../limits/guarded-password-check';
import type { AuthInfo } from '../auth-info';
import { Maybe, then } from '../util/maybe';

/**
 * RFC 7617 Basic authentication against a user list from any source.
 * The same path — one password check, one failure count — runs for an
 * unknown user and a wrong password, and both give the same error (ASVS 6.3.8).
 *
 * With a Lockout, failures are counted per (user, IP) and per IP exactly as
 * the login endpoint counts them (the same guardedPasswordCheck); while banned the request ends in 429
 * AUTH_007 before any password is checked (ASVS 6.1.1/6.3.1). Malformed
 * headers name no user and are not counted (the login endpoint does not
 * count malformed bodies either).
 */
export class BasicAuthenticator {
  readonly realm: string;
  readonly challenge: string;
  readonly users = new UserDirectory();

  constructor(
    realm: string,
    readonly passwords: PasswordChecker = new PasswordChecker(),
    readonly lockout?: Lockout,
  ) {
    this.realm = validateRealm(realm);
    this.challenge = basicChallenge(this.realm);
  }

  /** `ip`: the client address failures count against (only used with a Lockout). */
  async authenticate(authorization: string[], userList: unknown, ip = 'unknown'): Promise<AuthInfo> {
    return this.check(authorization, userList, ip);
  }

  /**
   * authenticate() for request paths: answers synchronously when it can (a
   * password verified recently, from an address with no recent failure) and
   * throws synchronously for a malformed header.
   */
  check(authorization: string[], userList: unknown, ip = 'unknown'): Maybe<AuthInfo> {
    const { username, password } = parseBasicAuthorization(authorization);
    return then(guardedPasswordCheck(this, userList, username, password, ip), (user): AuthInfo => (
      { method: 'basic', subject: user.username, roles: user.roles, scopes: user.scopes }
    ));
  }
}
