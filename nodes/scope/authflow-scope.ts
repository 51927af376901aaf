import { assertSupportedNode } from '../shared/supported-node';
import { scopeCheck, Match, ListSource } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { createCredentialSource } from '../shared/credential-source';
import type { MsgRequest } from '../shared/msg-request';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-scope.schema';

interface ScopeConfig extends CheckNodeConfig {
  scopes?: string;
  scopesType?: string;
  scopeMatch?: Match;
  roles?: string;
  rolesType?: string;
  roleMatch?: Match;
  realm?: string;
}

/**
 * authflow-scope: authorization on msg.auth after any check node — all or
 * any of a list of scopes and/or roles (lib/authz). Missing msg.auth → 401,
 * insufficient → 403 AUTH_008 with the RFC 6750 §3.1 insufficient_scope challenge.
 */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowScope(this: RedNode, config: ScopeConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled
    const node = this;
    initCheckNode(node, config, {
      method: 'scope',
      authorizes: true,
      setup(status) {
        assertConfig(schema, config);
        const check = scopeCheck<MsgRequest>({
          scopes: listSource(RED, node, config.scopesType, config.scopes, 'required scopes'),
          scopeMatch: config.scopeMatch,
          roles: listSource(RED, node, config.rolesType, config.roles, 'required roles'),
          roleMatch: config.roleMatch,
          realm: config.realm || 'api',
        });
        status.ready(label(config));
        return check;
      },
    });
  }
  RED.nodes.registerType('authflow-scope', AuthflowScope);
};

/** Typed in: fixed at deploy (validated then); msg/flow/global/env: read per request, missing fails closed (503). */
function listSource(RED: RED, node: RedNode, type: string | undefined, value: string | undefined, what: string): ListSource<MsgRequest> {
  if (!type || type === 'str') return { fixed: value ?? '' };
  const read = createCredentialSource(RED, node, type, value ?? '', '');
  return { read: (req) => read(req.msg), what: `${what} (${type}.${value})` };
}

function label(c: ScopeConfig): string {
  const parts = [];
  if (c.scopes) parts.push(`${c.scopeMatch === 'any' ? 'any' : 'all'} of ${c.scopesType === 'str' ? c.scopes : `${c.scopesType}.${c.scopes}`}`);
  if (c.roles) parts.push(`role ${c.roleMatch === 'any' ? 'any' : 'all'} of ${c.rolesType === 'str' ? c.roles : `${c.rolesType}.${c.roles}`}`);
  return parts.join('; ') || 'ready';
}
