import { COMMON_PROPERTIES, NodeSchema } from '../shared/schema';

/** authflow-hmac: see nodes/shared/schema.ts for what a schema feeds. Defaults match lib/signatures. */
export const schema: NodeSchema = {
  type: 'authflow-hmac',
  version: 1,
  properties: {
    ...COMMON_PROPERTIES,
    // `request`: signed API requests (key id + timestamp + nonce + signature); `webhook`: a sender's signature.
    mode: { default: 'request', choices: ['request', 'webhook'] },
    scheme: { default: 'strict', choices: ['strict', 'kindly'] },
    preset: { default: 'standard', choices: ['standard', 'stripe', 'github', 'kindly', 'generic'] },
    sigHeader: { default: 'X-Signature', rule: 'headerName', when: { field: 'preset', is: ['generic'] } },
    sigEncoding: { default: 'hex', choices: ['hex', 'base64'] },
    sigPrefix: { default: '' },
    /** Seconds of clock difference accepted, both directions (request window / webhook tolerance). */
    window: { default: 300, rule: 'positiveWholeOrBlank' },
    /** Bytes; larger bodies get 413. */
    maxBody: { default: 1048576, rule: 'positiveWholeOrBlank' },
    /** authflow-store config node for used nonces and delivery ids; empty = the embedded default (global context). */
    store: { default: '', configType: 'authflow-store' },
    // Where the signing keys (request) or the webhook secret come from: `cred` = the secretList credential;
    // `keystore` = API keys with a signing secret in an authflow-key-store (request mode only).
    secretsType: { default: 'cred', choices: ['cred', 'flow', 'global', 'env', 'msg', 'keystore'] },
    secrets: { default: '', sourceTypeField: 'secretsType', extraSources: ['keystore'] },
    keyStore: { default: '', configType: 'authflow-key-store', required: true, when: { field: 'secretsType', is: ['keystore'] } },
  },
  credentials: { secretList: { type: 'password' } },
  migrations: [(c) => c], // 0 → 1: first version
};
