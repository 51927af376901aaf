import { assertSupportedNode } from '../shared/supported-node';
import { BearerAuthenticator, bearerCheck } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { buildKeySource, BearerKeyConfig } from './key-source';
import { prefetchJwks } from './jwks-prefetch';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-bearer.schema';
import type { MsgRequest } from '../shared/msg-request';

/**
 * RFC 6750 §2.2: the body's `access_token` (a form or JSON body parsed by http in). It is taken out of
 * msg.payload so the token does not travel on through the flow (debug, logs).
 */
function bodyToken(req: MsgRequest): unknown {
  const payload = req.msg.payload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || !Object.hasOwn(payload, 'access_token')) return undefined;
  const token = (payload as Record<string, unknown>).access_token;
  delete (payload as Record<string, unknown>).access_token;
  return token;
}

interface BearerConfig extends CheckNodeConfig, BearerKeyConfig {
  realm?: string;
  allowQuery?: boolean;
  allowBody?: boolean;
  rolesClaim?: string;
  cacheSize?: string | number;
}

/** authflow-bearer: verifies `Authorization: Bearer` tokens (RFC 6750) — our own, or an identity provider's. */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowBearer(this: RedNode, config: BearerConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled
    const node = this;
    let stopPrefetch: (() => void) | undefined;
    initCheckNode(node, config, {
      method: 'bearer',
      setup(status) {
        assertConfig(schema, config);
        const { source, jwks, label } = buildKeySource(RED, config, node.credentials?.secret, node, status);
        const cacheSize = config.cacheSize === undefined || config.cacheSize === '' ? 10_000 : Number(config.cacheSize);
        const realm = config.realm || 'api';
        const bearer = new BearerAuthenticator({ realm, source, allowQuery: !!config.allowQuery, cacheSize, rolesClaim: config.rolesClaim || 'roles' });
        status.ready(label);
        if (jwks) stopPrefetch = prefetchJwks(jwks, status, (text) => node.warn(text));
        return bearerCheck<MsgRequest>(bearer, { realm, bodyToken: config.allowBody ? bodyToken : undefined });
      },
      close: () => stopPrefetch?.(),
    });
  }
  RED.nodes.registerType('authflow-bearer', AuthflowBearer, { credentials: schema.credentials });
};
