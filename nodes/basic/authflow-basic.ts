import { assertSupportedNode } from '../shared/supported-node';
import { AuthInfo, BasicAuthenticator, PasswordChecker, headerValues, then } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { createCredentialSource } from '../shared/credential-source';
import { clientIp } from '../shared/decision';
import { watchListWarnings } from '../shared/list-warnings';
import { createLockout, lockoutWanted, requestIp, LockoutConfig } from '../shared/lockout-config';
import { resolveStore, watchStoreStatus } from '../shared/store-ref';

interface BasicConfig extends CheckNodeConfig, LockoutConfig {
  realm?: string;
  usersType?: string;
  users?: string;
  /** authflow-store config node for the lockout counters; empty = the embedded default (global context). */
  store?: string;
}

/** authflow-basic: RFC 7617 Basic authentication in front of an `http in` route, with brute-force lockout. */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowBasic(this: RedNode, config: BasicConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    let auth: BasicAuthenticator;
    initCheckNode(node, config, {
      method: 'basic',
      // RFC 7617 §2: every 401 carries the challenge (B8).
      challenge: (err): Record<string, string> =>
        err.status === 401 ? { 'WWW-Authenticate': auth?.challenge ?? 'Basic realm="api", charset="UTF-8"' } : {},
      setup(status) {
        // Lockout off: no store is resolved or touched at all.
        const lockout = lockoutWanted(config) ? createLockout(resolveStore(RED, node, config.store), config, true) : undefined;
        if (lockout) watchStoreStatus(RED, node, config.store, status);
        auth = new BasicAuthenticator(config.realm || 'api', new PasswordChecker(), lockout);
        const users = createCredentialSource(RED, node, config.usersType || 'cred', config.users || '', 'userList');
        const warnings = watchListWarnings(node, status, auth.users);
        return (msg) => then(users(msg), (list) => {
          warnings(list);
          return then(auth.check(headerValues(msg.req?.rawHeaders, 'authorization'), list, requestIp(msg)), (info): AuthInfo => ({ ...info, ip: clientIp(msg) }));
        });
      },
    });
  }
  RED.nodes.registerType('authflow-basic', AuthflowBasic, { credentials: { userList: { type: 'text' } } });
};
