import { assertSupportedNode } from '../shared/supported-node';
import { apiKeyCheck } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { nodeListSource } from '../shared/msg-request';
import { listReport } from '../shared/list-warnings';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-token.schema';
import { keyStoreCheck } from '../keys/key-store-provider';

interface TokenConfig extends CheckNodeConfig {
  header?: string;
  allowBearer?: boolean;
  allowQuery?: boolean;
  queryParam?: string;
  tokensType?: string;
  tokens?: string;
  keySource?: 'list' | 'keystore';
  keyStore?: string;
  keyEnvs?: string;
}

/** authflow-token: shared-secret / API-key header check (Kitewheel's x-auth-token). */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowToken(this: RedNode, config: TokenConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled
    const node = this;
    initCheckNode(node, config, {
      method: config.keySource === 'keystore' ? 'api_key' : 'token',
      setup(status) {
        assertConfig(schema, config);
        if (config.keySource === 'keystore') return keyStoreCheck(RED, config.keyStore, config);
        const tokens = nodeListSource(RED, node, config.tokensType || 'cred', config.tokens || '', 'tokenList', 'tokens');
        return apiKeyCheck(tokens, config, listReport(node, status));
      },
    });
  }
  RED.nodes.registerType('authflow-token', AuthflowToken, { credentials: schema.credentials });
};
