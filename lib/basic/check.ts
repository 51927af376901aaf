import { BasicAuthenticator } from './authenticator';
import { PasswordChecker } from '../passwords/password-checker';
import type { Lockout } from '../limits/lockout';
import type { AuthInfo } from '../auth-info';
import { then } from '../util/maybe';
import { Check, ListSource, ListReport, readList, reportOncePerValue } from '../checks/check';
import { CheckRequest, headerLines, clientAddress } from '../checks/request';

export interface BasicCheckSettings {
  /** RFC 7617 realm; no `"`, `\` or control characters. Default "api". */
  realm?: string;
  passwords?: PasswordChecker;
  /** Failures counted per (user, IP) and per IP, shared with the login endpoint. */
  lockout?: Lockout;
}

/**
 * RFC 7617 Basic against a user list (BasicAuthenticator): the one Basic
 * check of the basic node and the `basicAuth` middleware. Failures count
 * against clientAddress — the proxy-aware address of an earlier ip check.
 */
export function basicCheck<R extends CheckRequest>(users: ListSource<R>, settings: BasicCheckSettings = {}, report?: ListReport): Check<R> {
  const auth = new BasicAuthenticator(settings.realm ?? 'api', settings.passwords ?? new PasswordChecker(), settings.lockout);
  const seen = reportOncePerValue(auth.users, report);
  if (!('read' in users)) seen(users.fixed);
  // RFC 7617 §2 / RFC 9110 §15.5.2: every 401 carries the challenge (SECURITY-CASES B8).
  const challenge = { 'WWW-Authenticate': auth.challenge };
  return {
    method: 'basic',
    challenge: (err) => (err.status === 401 ? challenge : {}),
    run(req) {
      return then(readList(users, req), (list) => {
        seen(list);
        const ip = clientAddress(req);
        return then(auth.check(headerLines(req, 'authorization'), list, ip ?? 'unknown'), (info): AuthInfo => ({ ...info, ip }));
      });
    },
  };
}
