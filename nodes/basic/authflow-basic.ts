import { assertSupportedNode } from '../shared/supported-node';
import { PasswordChecker, basicCheck } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { nodeListSource } from '../shared/msg-request';
import { listReport } from '../shared/list-warnings';
import { createLockout, lockoutWanted, LockoutConfig } from '../shared/lockout-config';
import { resolveStore, watchStoreStatus } from '../shared/store-ref';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-basic.schema';
import { registerHashPasswordEndpoint } from '../shared/hash-password-endpoint';

interface BasicConfig extends CheckNodeConfig, LockoutConfig {
  realm?: string;
  /** Where the user list comes from (`cred`, flow, global, env, msg) and its key; `users` before configVersion 1. */
  userSourceType?: string;
  userSource?: string;
  /** authflow-store config node for the lockout counters; empty = the embedded default (global context). */
  store?: string;
}

/** authflow-basic: RFC 7617 Basic authentication in front of an `http in` route, with brute-force lockout. */
export = function register(RED: RED) {
  assertSupportedNode();
  registerHashPasswordEndpoint(RED); // the dialog's "add user" button
  function AuthflowBasic(this: RedNode, config: BasicConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled
    const node = this;
    initCheckNode(node, config, {
      method: 'basic',
      setup(status) {
        assertConfig(schema, config);
        // Lockout off: no store is resolved or touched at all.
        const lockout = lockoutWanted(config) ? createLockout(resolveStore(RED, node, config.store), config, true) : undefined;
        if (lockout) watchStoreStatus(RED, node, config.store, status);
        const users = nodeListSource(RED, node, config.userSourceType || 'cred', config.userSource || '', 'userList', 'users');
        return basicCheck(users, { realm: config.realm || 'api', passwords: new PasswordChecker(), lockout }, listReport(node, status));
      },
    });
  }
  RED.nodes.registerType('authflow-basic', AuthflowBasic, { credentials: schema.credentials });
};
