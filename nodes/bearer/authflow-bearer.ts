import { assertSupportedNode } from '../shared/supported-node';
import { AuthInfo, headerValues, then } from '../../lib/internal';
import { BearerAuthenticator } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { clientIp } from '../shared/decision';
import { buildKeySource, BearerKeyConfig } from './key-source';
import { prefetchJwks } from './jwks-prefetch';

interface BearerConfig extends CheckNodeConfig, BearerKeyConfig {
  realm?: string;
  allowQuery?: boolean;
  rolesClaim?: string;
  cacheSize?: string | number;
}

/** authflow-bearer: verifies `Authorization: Bearer` tokens (RFC 6750) — our own, or an identity provider's. */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowBearer(this: RedNode, config: BearerConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    let bearer: BearerAuthenticator | undefined;
    let stopPrefetch: (() => void) | undefined;
    initCheckNode(node, config, {
      method: 'bearer',
      challenge: (err) => (bearer ? bearer.challenge(err) : err.status === 401 ? { 'WWW-Authenticate': `Bearer realm="api"` } : {}),
      setup(status) {
        const { source, jwks, label } = buildKeySource(RED, config, node.credentials?.secret, node, status);
        const cacheSize = config.cacheSize === undefined || config.cacheSize === '' ? 10_000 : Number(config.cacheSize);
        bearer = new BearerAuthenticator({
          realm: config.realm || 'api', source, allowQuery: !!config.allowQuery, cacheSize,
          rolesClaim: config.rolesClaim || 'roles',
        });
        status.ready(label);
        if (jwks) stopPrefetch = prefetchJwks(jwks, status, (text) => node.warn(text));
        return (msg) => {
          const query = msg.req?.query?.access_token as string | string[] | undefined;
          const info = bearer!.check({ authorization: headerValues(msg.req?.rawHeaders, 'authorization'), queryToken: query });
          return then(info, (i): AuthInfo => ({ ...i, ip: clientIp(msg) }));
        };
      },
      close: () => stopPrefetch?.(),
    });
  }
  RED.nodes.registerType('authflow-bearer', AuthflowBearer, { credentials: { secret: { type: 'password' } } });
};
