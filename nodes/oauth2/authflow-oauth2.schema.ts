import { NodeSchema } from '../shared/schema';

/** authflow-oauth2: one endpoint of an authflow-oauth2-server (see nodes/shared/schema.ts). */
export const schema: NodeSchema = {
  type: 'authflow-oauth2',
  version: 1,
  properties: {
    name: { default: '' },
    server: { default: '', configType: 'authflow-oauth2-server', required: true },
    operation: { default: 'token', choices: ['token', 'revoke', 'introspect', 'metadata', 'jwks', 'rotate'] },
    // An endpoint answers with a body of its own: by default the node sends it.
    respond: { default: true },
  },
  migrations: [(c) => c], // 0 → 1: the first version
};
