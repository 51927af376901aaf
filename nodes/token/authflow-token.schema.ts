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
  },
  credentials: { tokenList: { type: 'text' } },
  migrations: [(c) => c], // 0 → 1: configVersion introduced, nothing renamed
};
