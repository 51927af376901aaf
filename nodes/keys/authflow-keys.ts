import { assertSupportedNode } from '../shared/supported-node';
import { AuthInfo, keyManager, publicView, ApiKeyRecord } from '../../lib/internal';
import type { RED, RedMsg, RedNode } from '../shared/red-types';
import { initEndpointNode, EndpointResult } from '../login/endpoint';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-keys.schema';
import { keyService } from './key-store-provider';

type Operation = 'create' | 'list' | 'get' | 'revoke' | 'rotate';

interface KeysConfig {
  name?: string;
  respond?: boolean;
  keyStore?: string;
  operation: Operation;
  scopePolicy: 'creator' | 'any';
  signing?: boolean;
}

/**
 * authflow-keys: the Kindly key API, one operation per node, behind a bearer
 * (or any) check: the owner is msg.auth.subject.
 *   create  POST   /api/keys        {name, expires_at, scopes, allowed_ips, denied_ips, env, max_uses, metadata, signing} → 201 {…, key, signing_secret?} (both once)
 *   list    GET    /api/keys        → 200 {keys: […]}
 *   get     GET    /api/keys/:id    → 200 {…}
 *   revoke  DELETE /api/keys/:id    → 200 {…, status: "revoked"}
 *   rotate  POST   /api/keys/:id/rotate {grace_hours?} → 201 {…, key, previous: {id, expires_at}}
 * The id comes from msg.req.params.id (an `http in` route with `:id`), else msg.keyId.
 */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowKeys(this: RedNode, config: KeysConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config);
    const node = this;
    initEndpointNode(node, config, {
      method: 'api_key',
      setup(status) {
        assertConfig(schema, config);
        const keys = keyService(RED, config.keyStore);
        status.ready(config.operation);
        const now = () => Date.now();
        const view = (r: ApiKeyRecord) => publicView(r, now());
        const createOptions = (who: AuthInfo) => ({ creatorScopes: config.scopePolicy === 'creator' ? who.scopes ?? [] : undefined, signing: config.signing === true });
        const ops: Record<Operation, (owner: AuthInfo, msg: RedMsg) => Promise<EndpointResult>> = {
          async create(who, msg) {
            const { key, record, signingSecret } = await keys.create(who.subject!, msg.payload, createOptions(who));
            return { statusCode: 201, payload: { ...view(record), key, ...secretField(signingSecret) }, auth: who, reason: `API key ${record.id} created` };
          },
          async list(who) {
            const all = await keys.list(who.subject!);
            return { statusCode: 200, payload: { keys: all.map(view) }, auth: who, reason: `API keys listed (${all.length})` };
          },
          async get(who, msg) {
            const record = await keys.get(who.subject!, keyId(msg));
            return { statusCode: 200, payload: view(record), auth: who, reason: `API key ${record.id} read` };
          },
          async revoke(who, msg) {
            const record = await keys.revoke(who.subject!, keyId(msg));
            return { statusCode: 200, payload: view(record), auth: who, reason: `API key ${record.id} revoked` };
          },
          async rotate(who, msg) {
            const { key, record, previous, signingSecret } = await keys.rotate(who.subject!, keyId(msg), msg.payload, createOptions(who));
            const old = view(previous);
            return {
              statusCode: 201, payload: { ...view(record), key, ...secretField(signingSecret), previous: { id: old.id, expires_at: old.expires_at } }, auth: who,
              reason: `API key ${previous.id} rotated to ${record.id}`,
            };
          },
        };
        const op = ops[config.operation];
        return async (msg) => {
          // A signed-in user, never an API key: a leaked key must not mint keys that outlive its revocation.
          return op(keyManager(msg.auth as AuthInfo | undefined), msg);
        };
      },
    });
  }
  RED.nodes.registerType('authflow-keys', AuthflowKeys);
};

function keyId(msg: RedMsg): unknown {
  const params = (msg.req as { params?: Record<string, unknown> } | undefined)?.params;
  return params?.id ?? msg.keyId;
}

/** The signing secret, in the create/rotate answer only (shown once, like the key). */
function secretField(secret: string | undefined): Record<string, string> {
  return secret === undefined ? {} : { signing_secret: secret };
}
