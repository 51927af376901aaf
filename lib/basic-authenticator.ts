import { parseBasicAuthorization, validateRealm, basicChallenge } from './basic';
import { PasswordChecker } from './passwords/password-checker';
import { UserDirectory } from './credentials/user-list';
import { InvalidCredentialsError } from './errors';
import type { AuthInfo } from './auth-info';

/**
 * RFC 7617 Basic authentication against a user list from any source.
 * The same path — one password check — runs for an unknown user and a wrong
 * password, and both give the same error (ASVS 6.3.8).
 */
export class BasicAuthenticator {
  readonly realm: string;
  readonly challenge: string;
  readonly users = new UserDirectory();

  constructor(realm: string, private readonly passwords: PasswordChecker = new PasswordChecker()) {
    this.realm = validateRealm(realm);
    this.challenge = basicChallenge(this.realm);
  }

  async authenticate(authorization: string[], userList: unknown): Promise<AuthInfo> {
    const { username, password } = parseBasicAuthorization(authorization);
    const user = this.users.find(userList, username);
    const ok = await this.passwords.check(username, password, user?.password, this.users.likeHash(userList));
    if (!ok || !user) throw new InvalidCredentialsError(user ? 'wrong password' : 'unknown user');
    return { method: 'basic', subject: user.username, roles: user.roles, scopes: user.scopes };
  }
}
