import { BasicAuthenticator, headerValues } from '../../lib';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { createCredentialSource } from '../shared/credential-source';
import { clientIp } from '../shared/decision';
import { watchListWarnings } from '../shared/list-warnings';

interface BasicConfig extends CheckNodeConfig {
  realm?: string;
  usersType?: string;
  users?: string;
}

/** authflow-basic: RFC 7617 Basic authentication in front of an `http in` route. */
export = function register(RED: RED) {
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
        auth = new BasicAuthenticator(config.realm || 'api');
        const users = createCredentialSource(RED, node, config.usersType || 'cred', config.users || '', 'userList');
        const warnings = watchListWarnings(node, status, auth.users);
        return async (msg) => {
          const list = await users(msg);
          warnings(list);
          const info = await auth.authenticate(headerValues(msg.req?.rawHeaders, 'authorization'), list);
          return { ...info, ip: clientIp(msg) };
        };
      },
    });
  }
  RED.nodes.registerType('authflow-basic', AuthflowBasic, { credentials: { userList: { type: 'text' } } });
};
