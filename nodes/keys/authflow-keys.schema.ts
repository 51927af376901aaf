import { COMMON_PROPERTIES, NodeSchema } from '../shared/schema';

/** authflow-keys: see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-keys',
  version: 1,
  properties: {
    ...COMMON_PROPERTIES,
    keyStore: { default: '', configType: 'authflow-key-store', required: true },
    operation: { default: 'create', choices: ['create', 'list', 'get', 'revoke', 'rotate'] },
    // 'creator': a key never gets scopes its creator (msg.auth.scopes) lacks; 'any': the request decides (a trusted admin flow).
    scopePolicy: { default: 'creator', choices: ['creator', 'any'] },
    // Issue an HMAC signing secret with every created/rotated key (else only when the body asks: {"signing": true}).
    signing: { default: false, when: { field: 'operation', is: ['create', 'rotate'] } },
  },
  migrations: [(c) => c], // 0 → 1: the first version (no older configs exist)
};
