import { assertSupportedNode } from '../shared/supported-node';
import { TokenDirectory, AuthInfo, extractApiToken, headerValues, isSafeQuotedValue, then } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { createCredentialSource } from '../shared/credential-source';
import { clientIp } from '../shared/decision';
import { watchListWarnings } from '../shared/list-warnings';

interface TokenConfig extends CheckNodeConfig {
  header?: string;
  allowBearer?: boolean;
  allowQuery?: boolean;
  queryParam?: string;
  tokensType?: string;
  tokens?: string;
}

/** authflow-token: shared-secret / API-key header check (Kitewheel's x-auth-token). */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowToken(this: RedNode, config: TokenConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    initCheckNode(node, config, {
      method: 'token',
      setup(status) {
        const header = (config.header || 'x-auth-token').trim();
        if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) throw new Error(`invalid header name "${header}"`);
        const queryParam = (config.queryParam || 'api_key').trim();
        if (config.allowQuery && !isSafeQuotedValue(queryParam)) throw new Error('invalid query parameter name');
        const directory = new TokenDirectory();
        const tokens = createCredentialSource(RED, node, config.tokensType || 'cred', config.tokens || '', 'tokenList');
        const warnings = watchListWarnings(node, status, directory);
        return (msg) => {
          const presented = extractApiToken({
            header: headerValues(msg.req?.rawHeaders, header),
            authorization: config.allowBearer ? headerValues(msg.req?.rawHeaders, 'authorization') : undefined,
            query: config.allowQuery ? (msg.req?.query?.[queryParam] as string | string[] | undefined) : undefined,
          });
          return then(tokens(msg), (list): AuthInfo => {
            warnings(list);
            const record = directory.verify(list, presented);
            return { method: 'token', subject: record.subject, keyId: record.id, scopes: record.scopes, expiresAt: record.expiresAt, ip: clientIp(msg) };
          });
        };
      },
    });
  }
  RED.nodes.registerType('authflow-token', AuthflowToken, { credentials: { tokenList: { type: 'text' } } });
};
