import { COMMON_PROPERTIES, NodeSchema } from '../shared/schema';

/** authflow-token: see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-token',
  version: 1,
  properties: {
    ...COMMON_PROPERTIES,
    header: { default: 'x-auth-token', required: true, rule: 'headerName' },
    allowBearer: { default: false },
    allowQuery: { default: false },
    queryParam: { default: 'api_key', rule: 'queryParam' },
    // Where the token list comes from: `cred` = the tokenList credential, else a flow/global/env/msg key.
    tokensType: { default: 'cred', choices: ['cred', 'flow', 'global', 'env', 'msg'] },
    tokens: { default: '', sourceTypeField: 'tokensType' },
    // Keys from a list (above), or managed keys in an API key store (nodes/keys): lifecycle, hashed, revocable.
    keySource: { default: 'list', choices: ['list', 'keystore'] },
    keyStore: { default: '', configType: 'authflow-key-store', required: true, when: { field: 'keySource', is: ['keystore'] }, message: 'select an API key store' },
    // Key envs accepted (space or comma separated: prod test dev); empty = all.
    keyEnvs: { default: '' },
  },
  credentials: { tokenList: { type: 'text' } },
  migrations: [(c) => c], // 0 → 1: configVersion introduced, nothing renamed
};
